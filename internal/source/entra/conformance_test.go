package entra

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
	"github.com/mamori-sec/mamori/internal/samples"
)

// sampleRecord is one record of a shared sample, as the container layer
// would hand it over.
type sampleRecord struct {
	data []byte
	hint record.Hint
}

// jsonLines splits a JSON-lines sample.
func jsonLines(t *testing.T, rel string) []sampleRecord {
	t.Helper()
	data, err := os.ReadFile(samples.File(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	var recs []sampleRecord
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		if l := bytes.TrimSpace(sc.Bytes()); len(l) > 0 {
			recs = append(recs, sampleRecord{bytes.Clone(l), jsonHint})
		}
	}
	return recs
}

// graphValue unwraps the value array of a Graph list response.
func graphValue(t *testing.T, rel string) []sampleRecord {
	t.Helper()
	data, err := os.ReadFile(samples.File(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	var p fastjson.Parser
	v, err := p.ParseBytes(data)
	if err != nil {
		t.Fatal(err)
	}
	var recs []sampleRecord
	for _, x := range v.GetArray("value") {
		recs = append(recs, sampleRecord{x.MarshalTo(nil), jsonHint})
	}
	return recs
}

// csvRows turns a Log Analytics CSV export into objects of strings the way
// the container layer does: " [UTC]" label suffixes dropped, empty cells
// absent, the Type column as the table hint.
func csvRows(t *testing.T, rel string) []sampleRecord {
	t.Helper()
	f, err := os.Open(samples.File(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil || len(rows) < 2 {
		t.Fatalf("csv: %v (%d rows)", err, len(rows))
	}
	header := rows[0]
	for i, h := range header {
		if j := strings.Index(h, " ["); j > 0 && strings.HasSuffix(h, "]") {
			header[i] = h[:j]
		}
	}
	var recs []sampleRecord
	for _, row := range rows[1:] {
		var a fastjson.Arena
		o := a.NewObject()
		h := record.Hint{Format: "csv"}
		for i, cell := range row {
			if cell == "" {
				continue
			}
			o.Set(header[i], a.NewString(cell))
			if header[i] == "Type" {
				h.Table = cell
			}
		}
		recs = append(recs, sampleRecord{o.MarshalTo(nil), h})
	}
	return recs
}

func TestConformanceSamples(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		load  func(*testing.T, string) []sampleRecord
		file  string
		shape string
		check func(t *testing.T, evs []event.Event)
	}{
		{
			name: "Graph signIn list example", load: graphValue,
			file: "samples/microsoft-graph-docs/graph_signIns_list_example1_fixed.json", shape: "signin.graph",
			check: func(t *testing.T, evs []event.Event) {
				e := evs[0]
				want(t, "time", e.Time, at("2020-03-13T19:15:41.6195833Z"))
				want(t, "id", e.ID, "66ea54eb-6301-4ee5-be62-ff5a759b0100")
				want(t, "upn", e.Principal.UPN, "testaccount1@contoso.com")
				want(t, "principal type", e.Principal.Type, "User")
				want(t, "ip", e.SourceIP, ip("131.107.159.37"))
				want(t, "category", e.Category, "SignInLogs")
				want(t, "outcome", e.Outcome, event.OutcomeSucceeded)
				want(t, "country", e.SignIn.Country, "US")
				want(t, "resource", e.SignIn.Resource, "Microsoft Graph")
			},
		},
		{
			name: "Elastic diagnostic sign-ins", load: jsonLines,
			file: "samples/elastic-integrations/azure_signinlogs_raw_lines1and3.ndjson", shape: "signin.diagnostic",
			check: func(t *testing.T, evs []event.Event) {
				want(t, "events", len(evs), 2)
				e := evs[0]
				want(t, "time", e.Time, at("2019-10-18T09:45:48.0729893Z"))
				want(t, "tenant", e.Tenant, "8a4de8b5-095c-47d0-a96f-a75130c61d53")
				want(t, "status", e.Status, "50140")
				want(t, "outcome", e.Outcome, event.OutcomeFailed)
				want(t, "ip", e.SourceIP, ip("81.2.69.144"))
				want(t, "upn", e.Principal.UPN, "test@elastic.co")
				want(t, "category", e.Category, "SignInLogs")
				sp := evs[1]
				want(t, "sp category", sp.Category, "ServicePrincipalSignInLogs")
				want(t, "sp type", sp.Principal.Type, "ServicePrincipal")
				want(t, "sp app", sp.Principal.AppID, "8a4de8b5-095c-47d0-a96f-a75130c61d53")
				want(t, "sp correlation", sp.CorrelationID, "a8d4eb85-90c5-740d-9af6-7a15036cd135")
			},
		},
		{
			name: "Sentinel training lab SigninLogs CSV", load: csvRows,
			file: "samples/azure-sentinel-training-lab/SigninLogs_sign-in_adelete_first2rows.csv", shape: "signin.loganalytics",
			check: func(t *testing.T, evs []event.Event) {
				want(t, "events", len(evs), 2)
				e := evs[0]
				want(t, "time", e.Time, at("2021-04-28T14:08:45.221Z"))
				want(t, "tenant", e.Tenant, "2ad3fc79-1859-42fa-9011-6f8df2251b22")
				want(t, "upn", e.Principal.UPN, "adelev@m365x816222.onmicrosoft.com")
				want(t, "ip", e.SourceIP, ip("175.45.176.99"))
				want(t, "resource", e.SignIn.Resource, "Windows Azure Service Management API")
				want(t, "auth", e.SignIn.AuthRequirement, "singleFactorAuthentication")
				want(t, "country", e.SignIn.Country, "IL")
				want(t, "interactive", e.SignIn.Interactive, true)
				want(t, "outcome", e.Outcome, event.OutcomeSucceeded)
				want(t, "second app", evs[1].SignIn.AppName, "O365 Suite UX")
			},
		},
		{
			name: "Elastic diagnostic audit records", load: jsonLines,
			file: "samples/elastic-integrations/azure_auditlogs_raw.ndjson", shape: "audit.diagnostic",
			check: func(t *testing.T, evs []event.Event) {
				want(t, "events", len(evs), 3)
				for _, e := range evs {
					want(t, "operation", e.Operation, "update device")
					want(t, "category", e.Category, "Device")
					want(t, "target", e.Audit.Targets[0].Name, "LAPTOP-12")
					want(t, "time", e.Time, at("2019-10-18T15:30:51.0273716Z"))
				}
				want(t, "app initiator", evs[0].Principal.Type, "ServicePrincipal")
				want(t, "app name", evs[0].Principal.Name, "Device Registration Service")
				want(t, "user initiator", evs[1].Principal.UPN, "UserName")
				want(t, "null display name", evs[2].Principal.Name, "")
				want(t, "unspecified ip", evs[1].SourceIP.IsValid(), false)
			},
		},
		{
			name: "OTRF Golden SAML AuditLogs export", load: jsonLines,
			file: "samples/otrf-security-datasets/GoldenSAMLADFSMailAccess_AADAuditEvents.json", shape: "audit.loganalytics",
			check: func(t *testing.T, evs []event.Event) {
				want(t, "events", len(evs), 4)
				e := evs[0]
				want(t, "time", e.Time, at("2021-08-02T13:29:25.983Z"))
				want(t, "operation", e.Operation, "update application – certificates and secrets management")
				// Written with a trailing space; fields.md says trimmed.
				want(t, "activity", e.Audit.Activity, "Update application – Certificates and secrets management")
				want(t, "upn", e.Principal.UPN, "pgustavo@simulandlabs.com")
				want(t, "category", e.Category, "ApplicationManagement")
				want(t, "target", e.Audit.Targets[0], event.Target{ID: "11b49e19-2326-4be6-93cb-7f37439bbd81", Name: "SimuLandApp", Type: "Application"})
				want(t, "grant", evs[3].Operation, "add delegated permission grant")
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			recs := tc.load(t, tc.file)
			if len(recs) == 0 {
				t.Fatal("no records in sample")
			}
			var evs []event.Event
			var sc record.Scratch
			var p fastjson.Parser
			for i, r := range recs {
				v, err := p.ParseBytes(r.data)
				if err != nil {
					t.Fatalf("record %d: parse: %v", i, err)
				}
				shape, ok := Detect(v, r.hint)
				if !ok || shape != tc.shape {
					t.Fatalf("record %d: Detect = %q, %v; want %q", i, shape, ok, tc.shape)
				}
				n := len(evs)
				evs, err = Decode(&sc, v, shape, evs)
				if err != nil || len(evs) != n+1 {
					t.Fatalf("record %d: %d events, %v", i, len(evs)-n, err)
				}
				evs[n].Raw = nil
				sc.Reset()
			}
			tc.check(t, evs)
		})
	}
}

// want reports a field that differs from what the sample says.
func want[T comparable](t *testing.T, what string, got, exp T) {
	t.Helper()
	if g, ok := any(got).(time.Time); ok {
		if !g.Equal(any(exp).(time.Time)) {
			t.Errorf("%s = %v, want %v", what, got, exp)
		}
		return
	}
	if got != exp {
		t.Errorf("%s = %v, want %v", what, got, exp)
	}
}

// envelope reads a document sample: the records of a {"records":[…]}
// envelope, the value of a REST list (also inside an API example's
// response), or the document itself.
func envelope(t *testing.T, rel string) []sampleRecord {
	t.Helper()
	data, err := os.ReadFile(samples.File(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	var p fastjson.Parser
	v, err := p.ParseBytes(data)
	if err != nil {
		t.Fatal(err)
	}
	list := v.GetArray("records")
	if list == nil {
		list = v.GetArray("value")
	}
	if list == nil {
		list = v.GetArray("responses", "200", "body", "value")
	}
	if list == nil {
		list = []*fastjson.Value{v}
	}
	var recs []sampleRecord
	for _, x := range list {
		recs = append(recs, sampleRecord{x.MarshalTo(nil), jsonHint})
	}
	return recs
}

func TestConformanceOtherFamiliesNotClaimed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		load func(*testing.T, string) []sampleRecord
		file string
	}{
		{jsonLines, "samples/elastic-integrations/azure_activitylogs_raw.ndjson"},
		{jsonLines, "samples/elastic-integrations/azure_firewall_AZFWDnsQuery_structured.ndjson"},
		{jsonLines, "samples/elastic-integrations/azure_firewall_AZFWNetworkRule_structured.ndjson"},
		{jsonLines, "samples/elastic-integrations/azure_firewall_legacy_AzureFirewallNetworkRule_msg.ndjson"},
		{jsonLines, "samples/elastic-integrations/m365_defender_streaming_DeviceProcessEvents.ndjson"},
		{jsonLines, "samples/otrf-security-datasets/GoldenSAMLADFSMailAccess_Microsoft365DefenderEvents.json"},
		{envelope, "samples/learn-docs/activitylog_eventhub_storage_records.json"},
		{envelope, "samples/learn-docs/activitylog_rest_administrative_event.json"},
		{envelope, "samples/azure-rest-api-specs/monitor_GetActivityLogsFiltered.json"},
		{envelope, "samples/sumologic-azure-function/activity_log_fixtures.json"},
		{envelope, "samples/sumologic-azure-function/nsg_flowlog_v2_blob_fixtures.json"},
		{envelope, "samples/sumologic-azure-function/blob_fixtures_vnetflowlogs.json"},
		{csvRows, "samples/azure-sentinel-training-lab/AzureActivity_azureActivity_adele_first2rows.csv"},
		{csvRows, "samples/msticpy/AzureNetworkAnalytics_CL_az_net_flows.csv"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			var p fastjson.Parser
			for i, r := range tc.load(t, tc.file) {
				v, err := p.ParseBytes(r.data)
				if err != nil {
					t.Fatalf("record %d: parse: %v", i, err)
				}
				if shape, ok := Detect(v, r.hint); ok {
					t.Errorf("record %d claimed as %q", i, shape)
				}
			}
		})
	}
}
