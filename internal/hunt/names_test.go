package hunt

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mamori-sec/mamori"
	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/rules"
	"github.com/mamori-sec/mamori/internal/simulate"
)

// TestServicePrincipalsAreNamed hunts a tenant attacked through a service
// principal (the ML, Batch and container fan-out), its sign-ins as Log
// Analytics exports them and as diagnostic settings deliver them: the
// Activity Log names the principal by object id only, its sign-ins (read
// briefly, but for the first of each) by name too. The alerts of its
// writes carry that name, and the incident's title says it.
func TestServicePrincipalsAreNamed(t *testing.T) {
	t.Parallel()
	for _, shape := range []string{simulate.ShapeLogAnalytics, simulate.ShapeRecords} {
		t.Run(shape, func(t *testing.T) {
			t.Parallel()
			sim := t.TempDir()
			truth, err := simulate.Write(sim, simulate.Options{Seed: 3, Days: 30, Scenarios: []string{"ml-batch-aci-fanout"}, SignInShape: shape})
			if err != nil {
				t.Fatal(err)
			}
			names := signInNames(t, sim)
			// The catalogue's compute rules alone: no rule wants a sign-in,
			// so the names come from the first of each read in full.
			set := computeRules(t)
			_, enr := catalogue(t)
			res, err := Run(context.Background(), expand(t, sim), Config{Rules: set, Enricher: enr, Workers: 2,
				Baseline: time.Duration(truth.BaselineDays) * 24 * time.Hour})
			if err != nil {
				t.Fatal(err)
			}
			named := 0
			for _, a := range res.Alerts {
				want := names[strings.ToLower(a.Principal)]
				if a.PrincipalName != want {
					t.Errorf("alert %s by %s: named %q, want %q", a.Rule, a.Principal, a.PrincipalName, want)
				}
				if want != "" {
					named++
				}
			}
			if named == 0 {
				t.Fatalf("no alert by a service principal the sign-ins name (%d named in the sign-ins): the test proves nothing", len(names))
			}
			titled := false
			for _, in := range res.Incidents {
				for _, n := range names {
					titled = titled || strings.Contains(in.Title, " by "+n+" (")
				}
			}
			if !titled {
				t.Error("no incident title names a service principal by its name")
			}
		})
	}
}

// computeRules loads the catalogue's compute rules only.
func computeRules(t *testing.T) *rules.Set {
	t.Helper()
	dir := t.TempDir()
	files, err := fs.Glob(mamori.Rules, "rules/azure/compute/*.yml")
	if err != nil || len(files) == 0 {
		t.Fatalf("compute rules: %v, %v", files, err)
	}
	for _, f := range files {
		b, err := fs.ReadFile(mamori.Rules, f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	set, err := rules.Load(rules.Options{Dirs: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// signInNames reads the service principals' names from a simulated
// tenant's sign-ins (a day's Log Analytics rows, or diagnostic settings'
// records a line), by object id.
func signInNames(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.Contains(strings.ToLower(p), "signin") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var rows []map[string]any
		if json.Unmarshal(b, &rows) != nil { // a diagnostic blob: one record a line
			for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
				var r map[string]any
				if json.Unmarshal([]byte(l), &r) == nil {
					if p, ok := r["properties"].(map[string]any); ok {
						rows = append(rows, p)
					}
				}
			}
		}
		for _, r := range rows {
			id, _ := r["ServicePrincipalId"].(string)
			name, _ := r["ServicePrincipalName"].(string)
			if id == "" {
				id, _ = r["servicePrincipalId"].(string)
				name, _ = r["servicePrincipalName"].(string)
			}
			if id != "" && name != "" {
				out[strings.ToLower(id)] = name
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSPNamesDecodeTheFirstSignInOfEach(t *testing.T) {
	t.Parallel()
	n := newSPNames()
	g := func(id string) *event.Glance { return &event.Glance{Kind: event.KindSignIn, ServicePrincipal: id} }
	if n.want(g("")) {
		t.Error("a sign-in without a service principal was wanted")
	}
	if !n.want(g("6F0B56C8-aaaa")) || n.want(g(" 6f0b56c8-AAAA ")) {
		t.Error("want: the first sign-in of an id, and only the first (in any case)")
	}
	n.learn(&event.Event{Principal: event.Principal{ID: "6f0b56c8-aaaa", Name: "pipeline", Type: "ServicePrincipal"}})
	n.learn(&event.Event{Principal: event.Principal{ID: "6f0b56c8-AAAA", Name: "renamed", Type: "ServicePrincipal"}})
	n.learn(&event.Event{Principal: event.Principal{ID: "u1", Name: "A User", Type: "User"}})
	as := []alert.Alert{{Principal: "6F0B56C8-AAAA"}, {Principal: "u1"}, {Principal: "someone@contoso.example"}}
	n.name(as)
	if as[0].PrincipalName != "pipeline" || as[1].PrincipalName != "" || as[2].PrincipalName != "" {
		t.Errorf("names %q %q %q: want the service principal's first name only", as[0].PrincipalName, as[1].PrincipalName, as[2].PrincipalName)
	}
}
