package activitylog

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"io"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
	"github.com/mamori-sec/mamori/internal/samples"
)

// decodeAll detects and decodes every record, requiring the given shape
// and no error; the container layer's unwrapping is done by the caller.
func decodeAll(t *testing.T, recs []*fastjson.Value, h record.Hint, shape string) []event.Event {
	t.Helper()
	var sc record.Scratch
	var out []event.Event
	for i, v := range recs {
		got, ok := Detect(v, h)
		if !ok || got != shape {
			t.Fatalf("record %d: detected %q, %v; want %q", i, got, ok, shape)
		}
		n := len(out)
		var err error
		if out, err = Decode(&sc, v, shape, out); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if len(out) != n+1 {
			t.Fatalf("record %d: %d events", i, len(out)-n)
		}
		e := out[n]
		if e.Time.IsZero() || e.Kind != event.KindActivity || e.Shape != shape || e.Operation == "" {
			t.Fatalf("record %d: incomplete event %+v", i, e)
		}
		out[n].Raw = nil // v is reused below; the event must not hold it
	}
	return out
}

// parseFile parses a whole JSON sample and returns the values at path.
func parseFile(t *testing.T, p *fastjson.Parser, rel string, path ...string) []*fastjson.Value {
	t.Helper()
	data, err := os.ReadFile(samples.File(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	v, err := p.ParseBytes(data)
	if err != nil {
		t.Fatal(err)
	}
	x := v.Get(path...)
	if x == nil {
		t.Fatalf("%s: nothing at %v", rel, path)
	}
	if x.Type() == fastjson.TypeArray {
		return x.GetArray()
	}
	return []*fastjson.Value{x}
}

// check compares one field of a sample's event.
func check[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func TestConformanceLearnDocs(t *testing.T) {
	t.Parallel()
	var p fastjson.Parser
	evs := decodeAll(t, parseFile(t, &p, "samples/learn-docs/activitylog_eventhub_storage_records.json", "records"), jsonHint, shapeDiag)
	e := evs[0]
	check(t, "time", e.Time.Format("2006-01-02T15:04:05.9999999Z"), "2019-01-21T22:14:26.9792776Z")
	check(t, "operation", e.Operation, "microsoft.support/supporttickets/write")
	check(t, "category", e.Category, "Administrative")
	check(t, "outcome", e.Outcome, event.OutcomeSucceeded)
	check(t, "sub status", e.SubStatus, "Succeeded.Created")
	check(t, "subscription", e.Subscription, "s1")
	check(t, "tenant", e.Tenant, "ffffffff-eeee-dddd-cccc-bbbbbbbbbbb0")
	check(t, "upn", e.Principal.UPN, "admin@contoso.com")
	check(t, "principal id", e.Principal.ID, "123abc45-8211-44e3-95xq-85137af64708")
	// The evidence names another principal's assignment (a service
	// principal's): it says nothing of her type.
	check(t, "principal type", e.Principal.Type, "User")
	check(t, "source ip", e.SourceIP, netip.MustParseAddr("111.111.111.11"))
	check(t, "resource type", e.ResourceType, "microsoft.support/supporttickets")
	if e.Quota != nil {
		t.Errorf("a support ticket without quota details has quota %+v", *e.Quota)
	}

	var p2 fastjson.Parser
	evs = decodeAll(t, parseFile(t, &p2, "samples/learn-docs/activitylog_rest_administrative_event.json"), jsonHint, shapeREST)
	e = evs[0]
	check(t, "time", e.Time.Format("2006-01-02T15:04:05.9999999Z"), "2018-01-29T20:42:31.3810679Z")
	check(t, "operation", e.Operation, "microsoft.network/networksecuritygroups/write")
	check(t, "id", e.ID, "aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e")
	check(t, "caller", e.Principal.UPN, "rob@contoso.com")
	check(t, "principal id", e.Principal.ID, "f409edeb-4d29-44b5-9763-ee9348ad91bb")
	check(t, "source ip from the ipaddr claim", e.SourceIP, netip.MustParseAddr("111.111.1.111"))
	check(t, "resource type", e.ResourceType, "microsoft.network/networksecuritygroups")
	check(t, "tenant", e.Tenant, "aaaabbbb-0000-cccc-1111-dddd2222eeee")
}

func TestConformanceRESTSpec(t *testing.T) {
	t.Parallel()
	var p fastjson.Parser
	recs := parseFile(t, &p, "samples/azure-rest-api-specs/monitor_GetActivityLogsFiltered.json", "responses", "200", "body", "value")
	e := decodeAll(t, recs, jsonHint, shapeREST)[0]
	check(t, "time", e.Time.Format("2006-01-02T15:04:05.9999999Z"), "2015-01-21T22:14:26.9792776Z")
	check(t, "operation", e.Operation, "microsoft.support/supporttickets/write")
	check(t, "status", e.Status, "Succeeded")
	check(t, "sub status", e.SubStatus, "Created")
	check(t, "caller", e.Principal.UPN, "admin@contoso.com")
	check(t, "source ip", e.SourceIP, netip.MustParseAddr("192.168.35.115"))
	check(t, "id", e.ID, "44ade6b4-3813-45e6-ae27-7420a95fa2f8")
	check(t, "subscription", e.Subscription, "089bd33f-d4ec-47fe-8ba5-0753aa5c5b33")
	check(t, "tenant", e.Tenant, "1e8d8218-c5e7-4578-9acc-9abbd5d23315")
}

func TestConformanceSumoLogic(t *testing.T) {
	t.Parallel()
	var p fastjson.Parser
	recs := parseFile(t, &p, "samples/sumologic-azure-function/activity_log_fixtures.json", "records")
	e := decodeAll(t, recs, jsonHint, shapeDiag)[0]
	check(t, "operation", e.Operation, "microsoft.web/sites/config/write")
	check(t, "outcome", e.Outcome, event.OutcomeStarted)
	check(t, "region", e.Region, "westus")
	check(t, "subscription", e.Subscription, "c088dc46-d692-42ad-a4b6-9a542d28ad2a")
	check(t, "resource type", e.ResourceType, "microsoft.web/sites/config")
	// The redacted evidence (princixyzId) is ignored; the claims name her.
	check(t, "upn", e.Principal.UPN, "abc@itsumologic.onmicrosoft.com")
	check(t, "principal id", e.Principal.ID, "95fdefa0-a7b8-47a3-b969-046862c9a979")
	check(t, "source ip", e.SourceIP, netip.MustParseAddr("111.93.54.106"))
}

func TestConformanceElastic(t *testing.T) {
	t.Parallel()
	f, err := os.Open(samples.File(t, "samples/elastic-integrations/azure_activitylogs_raw.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var recs []*fastjson.Value
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := bytes.TrimSpace(s.Bytes())
		if len(line) == 0 {
			continue
		}
		v, err := fastjson.ParseBytes(line)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, v)
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	evs := decodeAll(t, recs, jsonHint, shapeDiag)
	if len(evs) != 3 {
		t.Fatalf("%d events, want 3", len(evs))
	}
	e := evs[0]
	check(t, "operation", e.Operation, "microsoft.eventhub/namespaces/authorizationrules/listkeys/action")
	check(t, "category", e.Category, "Administrative")
	check(t, "principal type from evidence", e.Principal.Type, "ServicePrincipal")
	check(t, "source ip", e.SourceIP, netip.MustParseAddr("81.2.69.144"))
	check(t, "subscription", e.Subscription, "8a4de8b5-095c-47d0-a96f-a75130c61d53")
	check(t, "category", evs[1].Category, "ResourceHealth")
	check(t, "outcome of an Updated health event", evs[1].Outcome, event.OutcomeUnknown)
	// Lines 2 and 3 differ only in carrying the bodies as a string or as an
	// object: they must decode to the same event.
	if d := diff(evs[1], evs[2]); len(d) != 0 {
		t.Errorf("string and object bodies decode differently: %v", d)
	}
}

func TestConformanceSentinelCSV(t *testing.T) {
	t.Parallel()
	f, err := os.Open(samples.File(t, "samples/azure-sentinel-training-lab/AzureActivity_azureActivity_adele_first2rows.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, hints := csvRows(t, f)
	var evs []event.Event
	for i, v := range rows {
		evs = append(evs, decodeAll(t, []*fastjson.Value{v}, hints[i], shapeLA)...)
	}
	if len(evs) != 2 {
		t.Fatalf("%d events, want 2", len(evs))
	}
	e := evs[0]
	check(t, "time", e.Time.Format("2006-01-02T15:04:05.999Z"), "2021-04-28T14:32:14.029Z")
	check(t, "operation", e.Operation, "microsoft.web/sites/delete")
	check(t, "outcome", e.Outcome, event.OutcomeSucceeded)
	check(t, "caller", e.Principal.UPN, "AdeleV@M365x816222.OnMicrosoft.com")
	check(t, "source ip", e.SourceIP, netip.MustParseAddr("37.142.150.162"))
	check(t, "id", e.ID, "6f5ca24c-de95-451a-b91e-7a7ab209c28b")
	// TenantId holds the workspace (7c759f10-…): the tenant is the claims'.
	check(t, "tenant", e.Tenant, "2ad3fc79-1859-42fa-9011-6f8df2251b22")
	check(t, "subscription", e.Subscription, "8f153238-e602-427e-a7c0-3043fbe50918")
	check(t, "resource type", e.ResourceType, "microsoft.web/sites")
	check(t, "second row operation", evs[1].Operation, "microsoft.securityinsights/alertrules/write")
	check(t, "second row resource type", evs[1].ResourceType, "microsoft.securityinsights/alertrules")
}

// csvRows turns a Log Analytics CSV export into objects of strings as the
// container layer does: column labels lose their " [UTC]" suffix, empty
// cells are absent, the $table column becomes the hint.
func csvRows(t *testing.T, r io.Reader) ([]*fastjson.Value, []record.Hint) {
	t.Helper()
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range header {
		if j := strings.Index(h, " ["); j > 0 {
			header[i] = h[:j]
		}
	}
	var rows []*fastjson.Value
	var hints []record.Hint
	for {
		row, err := cr.Read()
		if err == io.EOF {
			return rows, hints
		}
		if err != nil {
			t.Fatal(err)
		}
		var a fastjson.Arena
		o := a.NewObject()
		h := record.Hint{Format: "csv"}
		for i, cell := range row {
			if cell == "" {
				continue
			}
			o.Set(header[i], a.NewString(cell))
			if header[i] == "$table" {
				h.Table = cell
			}
		}
		// Re-parse so the row owns its memory, as the container layer's is.
		v, err := fastjson.ParseBytes(o.MarshalTo(nil))
		if err != nil {
			t.Fatal(err)
		}
		rows, hints = append(rows, v), append(hints, h)
	}
}
