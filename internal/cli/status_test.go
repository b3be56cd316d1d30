package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/store"
)

// copyTree copies the folder src into dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
}

// A store served only the example's Activity Log says the other logs
// were never seen; once its sign-ins last arrived 30 hours ago, serve and
// status call them quiet, and status exits 3 for a monitor.
func TestStatusSaysWhatStoppedArriving(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "mamori.db")
	data, logs := t.TempDir(), t.TempDir()
	copyTree(t, filepath.Join(example, "insights-activity-logs"), filepath.Join(logs, "activity"))
	code, _, errs := run(t, "", "serve", "--once", "--store", db, "--data-dir", data, logs)
	if code != ExitOK || !strings.Contains(errs, "not seen yet, the store holds none of these logs: Entra ID sign-in logs") {
		t.Fatalf("serve: exit %d, stderr %q; want it to say the sign-ins were never seen", code, errs)
	}
	code, out, errs := run(t, "", "status", "--store", db)
	if code != ExitOK || !strings.Contains(out, "Azure Activity Log") || !strings.Contains(out, "NOT SEEN") ||
		!strings.Contains(out, "Entra ID sign-in logs") || strings.Contains(out, "QUIET") {
		t.Errorf("status: exit %d (%s):\n%s", code, errs, out)
	}

	// mamori alerts tells, after the incidents, what the store read.
	code, out, errs = run(t, "", "alerts", "--store", db, "--data-dir", data)
	if i := strings.Index(out, "LOGS IN THE STORE"); code != ExitOK || i < 0 || !strings.Contains(out[i:], "Azure Activity Log") ||
		!strings.Contains(out[i:], "NOT SEEN") || !strings.Contains(out[i:], "Entra ID sign-in logs") {
		t.Errorf("alerts: exit %d (%s):\n%s", code, errs, out)
	}

	// The sign-ins arrived once, 30 hours ago.
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	ev := time.Date(2026, 3, 14, 2, 0, 0, 0, time.UTC)
	_, err = st.Commit(ctx, store.Cycle{Logs: []store.LogSeen{{Kind: "signin", Records: 4, First: ev, Last: ev, Arrived: time.Now().Add(-30 * time.Hour)}}})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	code, out, errs = run(t, "", "status", "--store", db)
	if code != ExitFindings || !strings.Contains(out, "QUIET") || !strings.Contains(out, "Entra ID sign-in logs: nothing new for 30 hours") {
		t.Errorf("status with quiet sign-ins: exit %d (%s):\n%s", code, errs, out)
	}
	if code, _, _ := run(t, "", "status", "--store", db, "--quiet", "0"); code != ExitOK {
		t.Errorf("--quiet 0: exit %d, want 0: nothing is ever quiet", code)
	}
	code, out, _ = run(t, "", "status", "--store", db, "--format", "json")
	var doc struct {
		Logs []struct {
			Kind    string     `json:"kind"`
			Records int64      `json:"records"`
			First   *time.Time `json:"first_event"`
			Arrived *time.Time `json:"last_arrival"`
		} `json:"logs"`
		Quiet []struct {
			Kind string `json:"kind"`
			Name string `json:"name"`
		} `json:"quiet"`
		NotSeen []struct {
			Kind   string   `json:"kind"`
			Export string   `json:"export"`
			Rules  []string `json:"rules"`
			Corrs  []string `json:"correlations"`
		} `json:"not_seen"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != ExitFindings {
		t.Fatalf("status --format json: exit %d, %v:\n%s", code, err, out)
	}
	if len(doc.Logs) != 2 || doc.Logs[0].Kind != "activity" || doc.Logs[0].Records == 0 || doc.Logs[0].First == nil ||
		doc.Logs[1].Kind != "signin" || doc.Logs[1].Records != 4 || doc.Logs[1].Arrived == nil {
		t.Errorf("logs = %+v", doc.Logs)
	}
	if len(doc.Quiet) != 1 || doc.Quiet[0].Kind != "signin" || doc.Quiet[0].Name != "Entra ID sign-in logs" {
		t.Errorf("quiet = %+v", doc.Quiet)
	}
	for _, g := range doc.NotSeen {
		if g.Kind == "signin" || g.Kind == "activity" || g.Export == "" || len(g.Rules)+len(g.Corrs) == 0 {
			t.Errorf("not seen: %+v", g)
		}
	}
	if len(doc.NotSeen) == 0 {
		t.Error("not seen is empty: the store has no audit, flow, DNS or host logs")
	}

	// A serve that starts says the sign-ins are quiet.
	code, _, errs = run(t, "", "serve", "--once", "--store", db, "--data-dir", data, logs)
	if code != ExitOK || !strings.Contains(errs, "mamori serve: quiet: Entra ID sign-in logs: nothing new for 30 hours") {
		t.Errorf("serve: exit %d, stderr %q; want it to say the sign-ins are quiet", code, errs)
	}
}

func TestStatusUsage(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "mamori.db")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"status", "--store", db}, "(no such file): 'mamori serve --store"}, // never created by looking
		{[]string{"alerts", "--store", db}, "(no such file): 'mamori serve --store"},
		{[]string{"status", "--store", db, "--format", "csv"}, "--format"},
		{[]string{"status", "--store", db, "--quiet", "-1h"}, "--quiet"},
		{[]string{"status", "--store", db, "extra"}, "unexpected argument"},
		{[]string{"serve", "--once", "--store", db, "--quiet", "-1h", "."}, "--quiet"},
	} {
		if code, _, errs := run(t, "", c.args...); code != ExitUsage || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want a usage error naming %q", c.args, code, errs, c.want)
		}
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("looking at a missing store created it")
	}
}

// One tenant's log stops while the store's log of that kind goes on:
// status names the tenant (its id escaped, as any text from the logs),
// lists every tenant's logs in JSON, exits 3, and forgets a tenant that
// left when asked.
func TestStatusSaysWhichTenantStopped(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "mamori.db")
	data, logs := t.TempDir(), t.TempDir()
	copyTree(t, filepath.Join(example, "insights-activity-logs"), filepath.Join(logs, "activity"))
	if code, _, errs := run(t, "", "serve", "--once", "--store", db, "--data-dir", data, logs); code != ExitOK {
		t.Fatalf("serve: exit %d, %s", code, errs)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	served, err := st.TenantLogs(ctx)
	if err != nil || len(served) == 0 || served[0].Kind != "activity" {
		st.Close()
		t.Fatalf("the example's tenant logs: %+v, %v", served, err)
	}
	const gone = "gone\x1b[2Jtenant"
	const goneSub = "gone\x1b[2Jsub"
	ev := time.Date(2026, 3, 14, 2, 0, 0, 0, time.UTC)
	// A tenant whose logs stopped, and a subscription of the served
	// tenant whose Activity Log stopped while the tenant's goes on.
	_, err = st.Commit(ctx, store.Cycle{TenantLogs: []store.TenantLogSeen{
		{Tenant: gone, Kind: "activity", First: ev.Add(-72 * time.Hour), Last: ev, Arrived: time.Now().Add(-30 * time.Hour)},
		{Tenant: served[0].Tenant, Subscription: goneSub, Kind: "activity", First: ev.Add(-72 * time.Hour), Last: ev, Arrived: time.Now().Add(-30 * time.Hour)}}})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	code, out, errs := run(t, "", "status", "--store", db)
	if code != ExitFindings || !strings.Contains(out, "TENANTS: the logs of 2 tenants and the Activity Logs of 2 subscriptions,") ||
		!strings.Contains(out, `Azure Activity Log of tenant gone\x1b[2Jtenant: nothing new for 30 hours`) ||
		!strings.Contains(out, `Azure Activity Log of subscription gone\x1b[2Jsub (tenant `+served[0].Tenant+`): nothing new for 30 hours`) || strings.Contains(out, "\x1b") {
		t.Errorf("status: exit %d (%s):\n%s", code, errs, out)
	}
	code, out, _ = run(t, "", "status", "--store", db, "--format", "json")
	var doc struct {
		Tenants []struct {
			Tenant, Kind string
			Arrived      *time.Time `json:"last_arrival"`
		} `json:"tenants"`
		Quiet []struct{ Kind, Tenant, Subscription string } `json:"quiet"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != ExitFindings {
		t.Fatalf("status --format json: exit %d, %v:\n%s", code, err, out)
	}
	if len(doc.Tenants) != len(served)+2 || !slices.ContainsFunc(doc.Tenants, func(l struct {
		Tenant, Kind string
		Arrived      *time.Time `json:"last_arrival"`
	}) bool {
		return l.Tenant == served[0].Tenant && l.Kind == "activity" && l.Arrived != nil
	}) {
		t.Errorf("tenants = %+v, want the served tenant's and the gone one's", doc.Tenants)
	}
	type quiet = struct{ Kind, Tenant, Subscription string }
	if len(doc.Quiet) != 2 || !slices.Contains(doc.Quiet, quiet{"activity", gone, ""}) || !slices.Contains(doc.Quiet, quiet{"activity", served[0].Tenant, goneSub}) {
		t.Errorf("quiet = %+v", doc.Quiet)
	}
	// A serve that starts says so on standard error, escaped too, and
	// tells its webhook (in Slack's words, the ids made safe there too).
	hook, posts := receiver(t, nil)
	if code, _, errs := run(t, "", "serve", "--once", "--store", db, "--data-dir", data, "--notify", hook, logs); code != ExitOK ||
		!strings.Contains(errs, `mamori serve: quiet: Azure Activity Log of tenant gone\x1b[2Jtenant: nothing new for 30 hours`) || strings.Contains(errs, "\x1b") {
		t.Errorf("serve: exit %d, stderr %q; want it to say the tenant's Activity Log is quiet", code, errs)
	}
	var told []string
	for _, p := range posts() {
		var body struct{ Text string }
		json.Unmarshal([]byte(p), &body)
		told = append(told, body.Text)
	}
	if len(told) != 1 || !strings.HasPrefix(told[0], "*mamori*: 2 logs stopped arriving\n") ||
		!strings.Contains(told[0], "\n*quiet* Azure Activity Log of tenant gone\\x1b[2Jtenant: nothing new for 30 hours (last arrival ") ||
		!strings.Contains(told[0], "\n*quiet* Azure Activity Log of subscription gone\\x1b[2Jsub (tenant "+served[0].Tenant+"): nothing new for 30 hours") ||
		strings.Contains(told[0], "\x1b") || strings.Contains(told[0], "new alert") {
		t.Errorf("told %q; want the two quiet logs, alone", told)
	}

	// One customer's check: its own logs and its own quiet subscription,
	// not the other tenant's silence; a tenant the store does not follow
	// is refused.
	code, out, errs = run(t, "", "status", "--store", db, "--tenant", strings.ToUpper(served[0].Tenant))
	if code != ExitFindings || !strings.Contains(out, "LOGS OF TENANT "+served[0].Tenant+" IN THE STORE") ||
		!strings.Contains(out, `Azure Activity Log of subscription gone\x1b[2Jsub (tenant `+served[0].Tenant+`): nothing new`) ||
		strings.Contains(out, "of tenant gone") || strings.Contains(out, "NOT JUDGED") {
		t.Errorf("status --tenant: exit %d (%s):\n%s", code, errs, out)
	}
	code, out, _ = run(t, "", "status", "--store", db, "--tenant", served[0].Tenant, "--format", "json")
	doc.Tenants, doc.Quiet = nil, nil
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != ExitFindings || len(doc.Tenants) != len(served)+1 || len(doc.Quiet) != 1 || doc.Quiet[0].Subscription != goneSub {
		t.Errorf("status --tenant --format json: exit %d (%v): tenants %+v, quiet %+v", code, err, doc.Tenants, doc.Quiet)
	}
	if code, _, errs := run(t, "", "status", "--store", db, "--tenant", "11111111-2222-4333-8444-555555555555"); code != ExitUsage || !strings.Contains(errs, "the store follows no such tenant") {
		t.Errorf("status --tenant unknown: exit %d, %q", code, errs)
	}

	if code, out, errs := run(t, "", "status", "--store", db, "--forget-tenant", gone); code != ExitOK || !strings.Contains(out, "Forgot 1 log of tenant") {
		t.Errorf("--forget-tenant: exit %d, %q, %q", code, out, errs)
	}
	if code, out, errs := run(t, "", "status", "--store", db, "--forget-tenant", served[0].Tenant); code != ExitOK || !strings.Contains(out, "of tenant") {
		t.Errorf("--forget-tenant %s: exit %d, %q, %q", served[0].Tenant, code, out, errs)
	}
	if code, out, _ := run(t, "", "status", "--store", db); code != ExitOK || strings.Contains(out, "QUIET") || strings.Contains(out, "TENANTS") {
		t.Errorf("status after forgetting: exit %d:\n%s", code, out)
	}
	if code, _, errs := run(t, "", "status", "--store", db, "--forget-tenant", gone); code != ExitUsage || !strings.Contains(errs, "follows no logs of tenant") {
		t.Errorf("forgetting it again: exit %d, %q", code, errs)
	}
}

// mamori status says when a cycle's hunt found a table of what serve
// learns full (table and JSON), and says nothing of it before.
func TestStatusSaysALearnedTableWasFull(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "mamori.db")
	if code, _, errs := run(t, "", "serve", "--once", "--store", db, filepath.Join("..", "..", "examples")); code != ExitOK {
		t.Fatalf("serve: exit %d: %s", code, errs)
	}
	status := func() (table string, capped time.Time) {
		t.Helper()
		code, out, errs := run(t, "", "status", "--store", db)
		if code != ExitOK && code != ExitFindings {
			t.Fatalf("status: exit %d: %s", code, errs)
		}
		_, js, _ := run(t, "", "status", "--store", db, "--format", "json")
		var doc struct {
			Capped time.Time `json:"learned_capped"`
		}
		if err := json.Unmarshal([]byte(js), &doc); err != nil {
			t.Fatalf("status --format json: %v:\n%s", err, js)
		}
		return out, doc.Capped
	}
	if out, at := status(); strings.Contains(out, "\nFULL: ") || !at.IsZero() {
		t.Errorf("no table was full, yet status says (%v):\n%s", at, out)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	full := time.Now().Add(-2 * time.Hour).Truncate(time.Second).UTC()
	if _, err := st.Commit(ctx, store.Cycle{Now: full, Learned: &store.Learned{Capped: true}}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if out, at := status(); !strings.Contains(out, "\nFULL: a table of what serve learns") || !strings.Contains(out, "2 hours ago") || !at.Equal(full) {
		t.Errorf("a table was full 2 hours ago: status says (%v):\n%s", at, out)
	}
}
