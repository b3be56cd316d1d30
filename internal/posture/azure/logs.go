package azure

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/monitor/armmonitor"

	"github.com/mamori-sec/mamori/internal/atomicfile"
	"github.com/mamori-sec/mamori/internal/posture/capture"
)

// A responder or an engineer with a live tenant and no export set up
// wants the logs the hunt reads from Azure itself: the Activity Log of
// each subscription and of the tenant (where a Global Administrator's
// elevation is), and Entra ID's sign-ins and directory audits. FetchLogs
// reads them with the same client as posture (the same credential,
// throttles, retries and guards) and hands every page, byte for byte as
// the API returned it, to the caller to keep: the hunt reads those pages
// as it reads `az monitor activity-log list` or a Graph export, and the
// files are the evidence of what Azure said. Entra ID Protection's risk
// detections come too: a leaked credential or an anomalous service
// principal is often the first thing Microsoft saw of a miner's access.

// The logs FetchLogs reads, by the name of the folder the CLI writes them
// to (with the subscription's id below "activity").
const (
	LogActivity       = "activity"        // per subscription: arm/subscriptions/{sub}/.../eventtypes/management/values
	LogTenantActivity = "tenant-activity" // /providers/Microsoft.Insights/eventtypes/management/values
	LogSignIns        = "signins"         // graph/auditLogs/signIns: users' interactive sign-ins
	LogAudits         = "audit"           // graph/auditLogs/directoryAudits
	// Graph's beta gives the sign-ins v1.0 does not: a service
	// principal's, a managed identity's, and (LogsOptions.NonInteractive)
	// users' non-interactive ones, a token refreshed by a client, many
	// more.
	LogSignInsServicePrincipal = "signins-serviceprincipal"
	LogSignInsManagedIdentity  = "signins-managedidentity"
	LogSignInsNonInteractive   = "signins-noninteractive"
	// Entra ID Protection's risk detections: users' (and their
	// sign-ins'), and service principals' (workload identities').
	LogRiskDetections                 = "riskdetections"                  // graph/identityProtection/riskDetections
	LogRiskDetectionsServicePrincipal = "riskdetections-serviceprincipal" // graph/identityProtection/servicePrincipalRiskDetections
)

// betaSignIns are the beta sign-in logs, by their signInEventTypes.
var betaSignIns = []struct{ log, eventType string }{
	{LogSignInsServicePrincipal, "servicePrincipal"},
	{LogSignInsManagedIdentity, "managedIdentity"},
	{LogSignInsNonInteractive, "nonInteractiveUser"},
}

// logPermissions is what reading each log needs.
var logPermissions = map[string]string{
	LogActivity:                "Microsoft.Insights/eventtypes/values/read (Reader or Monitoring Reader on the subscription)",
	LogTenantActivity:          "Microsoft.Insights/eventtypes/values/read at the tenant root scope (/), e.g. Monitoring Reader at /",
	LogSignIns:                 "Microsoft Graph AuditLog.Read.All, and an Entra ID P1 or P2 licence",
	LogSignInsServicePrincipal: "Microsoft Graph AuditLog.Read.All, and an Entra ID P1 or P2 licence",
	LogSignInsManagedIdentity:  "Microsoft Graph AuditLog.Read.All, and an Entra ID P1 or P2 licence",
	LogSignInsNonInteractive:   "Microsoft Graph AuditLog.Read.All, and an Entra ID P1 or P2 licence",
	LogAudits:                  "Microsoft Graph AuditLog.Read.All",
	// Graph's docs: the riskDetection API needs Entra ID P1 or P2, and P1
	// gets limited risk information (ID Protection's licence table: the
	// risk detections report is limited with P1, whole with P2); the
	// servicePrincipalRiskDetection API needs Workload ID Premium, and
	// without it riskLevel and riskDetail read "hidden". A tenant without
	// the licence is answered 403, as a missing permission is
	// (microsoft/zerotrustassessment#1022): the text names both.
	LogRiskDetections:                 "Microsoft Graph IdentityRiskEvent.Read.All, and an Entra ID P1 or P2 licence (P1 gets limited risk information, P2 all of it)",
	LogRiskDetectionsServicePrincipal: "Microsoft Graph IdentityRiskEvent.Read.All, and a Microsoft Entra Workload ID Premium licence (without it riskLevel and riskDetail read hidden)",
}

