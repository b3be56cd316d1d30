package serve

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	mamori "github.com/mamori-sec/mamori"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/hunt"
	"github.com/mamori-sec/mamori/internal/rules"
	"github.com/mamori-sec/mamori/internal/simulate"
	"github.com/mamori-sec/mamori/internal/source"
	"github.com/mamori-sec/mamori/internal/store"
)

// copyFamily copies the tenant's files of days [from, to] under its
// top-level folder family ("" for all), as one export arriving while the
// others have stopped.
func (tn *tenant) copyFamily(t *testing.T, dst, family string, from, to int) {
	t.Helper()
	tn.copyWhere(t, dst, func(p string) bool {
		rel, _ := filepath.Rel(tn.dir, p)
		return (family == "" || strings.HasPrefix(filepath.ToSlash(rel), family+"/")) && day(p) >= from && day(p) <= to
	}, false)
}

// quietServer serves dir into st with a quiet limit of an hour and the
// wall clock *now (the test moves it on); run runs one cycle.
func quietServer(t *testing.T, st *store.Store, dir string, cfg hunt.Config, now *time.Time) (run func() *Result) {
	t.Helper()
	srv, err := New(context.Background(), Config{Store: st, Dirs: []string{dir}, Hunt: cfg, Quiet: time.Hour, Clock: func() time.Time { return *now }})
	if err != nil {
		t.Fatal(err)
	}
	return func() *Result {
		t.Helper()
		res, err := srv.Cycle(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
}

func kindsOf(qs []Quiet) []event.Kind {
	var ks []event.Kind
	for _, q := range qs {
		ks = append(ks, q.Kind)
	}
	slices.Sort(ks)
	return ks
}

func logOf(h Health, k event.Kind) store.LogSeen {
	for _, l := range h.Logs {
		if l.Kind == k.String() {
			return l
		}
	}
	return store.LogSeen{}
}

// A service must say when an export stops: every log but the sign-ins
// stops arriving, and the next cycles say so once, then that the Activity
// Log arrives again. The records read again for open windows are
// neither counted twice nor taken for arrivals.
func TestQuietLogs(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates a tenant")
	}
	tn := newTenant(t, simulate.Options{Seed: 7, Scenarios: []string{"gpu-scaleset-chain"}})
	ctx := context.Background()
	st := openStore(t)
	dst := t.TempDir()
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	run := quietServer(t, st, dst, tn.cfg, &now)

	tn.copyFamily(t, dst, "", 1, 20)
	tn.copyFamily(t, dst, "hosts", 99, 99) // host logs are the last day's
	res := run()
	if !res.First || len(res.Health.Quiet) != 0 || len(res.WentQuiet) != 0 || len(res.Health.NotSeen) != 0 {
		t.Fatalf("first cycle: first %v, quiet %v, went quiet %v, not seen %v", res.First, res.Health.Quiet, res.WentQuiet, res.Health.NotSeen)
	}
	// Counted independently: a hunt over the same files.
	in, err := source.Expand([]string{dst}, nil)
	if err != nil {
		t.Fatal(err)
	}
	hr, err := hunt.Run(ctx, in, tn.cfg)
	if err != nil {
		t.Fatal(err)
	}
	for k := event.KindActivity; k < event.Kind(event.KindCount); k++ {
		if k == event.KindDatabricks {
			continue // the simulated tenant has no Azure Databricks workspace
		}
		l := logOf(res.Health, k)
		// A flow record gives many events; an Activity Log record of
		// Defender's alert gives a security alert too.
		if k != event.KindFlow && k != event.KindAlert && l.Records != hr.Kinds[k] {
			t.Errorf("%v: %d records in the store, the hunt read %d events", k, l.Records, hr.Kinds[k])
		}
		if l.Records == 0 || !l.Arrived.Equal(now) || l.First.IsZero() || l.Last.Before(l.First) {
			t.Errorf("%v: %+v", k, l)
		}
	}
	activity := logOf(res.Health, event.KindActivity)
	carried, err := st.Carried(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(carried, func(c store.Carried) bool {
		return strings.Contains(filepath.ToSlash(c.Path), "/insights-activity-logs/")
	}) {
		t.Fatal("no Activity Log record is carried to the next cycle: the test would not see records read again")
	}

	// Two hours on, only the sign-ins arrive; the carried Activity Log
	// records are read again.
	now = now.Add(2 * time.Hour)
	tn.copyFamily(t, dst, "signins", 21, 22)
	res = run()
	if res.Carried == 0 {
		t.Fatal("nothing was read again")
	}
	// The busy logs go quiet; the audit log, whose records come hours
	// apart, is judged by its own pace (quietAfter): two hours of silence
	// is its usual.
	want := []event.Kind{event.KindActivity, event.KindFlow, event.KindDNS}
	if got := kindsOf(res.WentQuiet); !slices.Equal(got, want) {
		t.Errorf("went quiet %v, want %v", got, want)
	}
	audit := logOf(res.Health, event.KindAudit)
	if after := quietAfter(audit.First, audit.Last, audit.Records, time.Hour); after <= 2*time.Hour {
		t.Fatalf("the audit log's pace gives %v: the test needs a sparse log", after)
	}
	if res.First || len(res.Back) != 0 {
		t.Errorf("first %v, back %v", res.First, res.Back)
	}
	if l := logOf(res.Health, event.KindActivity); l.Records != activity.Records || !l.Arrived.Equal(activity.Arrived) {
		t.Errorf("records read again changed the store: %+v, was %+v", l, activity)
	}
	if l := logOf(res.Health, event.KindSignIn); !l.Arrived.Equal(now) {
		t.Errorf("sign-ins arrived %v, want %v", l.Arrived, now)
	}

	// Nothing new: still quiet, said once.
	now = now.Add(30 * time.Minute)
	res = run()
	if got := kindsOf(res.Health.Quiet); !slices.Equal(got, want) || len(res.WentQuiet) != 0 || len(res.Back) != 0 {
		t.Errorf("a cycle with nothing new: quiet %v, went quiet %v, back %v", got, res.WentQuiet, res.Back)
	}

	// A week on, nothing new: the sparse logs too are quiet (paceCap),
	// and the sign-ins; the others were said already.
	now = now.Add(paceCap)
	res = run()
	if got := kindsOf(res.WentQuiet); !slices.Contains(got, event.KindAudit) || !slices.Contains(got, event.KindSignIn) || slices.Contains(got, event.KindActivity) {
		t.Errorf("a week on, went quiet %v; want the audit log and the sign-ins, not the Activity Log again", got)
	}
	want = kindsOf(res.Health.Quiet)

	// The Activity Log arrives again.
	now = now.Add(30 * time.Minute)
	tn.copyFamily(t, dst, "insights-activity-logs", 21, 22)
	res = run()
	if got := kindsOf(res.Back); !slices.Equal(got, []event.Kind{event.KindActivity}) || len(res.WentQuiet) != 0 {
		t.Errorf("back %v, went quiet %v; want the Activity Log back", res.Back, res.WentQuiet)
	}
	// The others stay quiet.
	want = slices.DeleteFunc(want, func(k event.Kind) bool { return k == event.KindActivity })
	if got := kindsOf(res.Health.Quiet); !slices.Equal(got, want) {
		t.Errorf("quiet once the Activity Log came back: %v, want %v", got, want)
	}
	if l := logOf(res.Health, event.KindActivity); l.Records <= activity.Records || !l.Last.After(activity.Last) || !l.Arrived.Equal(now) {
		t.Errorf("Activity Log after it arrived again: %+v, before %+v", l, activity)
	}
}

// A log the rules read and the store never saw is NOT SEEN, never quiet;
// with a limit of 0 nothing is ever quiet.
func TestCheckLogs(t *testing.T) {
	set, err := rules.Load(rules.Options{Builtin: mamori.Rules})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	logs := []store.LogSeen{
		{Kind: "signin", Records: 5, Arrived: now.Add(-3 * time.Hour)},
		{Kind: "activity", Records: 9, Arrived: now.Add(-time.Minute)},
	}
	h := CheckLogs(logs, nil, set, now, 2*time.Hour)
	if got := kindsOf(h.Quiet); !slices.Equal(got, []event.Kind{event.KindSignIn}) {
		t.Errorf("quiet %v, want the sign-ins", got)
	}
	var notSeen []event.Kind
	for _, g := range h.NotSeen {
		notSeen = append(notSeen, g.Kind)
	}
	if want := []event.Kind{event.KindAudit, event.KindFlow, event.KindDNS, event.KindProcess, event.KindAlert, event.KindRisk}; !slices.Equal(notSeen, want) {
		t.Errorf("not seen %v, want %v", notSeen, want)
	}
	if h.Logs[0].Kind != "activity" || h.Logs[1].Kind != "signin" {
		t.Errorf("logs not in kind order: %+v", h.Logs)
	}
	if h := CheckLogs(logs, nil, set, now, 0); len(h.Quiet) != 0 {
		t.Errorf("quiet with no limit: %v", h.Quiet)
	}
	if h := CheckLogs(logs, nil, set, now, 4*time.Hour); len(h.Quiet) != 0 {
		t.Errorf("quiet within the limit: %v", h.Quiet)
	}
}

// A sparse log is judged by its own pace: silent for seven of its usual
// gaps, not merely for --quiet, and never later than a week; a busy log,
// or one whose events were not counted (a subscription's in an older
// store), by --quiet alone.
func TestSparseLogsJudgedByTheirPace(t *testing.T) {
	set, err := rules.Load(rules.Options{Builtin: mamori.Rules})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	span := func(days int) (time.Time, time.Time) {
		return now.Add(-time.Duration(days+20) * day), now.Add(-20 * day)
	}
	first, last := span(14)
	const a = "4f1c2b7e-9a3d-4c55-8e21-6b0d7a9c3e10"
	cases := []struct {
		name    string
		records int64 // the log's (store-wide) or its events (a tenant's, a subscription's)
		silent  time.Duration
		quiet   bool
	}{
		{"busy, silent 30 hours", 20000, 30 * time.Hour, true},
		{"busy, silent 20 hours", 20000, 20 * time.Hour, false},
		{"a record every 14 hours, silent 3 days", 25, 3 * day, false}, // 7 × 14 h = 98 h
		{"a record every 14 hours, silent 5 days", 25, 5 * day, true},  // past 98 h
		{"a record every 3.5 days, silent 6 days", 5, 6 * day, false},  // 24.5 days, capped to 7
		{"a record every 3.5 days, silent 8 days", 5, 8 * day, true},   // past the week
		{"not counted, silent 30 hours", 0, 30 * time.Hour, true},      // --quiet alone
	}
	for _, c := range cases {
		logs := []store.LogSeen{{Kind: "audit", Records: c.records, First: first, Last: last, Arrived: now.Add(-c.silent)}}
		if got := len(CheckLogs(logs, nil, set, now, day).Quiet) == 1; got != c.quiet {
			t.Errorf("the store's audit log, %s: quiet %v", c.name, got)
		}
		// A subscription's Activity Log, its tenant's arriving.
		logs = []store.LogSeen{{Kind: "activity", Records: 50000, First: first, Last: now, Arrived: now}}
		tenants := []store.TenantLogSeen{{Tenant: a, Kind: "activity", First: first, Last: now, Arrived: now, Events: 50000},
			{Tenant: a, Subscription: "s1", Kind: "activity", First: first, Last: last, Arrived: now.Add(-c.silent), Events: c.records}}
		q := CheckLogs(logs, tenants, set, now, day).Quiet
		if got := len(q) == 1 && q[0].Subscription == "s1"; got != c.quiet || len(q) > 1 {
			t.Errorf("a subscription's Activity Log, %s: quiet %+v", c.name, q)
		}
	}
}

// A tenant's log is quiet when it stopped while the store's log of that
// kind goes on; not when the whole log is quiet (said once, as the
// store's), not before its events have spanned the limit (a tenant met
// through a few records), and never for a log no rule reads.
func TestCheckTenantLogs(t *testing.T) {
	set, err := rules.Load(rules.Options{Builtin: mamori.Rules})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	day := func(d int) time.Time { return now.Add(time.Duration(d) * 24 * time.Hour) }
	logs := []store.LogSeen{
		{Kind: "activity", Records: 90, Arrived: now.Add(-time.Minute)},
		{Kind: "signin", Records: 50, Arrived: now.Add(-5 * time.Hour)},
		{Kind: "unknownkind", Records: 1, Arrived: now.Add(-time.Minute)},
	}
	tenants := []store.TenantLogSeen{
		{Tenant: "a", Kind: "activity", First: day(-9), Last: now.Add(-2 * time.Minute), Arrived: now.Add(-time.Minute)},
		{Tenant: "b", Kind: "activity", First: day(-9), Last: day(-1), Arrived: now.Add(-3 * time.Hour)}, // stopped
		{Tenant: "c", Kind: "activity", First: day(-1), Last: day(-1).Add(time.Hour), Arrived: now.Add(-3 * time.Hour)},
		{Tenant: "b", Kind: "signin", First: day(-9), Last: day(-1), Arrived: now.Add(-5 * time.Hour)},
		{Tenant: "b", Kind: "unknownkind", First: day(-9), Last: day(-1), Arrived: now.Add(-5 * time.Hour)},
	}
	h := CheckLogs(logs, tenants, set, now, 2*time.Hour)
	want := []Quiet{
		{Kind: event.KindSignIn, Source: "Entra ID sign-in logs", Arrived: now.Add(-5 * time.Hour)},
		{Kind: event.KindActivity, Tenant: "b", Source: "Azure Activity Log", Arrived: now.Add(-3 * time.Hour), Last: day(-1)},
	}
	if !slices.Equal(h.Quiet, want) {
		t.Errorf("quiet:\n%+v\nwant\n%+v", h.Quiet, want)
	}
	if len(h.Tenants) != len(tenants) {
		t.Errorf("health keeps %d tenant logs, want %d", len(h.Tenants), len(tenants))
	}
	// Tenant c's log spans a day: judged with a limit under a day.
	if h := CheckLogs(logs, tenants, set, now, 30*time.Minute); !slices.ContainsFunc(h.Quiet, func(q Quiet) bool { return q.Tenant == "c" }) {
		t.Errorf("tenant c not quiet with a limit of 30 minutes: %+v", h.Quiet)
	}
	if h := CheckLogs(logs, tenants, set, now, 0); len(h.Quiet) != 0 {
		t.Errorf("quiet with no limit: %v", h.Quiet)
	}
	// Alerts arrive only when something is found: days without one are
	// no export stopped, for the store or a tenant.
	alerts := []store.LogSeen{{Kind: "securityalert", Records: 3, Arrived: day(-5)}}
	talerts := []store.TenantLogSeen{{Tenant: "b", Kind: "securityalert", First: day(-9), Last: day(-5), Arrived: day(-5)}}
	if h := CheckLogs(alerts, talerts, set, now, time.Hour); len(h.Quiet) != 0 {
		t.Errorf("security alerts judged quiet: %+v", h.Quiet)
	}
	// So do ID Protection's risk detections.
	risks := []store.LogSeen{{Kind: "riskdetection", Records: 2, Arrived: day(-6)}}
	trisks := []store.TenantLogSeen{{Tenant: "b", Kind: "riskdetection", First: day(-9), Last: day(-6), Arrived: day(-6)}}
	if h := CheckLogs(risks, trisks, set, now, time.Hour); len(h.Quiet) != 0 {
		t.Errorf("risk detections judged quiet: %+v", h.Quiet)
	}
}

// Two tenants served together: one's exports stop and the next cycle
// says which tenant's logs went quiet, though the store's logs of those
// kinds go on arriving; then that they arrived again.
func TestQuietTenant(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates two tenants")
	}
	a := newTenant(t, simulate.Options{Seed: 7, Days: 24, Scenarios: []string{"gpu-scaleset-chain"}})
	b := newTenant(t, simulate.Options{Seed: 8, Days: 24})
	if a.truth.Tenant == b.truth.Tenant || a.truth.Tenant == "" {
		t.Fatalf("tenants %q and %q", a.truth.Tenant, b.truth.Tenant)
	}
	st := openStore(t)
	root := t.TempDir()
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	run := quietServer(t, st, root, a.cfg, &now)
	for _, tn := range []*tenant{a, b} {
		tn.copyFamily(t, filepath.Join(root, tn.truth.Tenant), "", 1, 20)
	}
	res := run()
	if len(res.Health.Quiet) != 0 {
		t.Fatalf("first cycle: quiet %+v", res.Health.Quiet)
	}
	for _, tn := range []*tenant{a, b} {
		for _, k := range []string{"activity", "signin", "audit"} {
			if !slices.ContainsFunc(res.Health.Tenants, func(l store.TenantLogSeen) bool {
				return l.Tenant == tn.truth.Tenant && l.Kind == k && l.Arrived.Equal(now) && l.Last.Sub(l.First) > 24*time.Hour
			}) {
				t.Errorf("no %s log of tenant %s spanning days, arrived now: %+v", k, tn.truth.Tenant, res.Health.Tenants)
			}
		}
	}

	// A week on (paceCap: the sparse logs, an audit log, are judged by
	// their own pace, never later than that), only tenant a's logs
	// arrive. Tenant b's logs of the kinds that still arrive (a's) go
	// quiet; a kind a brought nothing of either (an audit log is sparse)
	// is quiet as a whole instead. Flow logs name no tenant but their
	// subscription, whose owner is b, and the firewall's DNS lookups (read
	// briefly) neither, but their folder, whose owner is b: they are
	// followed per tenant too.
	now = now.Add(paceCap)
	a.copyFamily(t, filepath.Join(root, a.truth.Tenant), "", 21, 22)
	res = run()
	var bQuiet, want []event.Kind
	for _, q := range res.WentQuiet {
		switch q.Tenant {
		case "":
		case b.truth.Tenant:
			bQuiet = append(bQuiet, q.Kind)
		default:
			t.Errorf("tenant %s went quiet: %+v", q.Tenant, q)
		}
	}
	for _, k := range []event.Kind{event.KindActivity, event.KindSignIn, event.KindAudit, event.KindFlow, event.KindDNS} {
		if !slices.ContainsFunc(res.Health.Quiet, func(q Quiet) bool { return q.Kind == k && q.Tenant == "" }) {
			want = append(want, k)
		}
	}
	slices.Sort(bQuiet)
	if !slices.Equal(bQuiet, want) || !slices.Contains(want, event.KindActivity) || !slices.Contains(want, event.KindSignIn) ||
		!slices.Contains(want, event.KindFlow) || !slices.Contains(want, event.KindDNS) {
		t.Errorf("tenant b went quiet in %v, want %v (all: %+v)", bQuiet, want, res.WentQuiet)
	}

	// Tenant b arrives again.
	now = now.Add(time.Hour)
	b.copyFamily(t, filepath.Join(root, b.truth.Tenant), "", 21, 22)
	res = run()
	var back, whole []event.Kind
	for _, q := range res.Back {
		switch q.Tenant {
		case b.truth.Tenant:
			back = append(back, q.Kind)
		case "":
			whole = append(whole, q.Kind)
		}
	}
	slices.Sort(back)
	if !slices.Equal(back, want) {
		t.Errorf("back %+v; want tenant b's %v back", res.Back, want)
	}
	// A sparse kind quiet as a whole that b's days bring (an audit record
	// of an onboarding) comes back as a whole, and a's log of it, silent
	// since, goes quiet; nothing else does.
	for _, q := range res.WentQuiet {
		if q.Tenant != a.truth.Tenant || !slices.Contains(whole, q.Kind) {
			t.Errorf("went quiet %+v; only a's logs of kinds back as a whole (%v) may", q, whole)
		}
	}
}

// copySubscription copies a tenant's Activity Log of days from to to into
// dst as the log of another subscription of the tenant, sub: the same
// records with the subscription's id swapped, in every case it is written.
func (tn *tenant) copySubscription(t *testing.T, dst, sub string, from, to int) {
	t.Helper()
	own := tn.truth.Subscription
	swap := strings.NewReplacer(strings.ToLower(own), strings.ToLower(sub), strings.ToUpper(own), strings.ToUpper(sub))
	err := filepath.WalkDir(filepath.Join(tn.dir, "insights-activity-logs"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || day(p) < from || day(p) > to {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(tn.dir, p)
		out := filepath.Join(dst, swap.Replace(rel))
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		return os.WriteFile(out, []byte(swap.Replace(string(b))), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestQuietSubscription: one subscription's Activity Log stops (its
// diagnostic setting deleted) while the tenant's other subscription's
// goes on. The tenant's Activity Log as a whole still arrives; serve says
// which subscription went quiet, and when it comes back.
func TestQuietSubscription(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates a tenant")
	}
	a := newTenant(t, simulate.Options{Seed: 7, Days: 24})
	const other = "0d5e7c1a-2b3c-4d5e-8f70-8192a3b4c5d6"
	st := openStore(t)
	root := t.TempDir()
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	run := quietServer(t, st, root, a.cfg, &now)
	a.copyFamily(t, filepath.Join(root, "a"), "", 1, 20)
	a.copySubscription(t, filepath.Join(root, "a2"), other, 1, 20)
	res := run()
	if len(res.Health.Quiet) != 0 {
		t.Fatalf("first cycle: quiet %+v", res.Health.Quiet)
	}
	for _, sub := range []string{strings.ToLower(a.truth.Subscription), other} {
		if !slices.ContainsFunc(res.Health.Tenants, func(l store.TenantLogSeen) bool {
			return l.Tenant == a.truth.Tenant && l.Subscription == sub && l.Kind == "activity" && l.Last.Sub(l.First) > 24*time.Hour
		}) {
			t.Errorf("no Activity Log of subscription %s spanning days: %+v", sub, res.Health.Tenants)
		}
	}

	// Two hours on, only the first subscription's logs (and the tenant's
	// others) arrive.
	now = now.Add(2 * time.Hour)
	a.copyFamily(t, filepath.Join(root, "a"), "", 21, 22)
	res = run()
	var activity []Quiet // (an audit log is sparse: two days may bring none)
	for _, q := range res.WentQuiet {
		if q.Kind == event.KindActivity {
			activity = append(activity, q)
		}
	}
	if len(activity) != 1 || activity[0].Tenant != a.truth.Tenant || activity[0].Subscription != other {
		t.Fatalf("went quiet %+v, want subscription %s's Activity Log alone", res.WentQuiet, other)
	}

	// It arrives again.
	now = now.Add(time.Hour)
	a.copySubscription(t, filepath.Join(root, "a2"), other, 21, 22)
	res = run()
	if !slices.ContainsFunc(res.Back, func(q Quiet) bool { return q.Subscription == other }) || len(res.WentQuiet) != 0 {
		t.Errorf("back %+v, went quiet %+v; want subscription %s back", res.Back, res.WentQuiet, other)
	}
}
