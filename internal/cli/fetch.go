package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/correlate"
	"github.com/mamori-sec/mamori/internal/plural"
	"github.com/mamori-sec/mamori/internal/posture/azure"
	"github.com/mamori-sec/mamori/internal/posture/capture"
	"github.com/mamori-sec/mamori/internal/report"
)

// fetchCmd reads a live tenant's logs into a folder for the hunt: what an
// engineer with a tenant and no export set up, or a responder whose
// exports were deleted with the attacker's subscription, has.
func fetchCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("fetch", flag.ContinueOnError)
	fs.SetOutput(stderr)
	setUsage(fs, stderr, `Usage: mamori fetch --out DIR [--since 30d] [--tenant ID] [--subscription ID]... [--workspace ID]...

Reads a tenant's logs from Azure itself: each subscription's Activity Log and the
tenant's (a Global Administrator's elevated access is there), and Entra ID's
sign-ins (users', service principals' and managed identities'; --noninteractive
adds users' token refreshes), directory audits and ID Protection's risk
detections (users' and service principals'), for the last --since, and writes
every page as the API returned it under DIR, for 'mamori hunt DIR'.
'mamori doctor' says which of them the identity can read. Sign in as for posture:
az login, the AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET variables,
or a workload or managed identity. Reader on the subscriptions reads their
Activity Log; the tenant's needs a role at the root scope (/), the sign-ins and
audits Microsoft Graph's AuditLog.Read.All, the risk detections its
IdentityRiskEvent.Read.All (and Entra ID P1 or P2; Workload ID Premium for
service principals'). A log that cannot be read is said, and the others are
fetched. --workspace also reads a Log Analytics workspace's tables the hunt
reads (AzureActivity, SigninLogs, AuditLogs, AADUserRiskEvents, SecurityAlert,
the firewall's, DeviceProcessEvents, …) a day at a time through its query API,
as far back as the workspace keeps them (often a year): Log Analytics Reader on
it.
`)
	out := fs.String("out", "", "the folder to write the logs to: new, or empty")
	since := fs.String("since", "30d", "how far back to read (the Activity Log keeps 90 days, the sign-ins 30)")
	tenant := fs.String("tenant", "", "the tenant to read (default: the signed-in identity's)")
	nonInteractive := fs.Bool("noninteractive", false, "also users' non-interactive sign-ins (a client's token refreshes, where a stolen refresh token shows; often the most records of all)")
	var subs, workspaces multiFlag
	fs.Var(&subs, "subscription", "a subscription whose Activity Log to read (repeatable, or comma-separated; default: every one the identity can read)")
	fs.Var(&workspaces, "workspace", "also read this Log Analytics workspace's tables (its workspace `id`, a GUID; repeatable, or comma-separated) into DIR/workspace/TABLE/ID")
	if code, ok := parseOnlyFlags(fs, args, stderr); !ok {
		return code
	}
	if *out == "" {
		fmt.Fprintln(stderr, "mamori fetch: --out DIR: where to write the logs")
		return ExitUsage
	}
	span, err := correlate.ParseTimespan(*since)
	if err != nil || span <= 0 {
		fmt.Fprintf(stderr, "mamori fetch: --since %q: a span such as 7d or 30d\n", report.Terminal(*since))
		return ExitUsage
	}
	for _, s := range splitList(subs) {
		if !guid.MatchString(s) {
			fmt.Fprintf(stderr, "mamori fetch: --subscription %q: not a subscription's id (a GUID)\n", report.Terminal(s))
			return ExitUsage
		}
	}
	for _, w := range splitList(workspaces) {
		if !guid.MatchString(w) {
			fmt.Fprintf(stderr, "mamori fetch: --workspace %q: not a workspace's id (a GUID: the workspace's Overview, or az monitor log-analytics workspace show --query customerId)\n", report.Terminal(w))
			return ExitUsage
		}
	}
	if err := azure.EmptyFolder(*out); err != nil {
		fmt.Fprintln(stderr, "mamori fetch: --out", report.Terminal(err.Error()))
		return ExitUsage
	}
	if span > azure.ActivityRetention {
		where := " (a Log Analytics workspace may keep them: --workspace)"
		if len(workspaces) > 0 {
			where = " but in the workspace"
		}
		fmt.Fprintf(stderr, "mamori fetch: --since %s: the Activity Log keeps %s; older events are not there to read%s\n", *since, report.Age(azure.ActivityRetention), where)
	}
	until := time.Now().UTC().Truncate(time.Second)
	opts := azure.Options{TenantID: *tenant, Subscriptions: splitList(subs)}
	if isTerminal(stderr) {
		opts.Progress = func(done, total int) {
			fmt.Fprintf(stderr, "\r\x1b[Kreading Azure's logs: %d of %s", done, plural.Count(total, "log", "logs"))
		}
	}
	reads, err := azure.SaveLogs(ctx, opts, azure.LogsOptions{NonInteractive: *nonInteractive, Workspaces: splitList(workspaces)}, until.Add(-span), until, *out)
	if opts.Progress != nil {
		fmt.Fprint(stderr, "\r\x1b[K")
	}
	if err != nil {
		fmt.Fprintln(stderr, "mamori fetch:", report.Terminal(err.Error()))
		if len(reads) == 0 {
			return ExitError
		}
	}
	if !writeFetched(stdout, stderr, reads, *out, until.Add(-span), until) {
		return ExitError
	}
	if err != nil {
		return ExitError
	}
	return ExitOK
}

