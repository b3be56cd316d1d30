package entra

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// TestSignInsReadBriefly checks every sign-in fixture, and variants of each
// without the members a brief read falls back from (the status object, the
// address, the risk), in every shape: asked and wanted, a sign-in is read
// as with nothing asked; the glance holds what the full event does (its
// outcome, address and risk); not wanted, its brief event is the full
// event's time, shape, tenant, status and outcome.
func TestSignInsReadBriefly(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "signin_*.json"))
	if err != nil || len(files) < 10 {
		t.Fatalf("sign-in fixtures: %v, %v", files, err)
	}
	hints := map[string]record.Hint{
		"signin_la_csv_risky.json":          csvSignIns,
		"signin_la_cli_noninteractive.json": {Format: "json", Table: "PrimaryResult"},
	}
	shapes := map[string]bool{}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		h, ok := hints[filepath.Base(file)]
		if !ok {
			h = jsonHint
		}
		for name, rec := range signInVariants(t, data) {
			where := filepath.Base(file) + " " + name
			decode := func(wants event.Wants) event.Event {
				v, err := fastjson.ParseBytes(rec)
				if err != nil {
					t.Fatalf("%s: %v", where, err)
				}
				shape, ok := Detect(v, h)
				if !ok {
					t.Fatalf("%s: not claimed", where)
				}
				sc := record.Scratch{Wants: wants}
				evs, err := Decode(&sc, v, shape, nil)
				if err != nil || len(evs) != 1 {
					t.Fatalf("%s: %d events, %v", where, len(evs), err)
				}
				evs[0].Raw = nil
				return evs[0]
			}
			full := decode(nil)
			shapes[full.Shape] = true
			var seen []event.Glance
			all := decode(func(g *event.Glance) bool { seen = append(seen, *g); return true })
			if !reflect.DeepEqual(all, full) {
				t.Errorf("%s: wanted, yet read differently:\n%+v\nwant %+v", where, all, full)
			}
			g := event.Glance{Kind: full.Kind, Operation: full.Operation, Outcome: full.Outcome, SourceIP: full.SourceIP,
				RiskLevel: full.SignIn.RiskLevel, RiskState: full.SignIn.RiskState}
			if len(seen) != 1 || !reflect.DeepEqual(seen[0], g) {
				t.Errorf("%s: glances %+v, want %+v", where, seen, g)
			}
			brief := decode(func(*event.Glance) bool { return false })
			want := event.Event{Time: full.Time, Kind: full.Kind, Shape: full.Shape, Brief: true, Tenant: full.Tenant,
				Operation: full.Operation, Status: full.Status, Outcome: full.Outcome}
			if !reflect.DeepEqual(brief, want) {
				t.Errorf("%s: brief event %+v, want %+v", where, brief, want)
			}
		}
	}
	for _, s := range []string{shapeSignInGraph, shapeSignInDiag, shapeSignInLA} {
		if !shapes[s] {
			t.Errorf("no fixture of shape %s", s)
		}
	}
}

// signInVariants is a fixture as it is and without each member a brief
// read looks for first, at the top and in properties, one at a time.
func signInVariants(t *testing.T, data []byte) map[string][]byte {
	out := map[string][]byte{"as is": data}
	for _, key := range []string{"status", "ipAddress", "riskLevelDuringSignIn", "riskState", "resourceTenantId", "tenantId"} {
		for _, k := range []string{key, strings.ToUpper(key[:1]) + key[1:]} {
			v, err := fastjson.ParseBytes(data)
			if err != nil {
				t.Fatal(err)
			}
			o := v.GetObject()
			had := o.Get(k) != nil
			o.Del(k)
			if p := o.Get("properties"); p != nil && p.Type() == fastjson.TypeObject {
				had = had || p.Get(k) != nil
				p.GetObject().Del(k)
			}
			if had {
				out["without "+k] = v.MarshalTo(nil)
			}
		}
	}
	return out
}
