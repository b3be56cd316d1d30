package source

import (
	"maps"
	"slices"
	"testing"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/samples"
)

// TestEverySharedSampleIsRead reads every real sample in ../shared/data
// through the whole container layer, as `mamori hunt` does: each must be
// recognised with the right shapes and read without a skipped record.
func TestEverySharedSampleIsRead(t *testing.T) {
	t.Parallel()
	cases := []struct {
		file      string
		container string
		shapes    []string
		ignored   bool // a real log of tables mamori does not read
	}{
		{"samples/azure-rest-api-specs/monitor_GetActivityLogsFiltered.json", "json-document", []string{"activity.rest"}, false},
		{"samples/azure-sentinel-training-lab/AzureActivity_azureActivity_adele_first2rows.csv", "csv", []string{"activity.loganalytics"}, false},
		{"samples/azure-sentinel-training-lab/SigninLogs_sign-in_adelete_first2rows.csv", "csv", []string{"signin.loganalytics"}, false},
		{"samples/elastic-integrations/azure_activitylogs_raw.ndjson", "json-lines", []string{"activity.diagnostic"}, false},
		{"samples/elastic-integrations/azure_auditlogs_raw.ndjson", "json-lines", []string{"audit.diagnostic"}, false},
		{"samples/elastic-integrations/azure_firewall_AZFWDnsQuery_structured.ndjson", "json-lines", []string{"firewall.dns"}, false},
		{"samples/elastic-integrations/azure_firewall_AZFWNetworkRule_structured.ndjson", "json-lines", []string{"firewall.network"}, false},
		{"samples/elastic-integrations/azure_firewall_legacy_AzureFirewallNetworkRule_msg.ndjson", "json-lines", []string{"firewall.network"}, false},
		{"samples/elastic-integrations/azure_signinlogs_raw_lines1and3.ndjson", "json-lines", []string{"signin.diagnostic"}, false},
		{"samples/elastic-integrations/m365_defender_streaming_DeviceProcessEvents.ndjson", "json-lines", []string{"process.mde.streaming"}, false},
		{"samples/grapl-sysmon-linux/linux_sysmon_eid1_event_with_control_char.xml", "sysmon", []string{"process.sysmon"}, false},
		{"samples/grapl-sysmon-linux/linux_sysmon_eid1_process_creation.xml", "sysmon", []string{"process.sysmon"}, false},
		{"samples/learn-docs/activitylog_eventhub_storage_records.json", "json-document", []string{"activity.diagnostic"}, false},
		{"samples/learn-docs/activitylog_rest_administrative_event.json", "json-document", []string{"activity.rest"}, false},
		{"samples/microsoft-graph-docs/graph_signIns_list_example1_fixed.json", "json-document", []string{"signin.graph"}, false},
		{"samples/msticpy/AzureNetworkAnalytics_CL_az_net_flows.csv", "csv", []string{"flow.trafficanalytics"}, false},
		{"samples/msticpy/auditd_log.txt", "auditd", []string{"process.auditd"}, false},
		{"samples/otrf-security-datasets/GoldenSAMLADFSMailAccess_AADAuditEvents.json", "json-lines", []string{"audit.loganalytics"}, false},
		{"samples/otrf-security-datasets/GoldenSAMLADFSMailAccess_Microsoft365DefenderEvents.json", "json-lines", nil, true},
		{"samples/otrf-security-datasets/auditd_sh_arp_cache_2020-11-10074812.log", "auditd", []string{"process.auditd"}, false},
		{"samples/otrf-security-datasets/auditd_sh_binary_padding_dd_2020-11-10081941.log", "auditd", []string{"process.auditd"}, false},
		{"samples/sumologic-azure-function/activity_log_fixtures.json", "json-document", []string{"activity.diagnostic"}, false},
		{"samples/sumologic-azure-function/blob_fixtures_networkinterfaceflowlogs.json", "json-lines", []string{"flow.vnet"}, false},
		{"samples/sumologic-azure-function/blob_fixtures_subnetflowlogs.json", "json-lines", []string{"flow.vnet"}, false},
		{"samples/sumologic-azure-function/blob_fixtures_vnetflowlogs.json", "json-lines", []string{"flow.vnet"}, false},
		{"samples/sumologic-azure-function/nsg_flowlog_v2_blob_fixtures.json", "json-lines", []string{"flow.nsg.v2"}, false},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			t.Parallel()
			p := samples.File(t, c.file)
			in, err := Expand([]string{p}, nil)
			if err != nil {
				t.Fatal(err)
			}
			r, st := read(t, in, DefaultLimits())
			s := st[0]
			if s.Container != c.container {
				t.Errorf("container = %q, want %q", s.Container, c.container)
			}
			if s.Skipped != 0 {
				t.Errorf("skipped %d: %v", s.Skipped, s.Errors)
			}
			if got := s.ShapeNames(); !slices.Equal(got, c.shapes) {
				t.Errorf("shapes = %v, want %v", got, c.shapes)
			}
			if c.ignored {
				if len(s.Ignored) == 0 || s.Records == 0 {
					t.Errorf("records %d ignored %v: want every record counted as another table", s.Records, s.Ignored)
				}
				return
			}
			if len(r.events) == 0 || len(s.Ignored) != 0 {
				t.Errorf("events %d, ignored %v", len(r.events), slices.Collect(maps.Keys(s.Ignored)))
			}
			for _, ev := range r.events {
				if ev.Time.IsZero() || ev.Loc.File != p {
					t.Errorf("event without time or location: %+v", ev.Loc)
					break
				}
			}
			checkKindOfShape(t, r.events)
		})
	}
}

// TestKindOfShapeOfTheExample checks event.KindOfShape on every event of
// the example tenant (every family of log, most shapes) and of an Azure
// Databricks clusters log, which the example does not hold, without
// ../shared: serve counts a cycle's logs by it from files' shapes.
func TestKindOfShapeOfTheExample(t *testing.T) {
	in, err := Expand([]string{"../../examples/attacked-tenant", "databricks/testdata/insights-logs-clusters-PT1H.json"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := read(t, in, DefaultLimits())
	kinds := map[event.Kind]bool{}
	for _, ev := range r.events {
		kinds[ev.Kind] = true
	}
	if len(kinds) != event.KindCount-1 {
		t.Errorf("the example gives kinds %v: want every kind, to check them all", slices.Collect(maps.Keys(kinds)))
	}
	checkKindOfShape(t, r.events)
}

func checkKindOfShape(t *testing.T, events []event.Event) {
	t.Helper()
	for _, ev := range events {
		if k := event.KindOfShape(ev.Shape); k != ev.Kind {
			t.Errorf("KindOfShape(%q) = %v, but its events are %v", ev.Shape, k, ev.Kind)
			return
		}
	}
}

// TestInvalidUpstreamSampleIsReported reads the Graph example that is
// invalid JSON upstream (a trailing comma): the error must say where.
func TestInvalidUpstreamSampleIsReported(t *testing.T) {
	t.Parallel()
	p := samples.File(t, "samples/microsoft-graph-docs/graph_signIns_list_example1_verbatim.txt")
	in, _ := Expand([]string{p}, nil)
	r, st := read(t, in, DefaultLimits())
	if st[0].Skipped == 0 || len(r.errs) == 0 || r.errs[0].Line == 0 {
		t.Errorf("skipped %d, errors %v: want the bad record reported with its line", st[0].Skipped, r.errs)
	}
}
