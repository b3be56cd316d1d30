package securityalert

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

var jsonHint = record.Hint{Format: "json"}

func fixture(t testing.TB, name string) *fastjson.Value {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	v, err := fastjson.ParseBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func decode(t *testing.T, v *fastjson.Value, h record.Hint) event.Event {
	t.Helper()
	shape, ok := Detect(v, h)
	if !ok {
		t.Fatalf("not claimed: %s", v)
	}
	evs, err := Decode(&record.Scratch{}, v, shape, nil)
	if err != nil || len(evs) != 1 {
		t.Fatalf("Decode: %v, %d events", err, len(evs))
	}
	return evs[0]
}

// The REST API's own example (azure-rest-api-specs): an alert on vm1
// named by its resource identifier, and one whose entities name the host.
func TestDecodeARM(t *testing.T) {
	t.Parallel()
	vals := fixture(t, "rest_GetAlertsSubscription_example.json").GetArray("responses", "200", "body", "value")
	if len(vals) != 2 {
		t.Fatalf("%d alerts in the example", len(vals))
	}
	e := decode(t, vals[0], jsonHint)
	if e.Shape != ShapeARM || e.Kind != event.KindAlert || !e.Time.Equal(time.Date(2020, 2, 22, 0, 0, 0, 0, time.UTC)) ||
		e.ID != "2518298467986649999_4d25bfef-2d77-4a08-adc0-3e35715cc92a" || e.Operation != "vm_eicar" ||
		e.ResourceID != "/subscriptions/20ff7fc3-e762-44dd-bd96-b71116dcdc23/resourcegroups/myrg1/providers/microsoft.compute/virtualmachines/vm1" ||
		e.Subscription != "20ff7fc3-e762-44dd-bd96-b71116dcdc23" || e.Region != "westeurope" || e.Status != "Active" ||
		e.SourceIP != netip.MustParseAddr("192.0.2.1") {
		t.Errorf("first alert: %+v", e)
	}
	want := event.SecurityAlert{Type: "VM_EICAR", Name: "Azure Security Center test alert (not a threat)", Severity: "High", Status: "Active",
		Product: "Azure Security Center", Component: "testName", Entity: "vm1", Intent: "Execution", Addresses: []string{"192.0.2.1"}}
	if !equalAlert(*e.Alert, want) {
		t.Errorf("first alert's facts:\n%+v\nwant\n%+v", *e.Alert, want)
	}
	e = decode(t, vals[1], jsonHint)
	if e.Alert.Type != "VM_SuspiciousScreenSaver" || !slices.Equal(e.Alert.Hosts, []string{"vm2"}) || e.Alert.Entity != "vm2" ||
		!e.Principal.Empty() || e.Time.Year() != 2019 {
		t.Errorf("second alert: %+v, %+v (a local account is no principal)", e, *e.Alert)
	}
}

// az security alert list prints each alert with its properties beside
// its id (the SDK flattens them): the same alert.
func TestDecodeCLIFlattened(t *testing.T) {
	t.Parallel()
	v := fixture(t, "rest_GetAlertsSubscription_example.json").GetArray("responses", "200", "body", "value")[1]
	nested := decode(t, v, jsonHint)
	flat := fastjson.MustParse(`{}`)
	v.GetObject().Visit(func(k []byte, x *fastjson.Value) {
		if string(k) != "properties" {
			flat.Set(string(k), x)
		}
	})
	v.Get("properties").GetObject().Visit(func(k []byte, x *fastjson.Value) { flat.Set(string(k), x) })
	got := decode(t, flat, jsonHint)
	if got.Shape != ShapeARM || got.ID != nested.ID || !got.Time.Equal(nested.Time) || got.ResourceID != nested.ResourceID ||
		got.Region != nested.Region || !equalAlert(*got.Alert, *nested.Alert) {
		t.Errorf("flattened:\n%+v %+v\nnested:\n%+v %+v", got, *got.Alert, nested, *nested.Alert)
	}
}

func equalAlert(a, b event.SecurityAlert) bool {
	return a.Type == b.Type && a.Name == b.Name && a.Severity == b.Severity && a.Status == b.Status && a.Product == b.Product &&
		a.Component == b.Component && a.Entity == b.Entity && a.Intent == b.Intent && slices.Equal(a.Hosts, b.Hosts) && slices.Equal(a.Addresses, b.Addresses)
}

// A SecurityAlert row: the activity's start is the time, its entities (a
// JSON array in a string) name the host and address, the resource is the
// scale set's instance.
func TestDecodeLogAnalytics(t *testing.T) {
	t.Parallel()
	rows := fixture(t, "la_securityalert.json").GetArray()
	e := decode(t, rows[0], jsonHint)
	want := event.SecurityAlert{Type: "VM_MinerInContainerImage", Name: "Container with a miner image detected", Severity: "High", Status: "New",
		Product: "Microsoft Defender for Cloud", Component: "Servers", Entity: "train-0-vmss000003", Intent: "Execution",
		Hosts: []string{"train-0-vmss000003"}, Addresses: []string{"203.0.113.41"}}
	// No tenant: the row's TenantId is its workspace's id; the hunt
	// places the alert by its subscription.
	if e.Shape != ShapeLA || !e.Time.Equal(time.Date(2026, 3, 14, 3, 3, 40, 0, time.UTC)) || e.Tenant != "" ||
		e.Subscription != "7d9e1f20-3b4a-4c6d-9e8f-a1b2c3d4e5f6" || e.ID != "2517188795880000000_6a1d2f0c-7a55-4f0b-9d8e-3c1b2a4e5f60" ||
		e.ResourceID != "/subscriptions/7d9e1f20-3b4a-4c6d-9e8f-a1b2c3d4e5f6/resourcegroups/gpu-southcentralus/providers/microsoft.compute/virtualmachinescalesets/train-0/virtualmachines/3" ||
		!equalAlert(*e.Alert, want) {
		t.Errorf("row: %+v\n%+v\nwant %+v", e, *e.Alert, want)
	}
	if e := decode(t, rows[1], jsonHint); e.Alert.Type != "VM_SshBruteForceFailed" || e.Alert.Status != "Resolved" ||
		!slices.Equal(e.Alert.Hosts, []string{"jump-01"}) {
		t.Errorf("second row: %+v", *e.Alert)
	}
}

// An Entra account entity is the principal (Defender for Resource
// Manager names the caller so).
func TestAccountEntityIsThePrincipal(t *testing.T) {
	t.Parallel()
	v := fastjson.MustParse(`{"Type":"SecurityAlert","TimeGenerated":"2026-03-14T02:00:00Z","AlertType":"ARM_Example",
		"Entities":"[{\"Type\":\"account\",\"Name\":\"maria\",\"UPNSuffix\":\"contoso.example\",\"AadUserId\":\"C0FFEE00-1234-4ABC-8DEF-0123456789AB\"}]"}`)
	e := decode(t, v, jsonHint)
	if e.Principal.ID != "c0ffee00-1234-4abc-8def-0123456789ab" || e.Principal.Name != "maria" {
		t.Errorf("principal %+v", e.Principal)
	}
}

func TestDetect(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, rec string
		hint      record.Hint
		shape     string
	}{
		{"ARM alert", `{"id":"/x","type":"Microsoft.Security/Locations/alerts","properties":{}}`, jsonHint, ShapeARM},
		{"ARM alert, type in another case", `{"type":"microsoft.security/locations/alerts","properties":{}}`, jsonHint, ShapeARM},
		{"ARM alert as the Azure CLI prints it", `{"type":"Microsoft.Security/Locations/alerts","alertType":"VM_EICAR"}`, jsonHint, ShapeARM},
		{"ARM alert with neither", `{"type":"Microsoft.Security/Locations/alerts","id":"/x"}`, jsonHint, ""},
		{"another ARM resource", `{"type":"Microsoft.Security/assessments","properties":{}}`, jsonHint, ""},
		{"row of the table", `{"Type":"SecurityAlert","AlertType":"x"}`, jsonHint, ShapeLA},
		{"CSV row, table named by the export", `{"AlertType":"x"}`, record.Hint{Format: "csv", Table: "SecurityAlert"}, ShapeLA},
		{"row without a table, its columns", `{"SystemAlertId":"1","AlertType":"x","AlertName":"y"}`, jsonHint, ShapeLA},
		{"row of another table", `{"Type":"SecurityIncident","AlertType":"x","SystemAlertId":"1","AlertName":"y"}`, jsonHint, ""},
		{"sign-in row", `{"Type":"SigninLogs","TimeGenerated":"2026-01-01T00:00:00Z"}`, jsonHint, ""},
		{"array", `[1]`, jsonHint, ""},
	} {
		shape, ok := Detect(fastjson.MustParse(c.rec), c.hint)
		if ok != (c.shape != "") || shape != c.shape {
			t.Errorf("%s: %q, %v; want %q", c.name, shape, ok, c.shape)
		}
	}
}

