package azure

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/mamori-sec/mamori/internal/posture/capture"
)

// A tenant that sends its logs to a Log Analytics workspace (Sentinel's,
// or its diagnostic settings' destination) keeps them there for as long
// as the workspace retains them: often a year, where the Activity Log
// API keeps 90 days and Graph's sign-ins 30. A responder whose attack
// began before those reaches it there. FetchLogs reads each table the
// hunt reads through the workspace's query API, a slice of time a
// query, and keeps each answer as the API gave it ({"tables": [{columns,
// rows}]}), which the hunt reads as it reads `az monitor log-analytics
// query`'s.

// LogWorkspace prefixes a workspace table's log: "workspace/SigninLogs";
// the workspace's id stands where a subscription's would (its folder).
const LogWorkspace = "workspace/"

// DefaultLogAnalyticsEndpoint is the public cloud's query API.
const DefaultLogAnalyticsEndpoint = "https://api.loganalytics.io"

// workspaceTables are the tables the hunt reads, each with what narrows
// it to the rows its readers take (a table shared with other sources).
var workspaceTables = []struct {
	table, where   string
	nonInteractive bool // read only with LogsOptions.NonInteractive
}{
	{table: "AzureActivity"},
	{table: "SigninLogs"},
	{table: "AADServicePrincipalSignInLogs"},
	{table: "AADManagedIdentitySignInLogs"},
	{table: "AADNonInteractiveUserSignInLogs", nonInteractive: true},
	{table: "AuditLogs"},
	// ID Protection's risk detections (the diagnostic setting's
	// UserRiskEvents and ServicePrincipalRiskEvents): nothing else goes
	// to these tables, so nothing narrows them.
	{table: "AADUserRiskEvents"},
	{table: "AADServicePrincipalRiskEvents"},
	{table: "SecurityAlert"},
	{table: "AZFWDnsQuery"},
	{table: "AZFWNetworkRule"},
	{table: "NTANetAnalytics", where: `SubType == "FlowLog"`},
	{table: "AzureNetworkAnalytics_CL", where: `SubType_s == "FlowLog"`},
	{table: "DeviceProcessEvents"},
	{table: "SecurityEvent", where: "EventID == 4688"},
	{table: "Event", where: `Source == "Microsoft-Windows-Sysmon" and EventID == 1`},
	{table: "WindowsEvent", where: `Provider == "Microsoft-Windows-Sysmon" and EventID == 1`},
	{table: "Syslog", where: `ProcessName =~ "sysmon"`},
	{table: "DatabricksClusters"},
	{table: "AzureDiagnostics", where: `ResourceProvider == "MICROSOFT.BATCH"`},
}

// workspaceSlice is the span of time one query reads at first; a slice
// whose answer the API cut short (500,000 rows or 64 MB) is read again
// as two halves, down to minSlice.
const (
	workspaceSlice = 24 * time.Hour
	minSlice       = time.Minute
)

// workspacePermission is what reading a workspace's tables needs.
const workspacePermission = "Log Analytics Reader on the workspace (Microsoft.OperationalInsights/workspaces/query/read)"

