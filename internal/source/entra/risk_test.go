package entra

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// adaRisk is the offline anomalous-token detection every form of the
// fixtures holds: its time is the sign-in's, hours before it was found.
func adaRisk(shape, tenantID string) event.Event {
	return event.Event{
		Time: at("2026-03-17T03:02:46.31Z"), Kind: event.KindRisk, Shape: shape, Tenant: tenantID,
		ID:        "5f3c9a0e7b214d8c96a1e0f4b2c7d8e95f3c9a0e7b214d8c96a1e0f4b2c7d8e9",
		Operation: "user risk detection", Category: "UserRiskEvents", Status: "atRisk",
		CorrelationID: "d4e5f6a7-1111-4b2c-9d3e-4f5a6b7c8d9e",
		Principal:     event.Principal{ID: adaID, UPN: adaUPN, Name: "Ada Lovelace", Type: "User"},
		SourceIP:      ip("20.42.65.90"),
		Risk: &event.Risk{
			EventType: "anomalousToken", Level: "high", State: "atRisk", Detail: "none", Timing: "offline",
			Activity: "signin", Source: "IdentityProtection", RequestID: "c2d3e4f5-0000-4a1b-8c2d-3e4f5a6b7c8d",
			Country: "US", UserAgent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36",
			Detected: at("2026-03-17T05:40:58.122Z"), Updated: at("2026-03-17T05:41:09.48Z"),
		},
	}
}

// graphElements decodes each element of a Graph list page.
func graphElements(t *testing.T, file string) []event.Event {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	var p fastjson.Parser
	v, err := p.ParseBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	var out []event.Event
	for _, el := range v.GetArray("value") {
		shape, ok := Detect(el, jsonHint)
		if !ok {
			t.Fatalf("%s: an element is not detected", file)
		}
		var sc record.Scratch
		if out, err = Decode(&sc, el, shape, out); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
	}
	for i := range out {
		out[i].Raw = nil
	}
	return out
}

// The same detection as the diagnostic setting, Log Analytics and Graph
// give it is one event: the risky sign-in's time, the user, the address.
func TestRiskDetectionInEveryForm(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file string
		hint record.Hint
		want event.Event
	}{
		{"risk_diag_user.json", jsonHint, adaRisk("risk.diagnostic", tenant)},
		{"risk_la_user.json", jsonHint, adaRisk("risk.loganalytics", "")}, // TenantId is the workspace
		{"risk_la_user.json", record.Hint{Format: "csv", Table: "AADUserRiskEvents"}, adaRisk("risk.loganalytics", "")},
	} {
		b, err := os.ReadFile(filepath.Join("testdata", tc.file))
		if err != nil {
			t.Fatal(err)
		}
		shape, ok, evs, err := decodeOne(t, b, tc.hint)
		if !ok || err != nil || len(evs) != 1 {
			t.Fatalf("%s: shape %q ok %v, %d events, %v", tc.file, shape, ok, len(evs), err)
		}
		if !reflect.DeepEqual(evs[0], tc.want) {
			t.Errorf("%s:\n got %+v %+v\nwant %+v %+v", tc.file, evs[0], evs[0].Risk, tc.want, tc.want.Risk)
		}
	}
	evs := graphElements(t, "risk_graph_page.json")
	if len(evs) != 2 {
		t.Fatalf("%d events from the Graph page, want 2", len(evs))
	}
	if want := adaRisk("risk.graph", ""); !reflect.DeepEqual(evs[0], want) {
		t.Errorf("Graph:\n got %+v %+v\nwant %+v %+v", evs[0], evs[0].Risk, want, want.Risk)
	}
	// A detection about the user, not a sign-in: no address, no request;
	// its time is when the credentials were found.
	leaked := evs[1]
	if leaked.Risk.EventType != "leakedCredentials" || leaked.Risk.Activity != "user" || leaked.SourceIP.IsValid() ||
		leaked.Risk.RequestID != "" || leaked.CorrelationID != "" || !leaked.Time.Equal(at("2026-03-10T00:00:00Z")) ||
		leaked.Risk.State != "remediated" || leaked.Risk.Detail != "userPerformedSecuredPasswordChange" || leaked.Principal.UPN != adaUPN {
		t.Errorf("leaked credentials: %+v %+v", leaked, leaked.Risk)
	}
}

