package hunt

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/coverage"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/incident"
	"github.com/mamori-sec/mamori/internal/owner"
	"github.com/mamori-sec/mamori/internal/plural"
	"github.com/mamori-sec/mamori/internal/report"
	"github.com/mamori-sec/mamori/internal/simulate"
	"github.com/mamori-sec/mamori/internal/source"
)

// signInTimes reads the sign-in files' TimeGenerated with encoding/json,
// apart from mamori's readers: the span the hunt must report.
func signInTimes(t *testing.T, inputs []source.Input) (n int64, first, last time.Time) {
	t.Helper()
	for _, in := range inputs {
		if filepath.Base(filepath.Dir(in.Name)) != "signins" {
			continue
		}
		b, err := os.ReadFile(in.Name)
		if err != nil {
			t.Fatal(err)
		}
		var recs []struct{ TimeGenerated time.Time }
		if err := json.Unmarshal(b, &recs); err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			n++
			if first.IsZero() || r.TimeGenerated.Before(first) {
				first = r.TimeGenerated
			}
			if r.TimeGenerated.After(last) {
				last = r.TimeGenerated
			}
		}
	}
	return n, first, last
}

// logsRead is the hunt's LOGS READ section as the terminal shows it.
func logsRead(t *testing.T, res *Result) string {
	t.Helper()
	var b strings.Builder
	if err := report.WriteLogsRead(&b, res.Read, res.Outside); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestHuntSaysWhenEachLogBegins hunts a simulated tenant's three days,
// whole and with the sign-in files of the first two days left out, as a
// sign-in export of short retention would: the hunt reports each log's
// span as the files hold it, and, only for the cut tenant, that the
// incident began before its sign-ins do.
func TestHuntSaysWhenEachLogBegins(t *testing.T) {
	t.Parallel()
	sim := t.TempDir()
	if _, err := simulate.Write(sim, simulate.Options{Seed: 3, Days: 3, HostAgents: simulate.AgentsAll}); err != nil {
		t.Fatal(err)
	}
	full := expand(t, sim)
	cut := slices.DeleteFunc(slices.Clone(full), func(in source.Input) bool {
		return filepath.Base(filepath.Dir(in.Name)) == "signins" && !strings.HasSuffix(in.Name, "2026-03-03.json")
	})
	if len(cut) != len(full)-4 {
		t.Fatalf("%d of %d files left: the simulation's sign-in files changed, the test would prove nothing", len(cut), len(full))
	}
	set, enr := catalogue(t)
	hunt := func(inputs []source.Input) (*Result, coverage.Read) {
		t.Helper()
		res, err := Run(context.Background(), inputs, Config{Rules: set, Enricher: enr, Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Incidents) == 0 {
			t.Fatal("no incident: the test would prove nothing")
		}
		i := slices.IndexFunc(res.Read, func(r coverage.Read) bool { return r.Kind == event.KindSignIn })
		if i < 0 {
			t.Fatalf("no sign-ins read: %+v", res.Read)
		}
		// Every kind read is listed, with as many events as were counted,
		// those read again (a record Azure delivered twice, a Defender
		// alert in the Activity Log and its own export) told apart.
		for _, r := range res.Read {
			if r.Events+r.Repeats.Events != res.Kinds[r.Kind] || r.First.IsZero() || r.Last.Before(r.First) {
				t.Errorf("%s: %+v, %d counted", r.Source, r, res.Kinds[r.Kind])
			}
		}
		// Every kind but the Azure Databricks clusters log, which the
		// simulator does not write.
		if want := event.KindCount - 2; len(res.Read) != want || slices.ContainsFunc(res.Read, func(r coverage.Read) bool { return r.Kind == event.KindDatabricks }) {
			t.Errorf("%d kinds of log read, want every kind the tenant writes, %d: %+v", len(res.Read), want, res.Read)
		}
		return res, res.Read[i]
	}
	check := func(name string, inputs []source.Input) (*Result, coverage.Read) {
		res, si := hunt(inputs)
		n, first, last := signInTimes(t, inputs)
		// A hunt keeps times to the second.
		first, last = first.Truncate(time.Second), last.Truncate(time.Second)
		if si.Events != n || !si.First.Equal(first) || !si.Last.Equal(last) {
			t.Errorf("%s: sign-ins %d from %v to %v, the files hold %d from %v to %v", name, si.Events, si.First, si.Last, n, first, last)
		}
		// One tenant's sign-ins: its own span is the log's.
		var ts []TenantRead
		for _, tr := range res.Tenants {
			if tr.Kind == event.KindSignIn {
				ts = append(ts, tr)
			}
		}
		if len(ts) != 1 || ts[0].Tenant == "" || ts[0].Span != (coverage.Span{First: first, Last: last}) {
			t.Errorf("%s: the tenants' sign-ins %+v, the files hold one tenant's from %v to %v", name, ts, first, last)
		}
		// To the minute, in UTC, on the log's line.
		line := "Entra ID sign-in logs  " + plural.Count(n, "event", "events") + "  " +
			first.UTC().Format("2006-01-02 15:04") + " → " + last.UTC().Format("2006-01-02 15:04")
		if out := logsRead(t, res); !strings.Contains(strings.Join(strings.Fields(out), " "), strings.Join(strings.Fields(line), " ")) {
			t.Errorf("%s: LOGS READ lacks %q:\n%s", name, line, out)
		}
		return res, si
	}

	res, whole := check("whole tenant", full)
	if len(res.Outside) != 0 {
		t.Errorf("whole tenant: every log covers its incidents, yet: %v", res.Outside)
	}
	if out := logsRead(t, res); strings.Contains(out, "!") {
		t.Errorf("whole tenant: a warning:\n%s", out)
	}

	res, part := check("cut sign-ins", cut)
	if !part.First.After(whole.First) || part.First.Before(time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("cut sign-ins begin %v, the whole tenant's %v: want the third day", part.First, whole.First)
	}
	var began *coverage.Outside
	for i, o := range res.Outside {
		if o.Log.Kind != event.KindSignIn || !o.Before {
			t.Errorf("only the sign-ins were cut, yet: %v", o)
			continue
		}
		began = &res.Outside[i]
	}
	if began == nil {
		t.Fatalf("the incident began before the sign-ins do, yet no warning: %+v", res.Incidents)
	}
	inc := res.Incidents[slices.IndexFunc(res.Incidents, func(in incident.Incident) bool { return in.ID == began.Incident })]
	if !began.At.Equal(inc.Time) || !inc.Time.Before(part.First) {
		t.Errorf("warned at %v for an incident that began %v, sign-ins from %v", began.At, inc.Time, part.First)
	}
	want := "Entra ID sign-in logs begin " + part.First.UTC().Format("2006-01-02 15:04") + ", after this incident began (" +
		inc.Time.UTC().Format("2006-01-02 15:04") + "): its sign-ins before then were not read."
	if out := logsRead(t, res); !strings.Contains(out, "! "+inc.ID+": "+want) {
		t.Errorf("LOGS READ lacks %q:\n%s", want, out)
	}
}

// TestReadSlotAllocatesNothing: a worker's count and span run once per
// event read, on every worker; they must not allocate.
func TestReadSlotAllocatesNothing(t *testing.T) {
	if z := (time.Time{}).Unix(); z != zeroUnix {
		t.Fatalf("the zero time is %d, zeroUnix %d", z, zeroUnix)
	}
	var s readSlot
	ev := &event.Event{Kind: event.KindSignIn, Time: time.Date(2026, 3, 3, 1, 54, 40, 0, time.UTC)}
	if n := testing.AllocsPerRun(1000, func() {
		ev.Time = ev.Time.Add(-time.Second)
		s.add(ev)
	}); n != 0 {
		t.Errorf("%v allocations per event", n)
	}
	if sp := s.span(int(event.KindSignIn)); s.n[event.KindSignIn] != 1001 || !sp.First.Equal(ev.Time) || !sp.Last.Equal(ev.Time.Add(1000*time.Second)) {
		t.Errorf("counted %d, %v, want 1001 from %v", s.n[event.KindSignIn], sp, ev.Time)
	}
	// A record's year far outside UnixNano's range keeps its place.
	var far readSlot
	far.add(&event.Event{Kind: event.KindDNS, Time: time.Date(9999, 12, 31, 23, 59, 0, 0, time.UTC)})
	far.add(&event.Event{Kind: event.KindDNS, Time: time.Date(1601, 1, 1, 0, 0, 0, 0, time.UTC)})
	far.add(&event.Event{Kind: event.KindDNS})
	if sp := far.span(int(event.KindDNS)); sp.First.Year() != 1601 || sp.Last.Year() != 9999 || far.n[event.KindDNS] != 3 {
		t.Errorf("years 1601 and 9999, and one without a time: %v, %d counted", sp, far.n[event.KindDNS])
	}
}

// TestTenantReads: each worker spans each tenant's log, the spans merge
// across workers by tenant then kind, events without a tenant or a time
// are left out, and a tenant already met costs no allocation.
func TestTenantReads(t *testing.T) {
	t0 := time.Date(2026, 3, 3, 1, 0, 0, 0, time.UTC)
	slots := make([]readSlot, 2)
	add := func(w int, tenant, sub string, k event.Kind, h int) {
		slots[w].add(&event.Event{Tenant: tenant, Subscription: sub, Kind: k, Time: t0.Add(time.Duration(h) * time.Hour)})
	}
	add(0, "b", "s2", event.KindActivity, 5)
	add(0, "a", "", event.KindActivity, 3) // a tenant-level record (elevate access)
	add(1, "b", "s1", event.KindActivity, 1)
	add(0, "b", "s1", event.KindActivity, 2)
	add(1, "b", "", event.KindSignIn, 7)
	add(1, "b", "s1", event.KindAlert, 8) // a subscription's alert: the tenant's alerts only
	add(1, "", "", event.KindDNS, 0)      // read from no file: no folder places it
	// DNS lookups read briefly and a host's processes name neither: their
	// folder's owner is b's; no one owns /logs/mixed (/logs holds b's and
	// c's).
	addIn := func(w int, file string, k event.Kind, h int) {
		slots[w].add(&event.Event{Kind: k, Time: t0.Add(time.Duration(h) * time.Hour), Loc: event.Location{File: file}})
	}
	addIn(0, "/logs/b/fw/PT1H.json", event.KindDNS, 10)
	addIn(1, "/logs/b/hosts/vm1/audit.log", event.KindProcess, 12)
	addIn(0, "/logs/b/hosts/vm1/audit.log", event.KindProcess, 13)
	addIn(1, "/logs/mixed/audit.log", event.KindProcess, 14)
	slots[0].add(&event.Event{Kind: event.KindProcess, Loc: event.Location{File: "/logs/b/hosts/vm1/audit.log"}}) // no time: unnamed
	// Flows name only their subscription: s1's owner is b; no one owns s9.
	add(0, "", "s1", event.KindFlow, 4)
	add(1, "", "s1", event.KindFlow, 6)
	add(1, "", "s9", event.KindFlow, 9)
	// A Defender record in the Activity Log names no tenant: placed, but
	// b's Activity Log keeps the span of the records that name b.
	add(0, "", "s1", event.KindActivity, 11)
	slots[1].add(&event.Event{Tenant: "a", Kind: event.KindAudit}) // no time
	span := func(a, b int) coverage.Span {
		return coverage.Span{First: t0.Add(time.Duration(a) * time.Hour), Last: t0.Add(time.Duration(b) * time.Hour)}
	}
	want := []TenantRead{
		{Tenant: "a", Kind: event.KindActivity, Span: span(3, 3), Events: 1},
		{Tenant: "b", Kind: event.KindActivity, Span: span(1, 5), Events: 3},
		{Tenant: "b", Kind: event.KindSignIn, Span: span(7, 7), Events: 1},
		{Tenant: "b", Kind: event.KindFlow, Span: span(4, 6), Events: 2},
		{Tenant: "b", Kind: event.KindDNS, Span: span(10, 10), Events: 1},
		{Tenant: "b", Kind: event.KindProcess, Span: span(12, 13), Events: 2},
		{Tenant: "b", Kind: event.KindAlert, Span: span(8, 8), Events: 1},
		{Tenant: "b", Subscription: "s1", Kind: event.KindActivity, Span: span(1, 2), Events: 2},
		{Tenant: "b", Subscription: "s2", Kind: event.KindActivity, Span: span(5, 5), Events: 1},
	}
	var seen owner.Sightings
	seen.Subscription("s1", "b", 10)
	seen.Folder("/logs/b/activity", "b", 10)
	seen.Folder("/logs/c/activity", "c", 10) // /logs is no one's
	got, unplaced := tenantReads(slots, seen.Decide())
	if !slices.Equal(got, want) {
		t.Errorf("tenant reads:\n%+v\nwant\n%+v", got, want)
	}
	if unplaced != [event.KindCount]int64{event.KindFlow: 1, event.KindDNS: 1, event.KindProcess: 1} {
		t.Errorf("unplaced %v, want s9's flow, the lookup of no file and the process of no one's folder", unplaced)
	}
	var un [event.KindCount]int64
	for i := range slots {
		for k, n := range slots[i].unnamed {
			un[k] += n
		}
	}
	if un != [event.KindCount]int64{event.KindProcess: 1} {
		t.Errorf("unnamed %v, want the process without a time, which names neither tenant nor subscription", un)
	}
	ev := &event.Event{Tenant: "a", Kind: event.KindActivity, Time: t0}
	if n := testing.AllocsPerRun(100, func() {
		ev.Kind ^= event.KindActivity ^ event.KindSignIn // two keys in turn
		slots[0].add(ev)
	}); n != 0 {
		t.Errorf("%v allocations per event of tenants met before", n)
	}
}

// BenchmarkReadSlot is the per-event cost of counting and spanning (go
// test -run - -bench ReadSlot ./internal/hunt): a few nanoseconds, no
// allocation.
func BenchmarkReadSlot(b *testing.B) {
	var s readSlot
	t0 := time.Date(2026, 3, 3, 1, 54, 40, 0, time.UTC)
	evs := []event.Event{{Kind: event.KindActivity, Time: t0}, {Kind: event.KindSignIn, Time: t0.Add(-time.Hour)},
		{Kind: event.KindActivity, Time: t0.Add(time.Hour)}, {Kind: event.KindDNS}}
	b.ReportAllocs()
	for i := range b.N {
		s.add(&evs[i&3])
	}
}