// readTable reads one table of workspace ws whose rows' TimeGenerated
// fall in [since, until), a slice at a time, oldest first, handing each
// answer to keep as a page.
func (c *collector) readTable(ctx context.Context, lr *LogRead, table, where string, since, until time.Time, keep func(log, sub string, page int, body []byte) error) {
	lr.Status = capture.OK
	var partial []string
	var read func(from, to time.Time) bool // false: stop the table
	read = func(from, to time.Time) bool {
		body, failed := c.query(ctx, lr, table, where, from, to)
		if failed {
			return false
		}
		if cut := cutShort(body); cut != "" {
			if half := to.Sub(from) / 2; half >= minSlice {
				return read(from, from.Add(half)) && read(from.Add(half), to)
			}
			partial = append(partial, from.Format(time.RFC3339)+": "+cut)
		}
		if err := keep(lr.Log, lr.Subscription, lr.Pages+1, body); err != nil {
			lr.Status, lr.Error = partialOr(lr.Pages, capture.Failed), err.Error()
			return false
		}
		lr.Pages++
		return true
	}
	for from := since; from.Before(until) && ctx.Err() == nil; from = from.Add(workspaceSlice) {
		to := from.Add(workspaceSlice)
		if to.After(until) {
			to = until
		}
		if !read(from, to) {
			return
		}
	}
	switch {
	case ctx.Err() != nil:
		lr.Status, lr.Error = partialOr(lr.Pages, capture.Failed), ctx.Err().Error()
	case len(partial) > 0:
		lr.Status, lr.Error = capture.Partial, "the query API cut these answers short, a minute of rows at a time: "+strings.Join(partial, "; ")
	}
}

// query asks the workspace for one slice of a table; failed reports the
// table cannot be read (lr says why).
func (c *collector) query(ctx context.Context, lr *LogRead, table, where string, from, to time.Time) (body []byte, failed bool) {
	kql := fmt.Sprintf("%s | where TimeGenerated >= datetime(%s) and TimeGenerated < datetime(%s)", table,
		from.UTC().Format(time.RFC3339Nano), to.UTC().Format(time.RFC3339Nano))
	if where != "" {
		kql += " | where " + where
	}
	u := c.laBase + "/v1/workspaces/" + url.PathEscape(lr.Subscription) + "/query?" + url.Values{
		"query":    {kql},
		"timespan": {from.UTC().Format(time.RFC3339) + "/" + to.UTC().Add(time.Second).Format(time.RFC3339)},
	}.Encode()
	r := &reading{}
	r.reset()
	unknown := false // the answer says the query named what the workspace has not
	req, err := runtime.NewRequest(withReading(ctx, r), http.MethodGet, u)
	if err == nil {
		req.Raw().Header.Set("Accept", "application/json")
		var resp *http.Response
		if resp, err = c.la.Do(req); err == nil && !runtime.HasStatusCode(resp, http.StatusOK) {
			if body, perr := runtime.Payload(resp); perr == nil && resp.StatusCode == http.StatusBadRequest {
				unknown = unresolved(body)
			}
			err = runtime.NewResponseError(resp)
		}
	}
	if err == nil && len(r.pages) == 1 {
		return r.pages[0], false
	}
	if err == nil {
		err = fmt.Errorf("no answer to keep")
	}
	if unknown {
		// The table is not in this workspace (nothing sends it there), or
		// a column its narrowing names is not: nothing to read.
		lr.Status, lr.Error = capture.Absent, "the workspace has no table "+table+" (nothing sends it there)"
		return nil, true
	}
	ds := &capture.Dataset{}
	c.classify(ds, LogWorkspace, r, err)
	lr.Status, lr.Error = ds.Status, ds.Error
	if ds.Status == capture.Partial || ds.Status == capture.Failed {
		lr.Status = partialOr(lr.Pages, capture.Failed)
	}
	if ds.Status == capture.Denied {
		lr.Permission = workspacePermission
	}
	return nil, true
}

// unresolved reports whether a 400's body says the query named a table
// or column the workspace does not have: the API says so in its inner
// errors (SemanticError, "'X' could not be resolved").
func unresolved(body []byte) bool {
	m := strings.ToLower(string(body))
	return strings.Contains(m, "semanticerror") || strings.Contains(m, "could not be resolved") || strings.Contains(m, "failed to resolve")
}

// cutShort is the error the query API writes beside the rows of an answer
// it cut short (PartialError), "" for a whole answer.
func cutShort(body []byte) string {
	var a struct {
		Error *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &a) != nil || a.Error == nil {
		return ""
	}
	return clip(strings.TrimSpace(a.Error.Code+" "+a.Error.Message), 300)
}