// A row that names no alert type or no time is an error, not an event.
func TestBadAlerts(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		rec  string
		want string
	}{
		{`{"Type":"SecurityAlert","TimeGenerated":"2026-03-14T02:00:00Z"}`, "without an alert type"},
		{`{"Type":"SecurityAlert","AlertType":"x"}`, "no event time"},
		{`{"Type":"SecurityAlert","AlertType":"x","StartTime":"yesterday"}`, `bad alert time "yesterday"`},
		{`{"type":"Microsoft.Security/Locations/alerts","properties":"x"}`, "without properties"},
	} {
		v := fastjson.MustParse(c.rec)
		shape, _ := Detect(v, jsonHint)
		evs, err := Decode(&record.Scratch{}, v, shape, nil)
		if err == nil || len(evs) != 0 || !containsErr(err, c.want) {
			t.Errorf("%s: %d events, %v; want an error saying %q", c.rec, len(evs), err, c.want)
		}
	}
}

func containsErr(err error, s string) bool {
	return errors.Is(err, record.ErrNoTime) && s == "no event time" || strings.Contains(err.Error(), s)
}

// TestOwnAlertID: a SecurityAlert row names the alert as Resource Manager
// and the Activity Log do, Defender's "<ticks>_<id>", in VendorOriginalId
// today and in SystemAlertId in older rows; that form is taken from
// either, so that the row and the alert's other exports are one.
func TestOwnAlertID(t *testing.T) {
	for _, tc := range []struct{ vendor, system, want string }{
		{"2517316535074302320_afc8089e", "0e9d8c7b-6a5f-4e3d-9c2b-1a0f9e8d7c6b", "2517316535074302320_afc8089e"},
		{"b6329e79-0a94-4035-beee-c2e2657b71e3", "2518642332435550951_b6329e79", "2518642332435550951_b6329e79"},
		{"vendor-1", "system-1", "vendor-1"}, // another product's row
		{"", "system-1", "system-1"},
		{"_x", "12ab_x", "_x"}, // not the form: the vendor's as written
		{"", "", ""},
	} {
		if got := ownAlertID(tc.vendor, tc.system); got != tc.want {
			t.Errorf("ownAlertID(%q, %q) = %q, want %q", tc.vendor, tc.system, got, tc.want)
		}
	}
}