// LogsOptions says which logs FetchLogs reads beyond the default ones.
type LogsOptions struct {
	// NonInteractive adds users' non-interactive sign-ins: a client's
	// token refreshes, often the most records of a tenant's logs, where a
	// stolen refresh token is used.
	NonInteractive bool
	// Workspaces are Log Analytics workspaces (their ids) whose tables
	// the hunt reads are read too (workspace.go); WorkspacesOnly reads
	// them alone (serve's reader of one workspace).
	Workspaces     []string
	WorkspacesOnly bool
}

// ActivityRetention is how far back Azure keeps the Activity Log.
const ActivityRetention = 90 * 24 * time.Hour

// LogRead is one log's reading: how many pages it took, and when it could
// not be read whole, why (Status as a posture dataset's: Denied, Absent,
// Failed, Partial).
type LogRead struct {
	Log          string // LogActivity, …
	Subscription string // LogActivity's
	Pages        int
	Status       capture.Status
	Error        string
	Permission   string // what a Denied read needs
}

// FetchLogs reads the logs of the tenant (opts.TenantID, or the
// credential's) whose events fall in [since, until]: the Activity Log of
// each subscription (opts.Subscriptions, or every one the identity can
// read) and of the tenant, the sign-ins, directory audits and risk
// detections. Each page goes to keep, with the log and the subscription
// it is of and its number from 1; keep is called from several
// goroutines, each log's pages in order. A log that cannot be read is
// reported, not an error: an identity may read the Activity Log but not
// the sign-ins. FetchLogs
// fails only when no credential works, the subscriptions cannot be
// listed, or ctx ends.
func FetchLogs(ctx context.Context, opts Options, lo LogsOptions, since, until time.Time, keep func(log, sub string, page int, body []byte) error) ([]LogRead, error) {
	return fetchLogs(ctx, opts, lo, since, until, keep, false)
}

// ProbeLogs reads the first page of each log FetchLogs reads (of the last
// day, in one subscription unless opts names some; each table of the
// workspaces in one query), and keeps none: what `mamori doctor` says of
// `mamori fetch`. A log read is OK whether or not it had more pages.
func ProbeLogs(ctx context.Context, opts Options, workspaces ...string) ([]LogRead, error) {
	until := time.Now().UTC()
	return fetchLogs(ctx, opts, LogsOptions{NonInteractive: true, Workspaces: workspaces}, until.Add(-24*time.Hour), until, func(string, string, int, []byte) error { return nil }, true)
}

func fetchLogs(ctx context.Context, opts Options, lo LogsOptions, since, until time.Time, keep func(log, sub string, page int, body []byte) error, probe bool) ([]LogRead, error) {
	c, err := connect(ctx, opts, probe, "")
	if err != nil {
		return nil, err
	}
	var reads []LogRead
	var fills []func(context.Context, *LogRead) // each read's, by index
	if !lo.WorkspacesOnly {
		apis, lists, err := c.apiLogs(ctx, lo, since, until)
		if err != nil {
			return nil, err
		}
		for i := range apis {
			reads, fills = append(reads, apis[i]), append(fills, func(ctx context.Context, lr *LogRead) { c.stream(ctx, lr, lists[i], keep) })
		}
	}
	for _, ws := range lo.Workspaces {
		for _, t := range workspaceTables {
			if t.nonInteractive && !lo.NonInteractive {
				continue
			}
			reads = append(reads, LogRead{Log: LogWorkspace + t.table, Subscription: strings.ToLower(ws)})
			fills = append(fills, func(ctx context.Context, lr *LogRead) { c.readTable(ctx, lr, t.table, t.where, since, until, keep) })
		}
	}
	// Each task fills its own read, once reads grows no more.
	tasks := make([]func(context.Context), len(reads))
	for i := range reads {
		tasks[i] = func(ctx context.Context) { fills[i](ctx, &reads[i]) }
	}
	c.runAll(ctx, tasks)
	if err := ctx.Err(); err != nil {
		return reads, fmt.Errorf("azure: reading the logs stopped: %w", err)
	}
	return reads, nil
}