// writeFetched says what each log gave, and where to hunt them; false
// when nothing was read.
func writeFetched(stdout, stderr io.Writer, reads []azure.LogRead, dir string, from, until time.Time) bool {
	pages := 0
	for _, r := range reads {
		pages += r.Pages
		name := fetchedName(r)
		switch r.Status {
		case capture.OK:
			fmt.Fprintf(stderr, "mamori fetch: %s: %s\n", name, plural.Count(r.Pages, "page", "pages"))
		default:
			fmt.Fprintf(stderr, "mamori fetch: %s: %s (%s): %s\n", name, r.Status, plural.Count(r.Pages, "page", "pages"), fetchWhy(r))
		}
	}
	if pages == 0 {
		fmt.Fprintln(stderr, "mamori fetch: nothing was read")
		return false
	}
	fmt.Fprintf(stdout, "%s of logs from %s to %s UTC in %s; hunt them with:\n  mamori hunt %s\n", plural.Count(pages, "page", "pages"),
		from.Format("2006-01-02 15:04"), until.Format("2006-01-02 15:04"), report.Terminal(dir), report.Terminal(dir))
	return true
}

// fetchedNames are the logs fetch reads, for people.
var fetchedNames = map[string]string{
	azure.LogActivity:                       "Activity Log",
	azure.LogTenantActivity:                 "the tenant's Activity Log",
	azure.LogSignIns:                        "Entra ID sign-ins of users",
	azure.LogSignInsServicePrincipal:        "Entra ID sign-ins of service principals",
	azure.LogSignInsManagedIdentity:         "Entra ID sign-ins of managed identities",
	azure.LogSignInsNonInteractive:          "Entra ID non-interactive sign-ins of users",
	azure.LogAudits:                         "Entra ID directory audits",
	azure.LogRiskDetections:                 "Entra ID Protection risk detections of users",
	azure.LogRiskDetectionsServicePrincipal: "Entra ID Protection risk detections of service principals",
}

// fetchedName is a log fetch read, for people.
func fetchedName(r azure.LogRead) string {
	if table, ok := strings.CutPrefix(r.Log, azure.LogWorkspace); ok {
		return "table " + table + " of workspace " + r.Subscription
	}
	name := fetchedNames[r.Log]
	if r.Subscription != "" {
		name += " of subscription " + r.Subscription
	}
	return name
}

// fetchWhy says why a log was not read whole, and what a refused one
// needs, escaped for a terminal.
func fetchWhy(r azure.LogRead) string { return report.Terminal(fetchWhyRaw(r)) }

// fetchWhyRaw is fetchWhy's text as Azure said it, for the store.
func fetchWhyRaw(r azure.LogRead) string {
	why := r.Error
	if r.Permission != "" {
		why += "; it needs " + r.Permission
	}
	return why
}

// guid is the shape of a subscription's or a tenant's id.
var guid = regexp.MustCompile(`^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$`)
