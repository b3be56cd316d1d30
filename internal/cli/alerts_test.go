package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/mamori-sec/mamori/internal/simulate"
)

// `mamori alerts` measures each incident of a store of several tenants
// against its own tenant's logs, as a hunt over the same folders does:
// tenant b exported its sign-ins only from the day after its attack began
// and tenant c none at all, while tenant a's go back to the first day.
// Measured against the whole store (a's sign-ins among them), b's and c's
// attacks would seem covered; the lines that say otherwise are the hunt's,
// word for word.
func TestAlertsMeasureEachTenantAgainstItsOwnLogs(t *testing.T) {
	t.Parallel()
	logs := t.TempDir()
	tenant := map[string]string{}
	for name, seed := range map[string]uint64{"a": 51, "b": 60, "c": 53} {
		dir := filepath.Join(logs, name)
		truth, err := simulate.Write(dir, simulate.Options{Seed: seed, Days: 7, Scenarios: []string{"gpu-scaleset-chain"}})
		if err != nil {
			t.Fatal(err)
		}
		tenant[name] = truth.Tenant
		// A served folder holds logs only: truth.json would give a hunt
		// the tenant's own addresses, which serve is not given.
		if err := os.Remove(filepath.Join(dir, "truth.json")); err != nil {
			t.Fatal(err)
		}
		files, err := filepath.Glob(filepath.Join(dir, "signins", "*.json"))
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: no sign-in files (%v)", name, err)
		}
		for _, f := range files {
			day := strings.TrimSuffix(f[strings.LastIndexByte(f, '_')+1:], ".json")
			var cut bool
			switch name {
			case "b": // up to the day its first scenario began
				cut = day <= truth.Attacks[0].Start.Format("2006-01-02")
			case "c":
				cut = true
			}
			if cut {
				if err := os.Remove(f); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	db, data := filepath.Join(t.TempDir(), "mamori.db"), t.TempDir()
	if code, _, errs := run(t, "", "serve", "--once", "--store", db, "--data-dir", data, logs); code != ExitOK {
		t.Fatalf("serve: exit %d: %s", code, errs)
	}
	warnings := func(table string) []string {
		var out []string
		for _, l := range strings.Split(table, "\n") {
			if strings.HasPrefix(l, "  ! ") {
				out = append(out, l)
			}
		}
		return out
	}
	_, htable, _ := run(t, "", "hunt", "--data-dir", data, logs)
	code, atable, errs := run(t, "", "alerts", "--store", db, "--data-dir", data)
	if code != ExitOK {
		t.Fatalf("alerts: exit %d: %s", code, errs)
	}
	h, a := warnings(htable), warnings(atable)
	if !slices.Equal(h, a) {
		t.Errorf("alerts' warnings:\n%s\nthe hunt's:\n%s", strings.Join(a, "\n"), strings.Join(h, "\n"))
	}
	// Both kinds are there, and tenant a, whose sign-ins cover its
	// incidents, is not named.
	var begun, missing bool
	for _, l := range a {
		begun = begun || strings.Contains(l, "sign-in logs of tenant "+tenant["b"]+" begin ")
		missing = missing || strings.Contains(l, "sign-in logs of tenant "+tenant["c"]+": none in the input")
		if strings.Contains(l, tenant["a"]) {
			t.Errorf("tenant a named: %s", l)
		}
	}
	if !begun || !missing {
		t.Errorf("alerts' warnings (b's sign-ins begun after its incident %v, c's missing %v):\n%s", begun, missing, strings.Join(a, "\n"))
	}
}

// mamori alerts --tenant: one customer's report of a store serving many:
// its alerts and incidents alone, and its own part of each log, as a
// store serving it alone has it; a tenant the store does not follow is
// refused.
func TestAlertsOfOneTenant(t *testing.T) {
	t.Parallel()
	dirs, tenants := attackedTenants(t, "3", "4")
	both, alone := filepath.Join(t.TempDir(), "both.db"), filepath.Join(t.TempDir(), "alone.db")
	for db, ds := range map[string][]string{both: dirs, alone: dirs[:1]} {
		if code, _, errs := run(t, "", append([]string{"serve", "--once", "--store", db, "--data-dir", t.TempDir()}, ds...)...); code != ExitOK {
			t.Fatalf("serve: exit %d: %s", code, errs)
		}
	}
	_, out, _ := run(t, "", "alerts", "--store", both, "--format", "jsonl")
	all, want := jsonl(t, out), 0
	for _, a := range all {
		if a.Tenant == tenants[0] {
			want++
		}
	}
	code, out, errs := run(t, "", "alerts", "--store", both, "--format", "jsonl", "--tenant", strings.ToUpper(tenants[0]))
	got := jsonl(t, out)
	if code != ExitOK || want == 0 || want == len(all) || len(got) != want {
		t.Fatalf("--tenant: exit %d (%s), %d alerts of %d; want the tenant's %d", code, errs, len(got), len(all), want)
	}
	for _, a := range got {
		if a.Tenant != tenants[0] {
			t.Errorf("alert %s of tenant %s listed", a.ID, a.Tenant)
		}
	}
	// The table: the tenant's incidents, and its logs as the store that
	// served it alone read them (their spans; the times they arrived
	// differ).
	_, table, _ := run(t, "", "alerts", "--store", both, "--tenant", tenants[0])
	_, own, _ := run(t, "", "alerts", "--store", alone)
	if !strings.Contains(table, "LOGS OF TENANT "+tenants[0]+" IN THE STORE (UTC)") || strings.Contains(table, "NOT JUDGED") {
		t.Errorf("--tenant table:\n%s", table)
	}
	span := regexp.MustCompile(`(?m)^  (\S+).*?\d+ (?:records?|events?)  (\S+ \S+ → \S+ \S+)  arrived`)
	spans := func(s string) (out []string) {
		for _, m := range span.FindAllStringSubmatch(s, -1) {
			out = append(out, m[1]+" "+m[2])
		}
		return out
	}
	if g, w := spans(table), spans(own); len(w) == 0 || !slices.Equal(g, w) {
		t.Errorf("the tenant's logs %q, served alone %q", g, w)
	}
	incs := func(s string) (n int) { return strings.Count(s, "\nINCIDENT ") }
	if incs(table) == 0 || incs(table) != incs(own) {
		t.Errorf("%d incidents listed for the tenant, %d served alone", incs(table), incs(own))
	}
	code, _, errs = run(t, "", "alerts", "--store", both, "--tenant", tenants[0]+",11111111-2222-4333-8444-555555555555")
	if code != ExitUsage || !strings.Contains(errs, "--tenant 11111111-2222-4333-8444-555555555555: the store follows no such tenant") {
		t.Errorf("an unknown tenant: exit %d, %q", code, errs)
	}
}