// apiLogs are the logs the APIs give (each subscription's Activity Log,
// the tenant's, Graph's sign-ins, audits and risk detections), each with
// its lister.
func (c *collector) apiLogs(ctx context.Context, lo LogsOptions, since, until time.Time) ([]LogRead, []lister, error) {
	opts, probe := c.opts, c.probe
	subs, err := c.subscriptionIDs(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("azure: %s", c.tokens.redact(err.Error()))
	}
	if ds := c.out.Datasets[capture.KeySubscriptions]; len(opts.Subscriptions) == 0 && ds != nil && ds.Status != capture.OK && ds.Status != capture.Partial {
		return nil, nil, fmt.Errorf("azure: the subscriptions could not be listed: %s", ds.Error)
	}
	if probe && len(subs) > 1 && len(opts.Subscriptions) == 0 {
		subs = subs[:1] // as posture's probe: one subscription unless told
	}
	// ARM refuses a start past the Activity Log's retention; there is
	// nothing older to read.
	armSince := since
	if oldest := until.Add(-ActivityRetention).Add(time.Minute); armSince.Before(oldest) {
		armSince = oldest
	}
	armFilter := fmt.Sprintf("eventTimestamp ge '%s' and eventTimestamp le '%s'", armSince.UTC().Format(time.RFC3339), until.UTC().Format(time.RFC3339))
	var reads []LogRead
	var lists []lister
	add := func(log, sub string, list lister) {
		reads, lists = append(reads, LogRead{Log: log, Subscription: sub}), append(lists, list)
	}
	for _, sub := range subs {
		client, err := armmonitor.NewActivityLogsClient(sub, opts.Credential, c.armOpts)
		if err != nil {
			return nil, nil, fmt.Errorf("azure: %w", err)
		}
		add(LogActivity, sub, pages(c, func() *runtime.Pager[armmonitor.ActivityLogsClientListResponse] {
			return client.NewListPager(armFilter, nil)
		}))
	}
	tenant, err := armmonitor.NewTenantActivityLogsClient(opts.Credential, c.armOpts)
	if err != nil {
		return nil, nil, fmt.Errorf("azure: %w", err)
	}
	add(LogTenantActivity, "", pages(c, func() *runtime.Pager[armmonitor.TenantActivityLogsClientListResponse] {
		return tenant.NewListPager(&armmonitor.TenantActivityLogsClientListOptions{Filter: &armFilter})
	}))
	graphSince := since.UTC().Format(time.RFC3339)
	graphUntil := until.UTC().Format(time.RFC3339)
	add(LogSignIns, "", c.rawList(c.graph, c.graphV1+"/auditLogs/signIns?$top=999&$filter="+
		url.QueryEscape("createdDateTime ge "+graphSince+" and createdDateTime le "+graphUntil), "@odata.nextLink"))
	add(LogAudits, "", c.rawList(c.graph, c.graphV1+"/auditLogs/directoryAudits?$top=999&$filter="+
		url.QueryEscape("activityDateTime ge "+graphSince+" and activityDateTime le "+graphUntil), "@odata.nextLink"))
	beta := strings.TrimSuffix(c.graphV1, "/v1.0") + "/beta"
	for _, b := range betaSignIns {
		if b.log == LogSignInsNonInteractive && !lo.NonInteractive {
			continue
		}
		add(b.log, "", c.rawList(c.graph, beta+"/auditLogs/signIns?$top=999&$filter="+url.QueryEscape("createdDateTime ge "+graphSince+
			" and createdDateTime le "+graphUntil+" and signInEventTypes/any(t: t eq '"+b.eventType+"')"), "@odata.nextLink"))
	}
	// Risk detections by when ID Protection detected them, not by the
	// activity's time: an offline detection (leaked credentials) comes
	// days after what it is of, and serve's next read must still find it.
	// Graph's docs (v1.0): List riskDetections takes $filter and $select,
	// 20 a page by default and at most 500 with $top; List
	// servicePrincipalRiskDetections takes $filter and $select and names
	// no $top, so none is asked. Neither page lists the operators
	// detectedDateTime takes: a filter Graph refused would be said as the
	// log's failure (HTTP 400), not read unfiltered.
	riskWindow := url.QueryEscape("detectedDateTime ge " + graphSince + " and detectedDateTime le " + graphUntil)
	add(LogRiskDetections, "", c.rawList(c.graph, c.graphV1+"/identityProtection/riskDetections?$top=500&$filter="+riskWindow, "@odata.nextLink"))
	add(LogRiskDetectionsServicePrincipal, "", c.rawList(c.graph, c.graphV1+"/identityProtection/servicePrincipalRiskDetections?$filter="+riskWindow, "@odata.nextLink"))
	return reads, lists, nil
}

