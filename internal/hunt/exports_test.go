package hunt

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/simulate"
)

// An incident responder often holds the same days of a tenant's Activity
// Log from more than one export: the storage account's diagnostic blobs,
// a workspace's AzureActivity rows, az monitor activity-log list. Only
// the last two carry the event's id. Hunted together, the three exports
// of one simulated tenant (every scenario and twin) must give exactly the
// alerts and incidents of any one of them, with the same counts: an
// event counted once per export would pass a count's threshold on half
// the activity.
func TestOneTenantInManyExports(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates a tenant three times")
	}
	t.Parallel()
	set, enr := catalogue(t)
	cfg := Config{Rules: set, Enricher: enr}
	type seen struct {
		ID, Rule, Incident string
		Count              int
		Severity           alert.Severity
	}
	hunted := func(dirs ...string) ([]seen, []string) {
		res, err := Run(context.Background(), expand(t, dirs...), cfg)
		if err != nil {
			t.Fatal(err)
		}
		var as []seen
		for _, a := range res.Alerts {
			as = append(as, seen{a.ID, a.Rule, a.Incident, a.Count, a.Severity})
		}
		var incs []string
		for _, in := range res.Incidents {
			incs = append(incs, fmt.Sprintf("%s %v %q %d", in.ID, in.Severity, in.Title, len(in.Timeline)))
		}
		return as, incs
	}
	var dirs []string
	// Every scenario but export-cut, whose gap is in the diagnostic
	// settings' exports and not in the Activity Log's own copy (REST), as
	// an export turned off leaves it: those exports do not hold the same.
	scenarios := slices.DeleteFunc(simulate.Scenarios(), func(s string) bool { return s == "export-cut" })
	for _, shape := range []string{simulate.ShapeRecords, simulate.ShapeLogAnalytics, simulate.ShapeREST} {
		dir := t.TempDir()
		if _, err := simulate.Write(dir, simulate.Options{Seed: 7, Days: 10, Scenarios: scenarios, Shape: shape}); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, dir)
	}
	want, wantIncs := hunted(dirs[0])
	if len(want) == 0 || len(wantIncs) == 0 {
		t.Fatal("the tenant raised no alert: the test shows nothing")
	}
	for i, d := range dirs[1:] {
		if got, incs := hunted(d); !cmp.Equal(got, want) || !cmp.Equal(incs, wantIncs) {
			t.Errorf("export %d alone differs from the first:\n%s\n%s", i+1, cmp.Diff(want, got), cmp.Diff(wantIncs, incs))
		}
	}
	got, incs := hunted(dirs...)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the three exports together (-one +all):\n%s", diff)
	}
	if diff := cmp.Diff(wantIncs, incs); diff != "" {
		t.Errorf("incidents of the three exports together (-one +all):\n%s", diff)
	}
}

// A tenant's firewall logs come to a responder the same two ways: the
// Event Hub's (or storage account's) diagnostic records and a workspace's
// AZFW* rows, as a Log Analytics query exports them (every column a
// string, the resource id in lower case, no directory tenant). Hunted
// together, the two give the alerts of the records alone, with the same
// counts: a pool lookup counted once per export would double every
// lookup's count.
func TestFirewallLogsInTwoExportsCountOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates a tenant")
	}
	t.Parallel()
	dir, la := t.TempDir(), t.TempDir()
	if _, err := simulate.Write(dir, simulate.Options{Seed: 7, Days: 10, Scenarios: []string{"cpu-mining"}}); err != nil {
		t.Fatal(err)
	}
	rows := map[string][]map[string]string{}
	err := filepath.WalkDir(filepath.Join(dir, "firewall-eventhub"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
			var msg struct {
				Records []struct {
					Category, Time, ResourceID string
					Properties                 map[string]any
				}
			}
			if err := json.Unmarshal(line, &msg); err != nil {
				return fmt.Errorf("%s: %v", path, err)
			}
			for _, r := range msg.Records {
				row := map[string]string{"TimeGenerated": r.Time, "Type": r.Category, "_ResourceId": strings.ToLower(r.ResourceID)}
				for k, v := range r.Properties {
					row[k] = fmt.Sprint(v)
				}
				rows[r.Category] = append(rows[r.Category], row)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for table, rs := range rows {
		b, _ := json.Marshal(rs)
		if err := os.WriteFile(filepath.Join(la, table+".json"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	set, enr := catalogue(t)
	counts := func(dirs ...string) map[string]int {
		res, err := Run(context.Background(), expand(t, dirs...), Config{Rules: set, Enricher: enr})
		if err != nil {
			t.Fatal(err)
		}
		c := map[string]int{}
		for _, a := range res.Alerts {
			c[a.ID+" "+a.Rule] += a.Count
		}
		return c
	}
	want := counts(dir)
	if !slices.ContainsFunc(slices.Collect(maps.Keys(want)), func(k string) bool { return strings.HasSuffix(k, " azure.dns.mining_pool_lookup") }) {
		t.Fatalf("no pool lookup alert in the records alone: the test shows nothing (%v)", want)
	}
	// The rows alone are read as the records are (their alerts name no
	// tenant: a workspace's TenantId is not the directory's).
	byRule := func(c map[string]int) map[string]int {
		r := map[string]int{}
		for k, n := range c {
			r[k[strings.IndexByte(k, ' ')+1:]] += n
		}
		return r
	}
	if got, w := byRule(counts(la)), byRule(counts(filepath.Join(dir, "firewall-eventhub"))); !maps.Equal(got, w) {
		t.Errorf("the workspace's rows alone: %v, want the records' %v", got, w)
	}
	if diff := cmp.Diff(want, counts(dir, la)); diff != "" {
		t.Errorf("the records and the workspace's rows together (-records +both):\n%s", diff)
	}
}