// A service principal's detection names the service principal, its
// application and its own operation; the envelope's locale time is not
// the event's.
func TestServicePrincipalRiskDetection(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("testdata", "risk_diag_sp.json"))
	if err != nil {
		t.Fatal(err)
	}
	_, ok, evs, err := decodeOne(t, b, jsonHint)
	if !ok || err != nil || len(evs) != 1 {
		t.Fatalf("ok %v, %d events, %v", ok, len(evs), err)
	}
	e := evs[0]
	want := event.Principal{ID: spID, Name: "aml-training-pipeline", AppID: spAppID, Type: "ServicePrincipal"}
	if e.Principal != want || e.Operation != "service principal risk detection" || e.Category != "ServicePrincipalRiskEvents" ||
		e.Risk.EventType != "suspiciousSignins" || e.Risk.Activity != "servicePrincipal" || !e.Time.Equal(at("2026-03-18T20:11:00Z")) ||
		e.Tenant != tenant || e.SourceIP != ip("20.42.65.91") {
		t.Errorf("%+v %+v", e, e.Risk)
	}
}

// A record whose object holds no time takes the envelope's, written in
// the US locale form a live capture showed; one with a time that does not
// read is an error, not an event at the year 1.
func TestRiskDetectionTimes(t *testing.T) {
	t.Parallel()
	env := `{"time":"7/18/2026 2:03:03 PM","category":"UserRiskEvents","operationName":"User Risk Detection","tenantId":"` + tenant +
		`","properties":{"id":"x","riskEventType":"maliciousIPAddress","riskState":"atRisk","riskLevel":"high","userId":"` + adaID + `"%s}}`
	_, ok, evs, err := decodeOne(t, []byte(fmt.Sprintf(env, "")), jsonHint)
	if !ok || err != nil || len(evs) != 1 || !evs[0].Time.Equal(at("2026-07-18T14:03:03Z")) {
		t.Errorf("envelope time: ok %v %v %+v", ok, err, evs)
	}
	// A time that does not read is passed over, as record.FirstTime does:
	// the envelope's stands; a Graph object, which has none, is an error.
	_, ok, evs, err = decodeOne(t, []byte(fmt.Sprintf(env, `,"detectedDateTime":"yesterday"`)), jsonHint)
	if !ok || err != nil || len(evs) != 1 || !evs[0].Time.Equal(at("2026-07-18T14:03:03Z")) {
		t.Errorf("a detection time that does not read, in an envelope: ok %v, err %v, %+v", ok, err, evs)
	}
	for _, g := range []string{
		`{"riskEventType":"anomalousToken","detectedDateTime":"yesterday","userId":"u"}`,
		`{"riskEventType":"","detectedDateTime":""}`, // FuzzRead's find: no time at all
	} {
		_, ok, evs, err = decodeOne(t, []byte(g), jsonHint)
		if !ok || !errors.Is(err, record.ErrNoTime) || len(evs) != 0 {
			t.Errorf("%s: ok %v, err %v, %d events", g, ok, err, len(evs))
		}
	}
	// Another table, or a sign-in, is not a detection.
	for _, s := range []string{
		`{"Type":"AADRiskyUsers","TimeGenerated":"2026-03-17T05:41:09Z","RiskState":"atRisk","Id":"x"}`,
		`{"time":"2026-03-17T05:41:09Z","category":"RiskyUsers","properties":{"riskState":"atRisk","riskLevel":"high"}}`,
	} {
		if shape, ok, _, _ := decodeOne(t, []byte(s), jsonHint); ok && shape[:4] == "risk" {
			t.Errorf("%s read as %s", s, shape)
		}
	}
}