// stream reads one log, handing its pages to keep as they come. Unlike a
// posture dataset it is not restarted when a paging token expires: its
// pages are kept already; it is reported Partial instead.
func (c *collector) stream(ctx context.Context, lr *LogRead, list lister, keep func(log, sub string, page int, body []byte) error) {
	r := &reading{}
	r.reset()
	r.sink = func(body []byte) error {
		if err := keep(lr.Log, lr.Subscription, r.streamed+1, body); err != nil {
			return errKeep{err}
		}
		return nil
	}
	err := list(withReading(ctx, r))
	lr.Pages = r.streamed
	if err == nil || errors.Is(err, errStopped) { // a probe's first page
		lr.Status = capture.OK
		return
	}
	var ke errKeep
	if errors.As(err, &ke) {
		// The caller's own failure (a full disk): said as it is.
		lr.Status, lr.Error = partialOr(r.read(), capture.Failed), ke.err.Error()
		return
	}
	ds := &capture.Dataset{}
	c.classify(ds, lr.Log, r, err)
	lr.Status, lr.Error = ds.Status, ds.Error
	if ds.Status == capture.Denied {
		lr.Permission = logPermissions[lr.Log]
	}
}

// errKeep is the caller's failure to keep a page, told apart from the
// API's.
type errKeep struct{ err error }

func (e errKeep) Error() string { return e.err.Error() }

// SaveLogs is FetchLogs into the folder dir, which must be empty or
// absent: each log's pages as dir/LOG/0001.json (the Activity Log's as
// dir/activity/SUBSCRIPTION/0001.json), written whole or not at all (a
// page goes under its name once written), so that `mamori hunt dir`
// reads them as the API gave them.
func SaveLogs(ctx context.Context, opts Options, lo LogsOptions, since, until time.Time, dir string) ([]LogRead, error) {
	if err := EmptyFolder(dir); err != nil {
		return nil, err
	}
	return FetchLogs(ctx, opts, lo, since, until, func(log, sub string, page int, body []byte) error {
		folder, err := LogFolder(dir, log, sub)
		if err != nil {
			return err
		}
		return WritePage(folder, fmt.Sprintf("%04d.json", page), body)
	})
}

// LogFolder is where a log's pages go under dir: dir/LOG, or
// dir/activity/SUBSCRIPTION for a subscription's Activity Log.
func LogFolder(dir, log, sub string) (string, error) {
	if sub == "" {
		return filepath.Join(dir, log), nil
	}
	if !subscriptionID.MatchString(sub) {
		return "", fmt.Errorf("subscription %q is not an id", sub)
	}
	return filepath.Join(dir, log, strings.ToLower(sub)), nil
}

// WritePage writes a page under folder as name, whole or not at all: it
// is written under a hidden name first (readers pass hidden names over),
// then renamed.
func WritePage(folder, name string, body []byte) error {
	if err := os.MkdirAll(folder, 0o750); err != nil {
		return err
	}
	return atomicfile.Write(folder, name, body, 0o640)
}

// EmptyFolder checks that dir is absent or empty, as SaveLogs needs it.
func EmptyFolder(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case err == nil && len(entries) > 0:
		return fmt.Errorf("%s holds files already: name a new folder (a second fetch into it would mix two reads)", dir)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return err
	}
	return nil
}

// subscriptionID is the shape of a subscription's id: a folder's name
// made of it cannot leave dir.
var subscriptionID = regexp.MustCompile(`^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$`)
