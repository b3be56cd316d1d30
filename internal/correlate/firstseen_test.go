package correlate

import (
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

const day = 24 * time.Hour

// mapStore is a Baseline seeded by hand, as a store would be.
type mapStore map[string]time.Time

func (s mapStore) Seen(tenant, rule, key string) (time.Time, bool) {
	t, ok := s[tenant+"|"+rule+"|"+key]
	return t, ok
}

func (s mapStore) Record(tenant, rule, key string, t time.Time) {
	if old, ok := s[tenant+"|"+rule+"|"+key]; !ok || t.After(old) {
		s[tenant+"|"+rule+"|"+key] = t
	}
}

func TestFirstSeen(t *testing.T) {
	t.Parallel()
	rule := correlation("New principal", "type: first_seen", "rules: [compute]", "group-by: [principal]")
	by := func(p string, d time.Duration, ref int) Match { return hit("compute", d, ref, "principal="+p) }
	tests := []struct {
		name string
		rule string
		opt  Options
		ms   []Match
		want []string
	}{
		{name: "keys of the learning period never fire", rule: rule,
			ms: []Match{by("p1", 0, 0), by("p2", 5*day, 1), by("p1", 13*day, 2), by("p2", 15*day, 3)}},
		{name: "a key new after the learning period fires once", rule: rule,
			ms:   []Match{by("p1", 0, 0), by("p2", 15*day, 1), by("p2", 15*day+time.Hour, 2), by("p2", 20*day, 3)},
			want: []string{`new_principal "principal"="p2", n=1 v=1 360h0m0s..360h0m0s`}},
		{name: "a key unseen for longer than the baseline fires again", rule: rule,
			ms:   []Match{by("p1", 0, 0), by("p1", 20*day, 1)},
			want: []string{`new_principal "principal"="p1", n=1 v=1 480h0m0s..480h0m0s`}},
		{name: "a key seen within the baseline before stays quiet", rule: rule,
			ms: []Match{by("p1", 0, 0), by("p1", 14*day, 1), by("p1", 28*day, 2)}},
		{name: "the hunt's baseline sets the learning period", rule: rule, opt: Options{Baseline: 2 * day},
			ms:   []Match{by("p1", 0, 0), by("p2", day, 1), by("p3", 3*day, 2), by("p2", 3*day, 3)},
			want: []string{`new_principal "principal"="p3", n=1 v=1 72h0m0s..72h0m0s`}},
		// A short export learns for 5 days; a team that works every 6 is
		// still known, for the rule's 14 days, not the learning's 5.
		{name: "the hunt's baseline leaves the rule's memory", rule: rule, opt: Options{Baseline: 5 * day},
			ms:   []Match{by("p1", 0, 0), by("p1", 6*day, 1), by("p1", 12*day, 2), by("p1", 27*day, 3)},
			want: []string{`new_principal "principal"="p1", n=1 v=1 648h0m0s..648h0m0s`}},
		{name: "the rule's timespan sets the baseline",
			rule: correlation("New principal", "type: first_seen", "rules: [compute]", "group-by: [principal]", "timespan: 1d"),
			ms:   []Match{by("p1", 0, 0), by("p2", 2*day, 1)},
			want: []string{`new_principal "principal"="p2", n=1 v=1 48h0m0s..48h0m0s`}},
		// Run Command's users come back weeks apart: remembered for 90
		// days, learned for 14, an admin's use 23 days after the last
		// stays quiet while a new user on day 20 fires.
		{name: "the rule's learning sets the learning period, its timespan the memory",
			rule: correlation("New principal", "type: first_seen", "rules: [compute]", "group-by: [principal]", "timespan: 90d", "learning: 14d"),
			ms:   []Match{by("p1", 0, 0), by("p2", 20*day, 1), by("p1", 23*day, 2)},
			want: []string{`new_principal "principal"="p2", n=1 v=1 480h0m0s..480h0m0s`}},
		{name: "the hunt's baseline sets the learning period over the rule's learning",
			rule: correlation("New principal", "type: first_seen", "rules: [compute]", "group-by: [principal]", "timespan: 90d", "learning: 14d"),
			opt:  Options{Baseline: 2 * day},
			ms:   []Match{by("p1", 0, 0), by("p2", 3*day, 1)},
			want: []string{`new_principal "principal"="p2", n=1 v=1 72h0m0s..72h0m0s`}},
		{name: "learning runs from the data start, not the first match", rule: rule,
			opt:  Options{DataStart: t0.Add(-14 * day)},
			ms:   []Match{by("p1", 0, 0), by("p1", time.Hour, 1)},
			want: []string{`new_principal "principal"="p1", n=1 v=1 0s..0s`}},
		{name: "a tenant's own start wins over the data start", rule: rule,
			opt: Options{DataStart: t0.Add(-14 * day), TenantStart: map[string]time.Time{"t1": t0}},
			ms:  []Match{by("p1", 0, 0)}},
		{name: "a seeded store knows earlier keys", rule: rule,
			opt:  Options{DataStart: t0.Add(-30 * day), Store: mapStore{"t1|new_principal|p1": t0.Add(-day)}},
			ms:   []Match{by("p1", 0, 0), by("p2", time.Hour, 1)},
			want: []string{`new_principal "principal"="p2", n=1 v=1 1h0m0s..1h0m0s`}},
		{name: "a key of two fields is new when the pair is",
			rule: correlation("New principal", "type: first_seen", "rules: [compute]", "group-by: [principal, region]"),
			ms: []Match{hit("compute", 0, 0, "principal=p1", "region=eastus"), hit("compute", 10*day, 1, "principal=p1", "region=eastus"),
				hit("compute", 15*day, 2, "principal=p1", "region=westeurope")},
			want: []string{`new_principal "principal"="p1","region"="westeurope", n=1 v=1 360h0m0s..360h0m0s`}},
		{name: "a match without a group-by field is neither learned nor new",
			rule: correlation("New principal", "type: first_seen", "rules: [compute]", "group-by: [principal, region]"),
			opt:  Options{DataStart: t0.Add(-30 * day), Store: mapStore{"t1|new_principal|" + BaselineKey("p1", "eastus"): t0.Add(-day)}},
			ms: []Match{hit("compute", 0, 0, "principal=p1"), hit("compute", time.Hour, 1, "region=westeurope"),
				hit("compute", 2*time.Hour, 2, "principal=p1", "region=eastus")},
		},
		{name: "a key first met without its field fires when it comes whole",
			rule: rule,
			ms:   []Match{by("p1", 0, 0), hit("compute", day, 1), by("", 15*day, 2), by("p2", 15*day, 3)},
			want: []string{`new_principal "principal"="", n=1 v=1 360h0m0s..360h0m0s`, `new_principal "principal"="p2", n=1 v=1 360h0m0s..360h0m0s`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := compile(t, tc.rule, "compute")
			got := brief(s.Process(tc.ms, tc.opt))
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("fires (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFirstSeenStart checks Stream.Start and that the fire comes at the
// match itself, not later.
func TestFirstSeenStart(t *testing.T) {
	t.Parallel()
	s := compile(t, correlation("New principal", "type: first_seen", "rules: [compute]", "group-by: [principal]"), "compute")
	st := s.Stream(Options{})
	st.Start("t1", t0.Add(-20*day))
	st.Start("t1", t0.Add(-10*day)) // a later start does not undo the earlier
	if fs := st.Add(hit("compute", 0, 7, "principal=p1")); len(fs) != 1 || fs[0].Members[0] != 7 {
		t.Fatalf("Add: %v, want the fire of ref 7 at once", brief(fs))
	}
	if fs := st.Flush(); len(fs) != 0 {
		t.Errorf("Flush: %v", brief(fs))
	}
}

// TestFirstSeenChained runs first_seen under a temporal correlation: a new
// principal creating compute, then raising a quota, within an hour.
func TestFirstSeenChained(t *testing.T) {
	t.Parallel()
	s := compile(t, correlation("New principal", "type: first_seen", "rules: [compute]", "group-by: [principal]")+"---\n"+
		correlation("New principal scales", "type: temporal_ordered", "rules: [new_principal, quota]", "group-by: [principal]", "timespan: 1h"),
		"compute", "quota")
	ms := []Match{hit("compute", 0, 0, "principal=old"), hit("compute", 15*day, 1, "principal=new"),
		hit("quota", 15*day+10*time.Minute, 2, "principal=new"), hit("quota", 15*day+20*time.Minute, 3, "principal=old")}
	got := brief(s.Process(ms, Options{}))
	want := []string{`new_principal_scales "principal"="new", n=2 v=2 360h0m0s..360h10m0s`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fires (-want +got):\n%s", diff)
	}
}

// fireStore is a Baseline with a FireMemory, as the service's store is.
type fireStore struct {
	mapStore
	fires map[string]bool
}

func (s fireStore) Fired(tenant, rule, key string, t time.Time) bool {
	return s.fires[tenant+"|"+rule+"|"+key+"|"+t.String()]
}

func (s fireStore) NoteFire(tenant, rule, key string, t time.Time) {
	s.fires[tenant+"|"+rule+"|"+key+"|"+t.String()] = true
}

// TestFirstSeenReplayed runs a sign-in followed by compute in a region new
// to the identity as a service hunts it in cycles: the compute in one
// cycle, the sign-in (exported later, from earlier) in the next with the
// compute read again (Set.Carry). The first_seen fired in the first cycle
// and the key is now seen: it fires again on the same record only through
// FireMemory, and only on the record it fired on.
func TestFirstSeenReplayed(t *testing.T) {
	t.Parallel()
	s := compile(t, correlation("New place", "type: first_seen", "rules: [compute]", "group-by: [principal, region]", "timespan: 90d", "learning: none")+"---\n"+
		correlation("Risky then new place", "type: temporal_ordered", "rules: [signin, new_place]", "group-by: [principal]", "timespan: 2h"),
		"compute", "signin")
	if !s.Carry("compute") || !s.Carry("signin") || s.Reach() != 2*time.Hour {
		t.Fatalf("Carry(compute) %v, Carry(signin) %v, Reach %v: want both carried, 2h", s.Carry("compute"), s.Carry("signin"), s.Reach())
	}
	usual := hit("compute", -10*day, 0, "principal=p", "region=eastus")
	first := []Match{usual, hit("compute", 2*time.Hour, 1, "principal=p", "region=westus"), hit("compute", 3*time.Hour, 2, "principal=p", "region=westus")}
	signin := hit("signin", time.Hour, 3, "principal=p")
	// The second cycle reads every carried compute again, the usual
	// region's and the second westus one too, which never fired.
	second := []Match{signin, first[1], first[2], hit("compute", 90*time.Minute, 4, "principal=p", "region=eastus")}
	want := []string{`risky_then_new_place "principal"="p", n=2 v=2 1h0m0s..2h0m0s`}
	t.Run("with a fire memory", func(t *testing.T) {
		t.Parallel()
		store := fireStore{mapStore{}, map[string]bool{}}
		if got := brief(s.Process(first, Options{Store: store})); len(got) != 0 {
			t.Fatalf("first cycle: %v, want no fire (no sign-in yet)", got)
		}
		got := brief(s.Process(second, Options{Store: store}))
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("second cycle (-want +got):\n%s", diff)
		}
	})
	t.Run("in one hunt, no memory needed", func(t *testing.T) {
		t.Parallel()
		got := brief(s.Process(join(first, []Match{signin}), Options{}))
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("without one the pair is lost", func(t *testing.T) {
		t.Parallel()
		store := mapStore{}
		s.Process(first, Options{Store: store})
		if got := brief(s.Process(second, Options{Store: store})); len(got) != 0 {
			t.Errorf("second cycle: %v, want nothing: the Baseline alone has seen the region", got)
		}
	})
	t.Run("learning none fires from the first record, whatever the hunt's baseline", func(t *testing.T) {
		t.Parallel()
		got := brief(s.Process([]Match{signin, first[1]}, Options{Baseline: 14 * day}))
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
}

// TestFirstSeenMemory checks that the in-memory baseline forgets keys
// older than the window: a key a day over 200 days keeps about 14.
func TestFirstSeenMemory(t *testing.T) {
	t.Parallel()
	s := compile(t, correlation("New principal", "type: first_seen", "rules: [compute]", "group-by: [principal]"), "compute")
	store := NewMemoryBaseline()
	st := s.Stream(Options{Store: store})
	fires, most := 0, 0
	for i := range 200 * 24 {
		fires += len(st.Add(hit("compute", time.Duration(i)*time.Hour, i, "principal=p"+strconv.Itoa(i/24))))
		most = max(most, store.Len())
	}
	// 14 days of keys plus a quarter window before pruning, plus today.
	if most > 14+4+1 {
		t.Errorf("baseline held %d keys, want at most 19", most)
	}
	if fires != 200-14 {
		t.Errorf("%d fires, want one per day after the learning period: %d", fires, 200-14)
	}
}
