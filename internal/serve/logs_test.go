package serve

import (
	"context"
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
	srv, err := New(ctx, Config{Store: st, Dirs: []string{dst}, Hunt: tn.cfg, Quiet: time.Hour, Clock: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	run := func() *Result {
		t.Helper()
		res, err := srv.Cycle(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}

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
		l := logOf(res.Health, k)
		if k != event.KindFlow && l.Records != hr.Kinds[k] { // a flow record gives many events
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
	want := []event.Kind{event.KindActivity, event.KindAudit, event.KindFlow, event.KindDNS, event.KindProcess}
	if got := kindsOf(res.WentQuiet); !slices.Equal(got, want) {
		t.Errorf("went quiet %v, want %v", got, want)
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

	// The Activity Log arrives again.
	now = now.Add(30 * time.Minute)
	tn.copyFamily(t, dst, "insights-activity-logs", 21, 22)
	res = run()
	if !slices.Equal(res.Back, []event.Kind{event.KindActivity}) || len(res.WentQuiet) != 0 {
		t.Errorf("back %v, went quiet %v; want the Activity Log back", res.Back, res.WentQuiet)
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
	h := CheckLogs(logs, set, now, 2*time.Hour)
	if got := kindsOf(h.Quiet); !slices.Equal(got, []event.Kind{event.KindSignIn}) {
		t.Errorf("quiet %v, want the sign-ins", got)
	}
	var notSeen []event.Kind
	for _, g := range h.NotSeen {
		notSeen = append(notSeen, g.Kind)
	}
	if want := []event.Kind{event.KindAudit, event.KindFlow, event.KindDNS, event.KindProcess}; !slices.Equal(notSeen, want) {
		t.Errorf("not seen %v, want %v", notSeen, want)
	}
	if h.Logs[0].Kind != "activity" || h.Logs[1].Kind != "signin" {
		t.Errorf("logs not in kind order: %+v", h.Logs)
	}
	if h := CheckLogs(logs, set, now, 0); len(h.Quiet) != 0 {
		t.Errorf("quiet with no limit: %v", h.Quiet)
	}
	if h := CheckLogs(logs, set, now, 4*time.Hour); len(h.Quiet) != 0 {
		t.Errorf("quiet within the limit: %v", h.Quiet)
	}
}
