package entra

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/record"
)

// TestSignInsReadBriefly checks every sign-in fixture, and variants of each
// without the members a brief read falls back from (the status object, the
// address, the risk, the tenant), in every shape, as FuzzDecode checks its
// inputs (briefLikeFull): asked and wanted, a sign-in is read as with
// nothing asked, after a glance holding what the full event does; not
// wanted, its brief event is the full event's.
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
			v, err := fastjson.ParseBytes(rec)
			if err != nil {
				t.Fatalf("%s %s: %v", file, name, err)
			}
			shape, ok := Detect(v, h)
			if !ok {
				t.Fatalf("%s %s: not claimed", file, name)
			}
			var sc record.Scratch
			evs, err := Decode(&sc, v, shape, nil)
			if err != nil || len(evs) != 1 {
				t.Fatalf("%s %s: %d events, %v", file, name, len(evs), err)
			}
			shapes[shape] = true
			t.Run(filepath.Base(file)+" "+name, func(t *testing.T) { briefLikeFull(t, v, shape, evs[0]) })
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
