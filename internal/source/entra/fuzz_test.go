package entra

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// allShapes is every shape Decode accepts: the fuzz target decodes each
// input with all of them, so that every path sees every input, not only
// the inputs Detect would route to it.
var allShapes = []string{shapeSignInGraph, shapeSignInDiag, shapeSignInLA, shapeAuditGraph, shapeAuditDiag, shapeAuditLA,
	shapeRiskGraph, shapeRiskDiag, shapeRiskLA}

func FuzzDecode(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		`{"time":"2024-01-01T00:00:00Z","category":"SignInLogs","properties":{"status":{"errorCode":1e400},"ipAddress":"[fe80::1%eth0]:443"}}`,
		`{"TimeGenerated":"1700000000000","Type":"SigninLogs","Status":"{\"errorCode\":\"-9223372036854775809\"}","RiskEventTypes_V2":"[null,1,{}]"}`,
		`{"activityDateTime":"2024-01-01T00:00:00Z","category":"RoleManagement","activityDisplayName":"\u0000\xff","targetResources":[null,{"type":"User","modifiedProperties":[{"displayName":"Role.DisplayName","newValue":"\""}]}],"initiatedBy":"{\"user\":"}`,
		`{"createdDateTime":null,"status":null,"signInEventTypes":"[\"managedIdentity\"]","location":"{\"countryOrRegion\":[]}"}`,
	} {
		f.Add([]byte(s))
	}
	hints := []record.Hint{{Format: "json"}, {Format: "csv", Table: "SigninLogs"}, {Format: "csv", Table: "AuditLogs"}}
	f.Fuzz(func(t *testing.T, data []byte) {
		var p fastjson.Parser
		v, err := p.ParseBytes(data)
		if err != nil {
			return
		}
		var sc record.Scratch
		for _, h := range hints {
			Detect(v, h)
		}
		for _, shape := range allShapes {
			evs, err := Decode(&sc, v, shape, nil)
			sc.Reset()
			if len(evs) > 1 {
				t.Fatalf("%s: %d events from one record", shape, len(evs))
			}
			if err != nil {
				if len(evs) != 0 {
					t.Fatalf("%s: error %v with an event", shape, err)
				}
				continue
			}
			e := evs[0]
			if e.Time.IsZero() || e.Shape != shape || (e.Kind != event.KindSignIn && e.Kind != event.KindAudit && e.Kind != event.KindRisk) {
				t.Fatalf("%s: bad event time %v shape %q kind %v", shape, e.Time, e.Shape, e.Kind)
			}
			if (e.Kind == event.KindSignIn) != (e.SignIn != nil) || (e.Kind == event.KindAudit) != (e.Audit != nil) || (e.Kind == event.KindRisk) != (e.Risk != nil) {
				t.Fatalf("%s: kind %v without its extra", shape, e.Kind)
			}
			if e.Kind == event.KindSignIn {
				briefLikeFull(t, v, shape, e)
			}
		}
	})
}

// briefLikeFull checks a sign-in read with a hunt asked whether it wants
// it against full, the sign-in read with nothing asked: wanted, the same
// event, after one glance holding what full does; not wanted, the brief
// event of full.
func briefLikeFull(t *testing.T, v *fastjson.Value, shape string, full event.Event) {
	t.Helper()
	full.Raw = nil
	var seen []event.Glance
	sc := record.Scratch{Wants: func(g *event.Glance) bool { seen = append(seen, *g); return true }}
	evs, err := Decode(&sc, v, shape, nil)
	if err != nil || len(evs) != 1 {
		t.Fatalf("%s: wanted: %d events, %v", shape, len(evs), err)
	}
	evs[0].Raw = nil
	if !reflect.DeepEqual(evs[0], full) {
		t.Fatalf("%s: wanted, yet read differently:\n%+v\nwant %+v", shape, evs[0], full)
	}
	g := event.Glance{Kind: full.Kind, Operation: full.Operation, Outcome: full.Outcome, SourceIP: full.SourceIP,
		RiskLevel: full.SignIn.RiskLevel, RiskState: full.SignIn.RiskState, ServicePrincipal: servicePrincipalOf(v, shape)}
	if len(seen) != 1 || !reflect.DeepEqual(seen[0], g) {
		t.Fatalf("%s: glances %+v, want %+v", shape, seen, g)
	}
	sc = record.Scratch{Wants: func(*event.Glance) bool { return false }}
	if evs, err = Decode(&sc, v, shape, nil); err != nil || len(evs) != 1 {
		t.Fatalf("%s: not wanted: %d events, %v", shape, len(evs), err)
	}
	// Its key too: a sign-in read briefly from one export and in full
	// from another is one sign-in read twice.
	want := event.Event{Time: full.Time, Kind: full.Kind, Shape: full.Shape, Brief: true, Tenant: full.Tenant,
		Operation: full.Operation, Status: full.Status, Outcome: full.Outcome, Key: event.RecordKey(&full, new([]byte))}
	if !reflect.DeepEqual(evs[0], want) {
		t.Fatalf("%s: brief event %+v, want %+v", shape, evs[0], want)
	}
}

// servicePrincipalOf is the record's servicePrincipalId where the decoder
// of its shape finds the Graph fields (properties, for a diagnostic
// record), whatever the sign-in's category: what its glance holds.
func servicePrincipalOf(v *fastjson.Value, shape string) string {
	var sc record.Scratch
	switch shape {
	case shapeSignInLA:
		return sc.Str(v, laSignIn.spID)
	case shapeSignInDiag:
		if p := sc.Get(v, "properties"); p != nil && p.Type() == fastjson.TypeObject {
			return sc.Str(p, graphSignIn.spID)
		}
	}
	return sc.Str(v, graphSignIn.spID)
}
