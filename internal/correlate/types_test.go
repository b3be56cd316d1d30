package correlate

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

const m = time.Minute

type typeCase struct {
	name    string
	section []string // correlation section lines
	ms      []Match
	want    []string // brief(fires)
}

func runTypeCases(t *testing.T, tests []typeCase, stubs ...string) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := compile(t, correlation("Corr", tc.section...), stubs...)
			got := brief(s.Process(tc.ms, Options{}))
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("fires (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEventCount(t *testing.T) {
	t.Parallel()
	gte5 := []string{"type: event_count", "rules: [fail]", "group-by: [host]", "timespan: 1h", "condition:", "    gte: 5"}
	runTypeCases(t, []typeCase{
		{name: "a burst of ten failures on one host is one fire with all ten", section: gte5,
			ms:   burst("fail", 0, m, 10, 0, "host=h1"),
			want: []string{`corr "host"="h1", n=10 v=10 0s..9m0s`}},
		{name: "four failures stay quiet", section: gte5,
			ms: burst("fail", 0, m, 4, 0, "host=h1")},
		{name: "five failures spanning exactly the timespan fire", section: gte5,
			ms:   burst("fail", 0, 15*m, 5, 0, "host=h1"),
			want: []string{`corr "host"="h1", n=5 v=5 0s..1h0m0s`}},
		{name: "five failures spanning a second more than the timespan stay quiet", section: gte5,
			ms: join(burst("fail", 0, 15*m, 4, 0, "host=h1"), []Match{hit("fail", time.Hour+time.Second, 9, "host=h1")})},
		{name: "hosts are counted apart", section: gte5,
			ms: join(burst("fail", 0, m, 3, 0, "host=h1"), burst("fail", 0, m, 3, 10, "host=h2"))},
		{name: "a second burst after the incident fires again", section: gte5,
			ms:   join(burst("fail", 0, m, 5, 0, "host=h1"), burst("fail", 3*time.Hour, m, 5, 10, "host=h1")),
			want: []string{`corr "host"="h1", n=5 v=5 0s..4m0s`, `corr "host"="h1", n=5 v=5 3h0m0s..3h4m0s`}},
		{name: "matches during the incident join its fire, later ones need a fresh window", section: gte5,
			ms: join(burst("fail", 0, m, 5, 0, "host=h1"), burst("fail", 60*m, m, 3, 10, "host=h1"),
				burst("fail", 65*m, m, 4, 20, "host=h1")),
			want: []string{`corr "host"="h1", n=8 v=8 0s..1h2m0s`}},
		{name: "a match without the group field counts in the empty group", section: gte5,
			ms:   burst("fail", 0, m, 5, 0),
			want: []string{`corr "host"="", n=5 v=5 0s..4m0s`}},
		{name: "a multi-valued group field counts for each value", section: gte5,
			ms:   burst("fail", 0, m, 5, 0, "host=h1", "host=h2"),
			want: []string{`corr "host"="h1", n=5 v=5 0s..4m0s`, `corr "host"="h2", n=5 v=5 0s..4m0s`}},
		{name: "without group-by the tenant is one group",
			section: []string{"type: event_count", "rules: [fail]", "timespan: 1h", "condition: {gte: 3}"},
			ms:      []Match{hit("fail", 0, 0, "host=a"), hit("fail", m, 1, "host=b"), hit("fail", 2*m, 2, "host=c")},
			want:    []string{`corr  n=3 v=3 0s..2m0s`}},
		{name: "fewer than three is decided when the window closes",
			section: []string{"type: event_count", "rules: [fail]", "group-by: [host]", "timespan: 1h", "condition: {lt: 3}"},
			ms:      join(burst("fail", 0, 10*m, 2, 0, "host=h1"), burst("fail", 0, m, 5, 10, "host=h2")),
			want:    []string{`corr "host"="h1", n=2 v=2 0s..10m0s`}},
		{name: "a range fires inside and stays quiet above",
			section: []string{"type: event_count", "rules: [fail]", "group-by: [host]", "timespan: 1h", "condition: {gt: 2, lte: 4}"},
			ms:      join(burst("fail", 0, m, 3, 0, "host=h1"), burst("fail", 0, m, 6, 10, "host=h2")),
			want:    []string{`corr "host"="h1", n=3 v=3 0s..2m0s`}},
		{name: "neq is decided when the window closes",
			section: []string{"type: event_count", "rules: [fail]", "group-by: [host]", "timespan: 1h", "condition: {neq: 2}"},
			ms:      join(burst("fail", 0, m, 2, 0, "host=h1"), burst("fail", 0, m, 3, 10, "host=h2")),
			want:    []string{`corr "host"="h2", n=3 v=3 0s..2m0s`}},
		{name: "tenants never mix", section: gte5,
			ms: func() []Match {
				ms := burst("fail", 0, m, 6, 0, "host=h1")
				for i := range ms {
					ms[i].Tenant = []string{"t1", "t2"}[i%2]
				}
				return ms
			}()},
	}, "fail")
}

func TestValueCount(t *testing.T) {
	t.Parallel()
	users := []string{"type: value_count", "rules: [signin]", "group-by: [ip]", "timespan: 1h", "condition:", "    field: user", "    gte: 3"}
	runTypeCases(t, []typeCase{
		{name: "three distinct users from one address fire", section: users,
			ms: []Match{hit("signin", 0, 0, "ip=1.2.3.4", "user=a"), hit("signin", m, 1, "ip=1.2.3.4", "user=b"),
				hit("signin", 2*m, 2, "ip=1.2.3.4", "user=a"), hit("signin", 3*m, 3, "ip=1.2.3.4", "user=c")},
			want: []string{`corr "ip"="1.2.3.4", n=4 v=3 0s..3m0s`}},
		{name: "one user many times stays quiet", section: users,
			ms: burst("signin", 0, m, 10, 0, "ip=1.2.3.4", "user=a")},
		{name: "each value of a multi-valued field counts, a repeated one once", section: users,
			ms:   []Match{hit("signin", 0, 0, "ip=1.2.3.4", "user=a", "user=b", "user=a", "user=c")},
			want: []string{`corr "ip"="1.2.3.4", n=1 v=3 0s..0s`}},
		{name: "a match without the field adds no value", section: users,
			ms: []Match{hit("signin", 0, 0, "ip=1.2.3.4", "user=a"), hit("signin", m, 1, "ip=1.2.3.4"),
				hit("signin", 2*m, 2, "ip=1.2.3.4", "user=b")}},
		{name: "values spread over more than the timespan stay quiet", section: users,
			ms: []Match{hit("signin", 0, 0, "ip=1.2.3.4", "user=a"), hit("signin", 40*m, 1, "ip=1.2.3.4", "user=b"),
				hit("signin", 80*m, 2, "ip=1.2.3.4", "user=c")}},
		{name: "with several fields each must reach the count",
			section: []string{"type: value_count", "rules: [signin]", "group-by: [ip]", "timespan: 1h", "condition:", "    field: [user, app]", "    gte: 2"},
			ms: []Match{hit("signin", 0, 0, "ip=1.2.3.4", "user=a", "app=x"), hit("signin", m, 1, "ip=1.2.3.4", "user=b", "app=x"),
				hit("signin", 2*m, 2, "ip=1.2.3.4", "user=c", "app=y")},
			want: []string{`corr "ip"="1.2.3.4", n=3 v=2 0s..2m0s`}},
	}, "signin")
}

func TestValueMetrics(t *testing.T) {
	t.Parallel()
	sum := []string{"type: value_sum", "rules: [upload]", "group-by: [user]", "timespan: 1h", "condition:", "    field: bytes", "    gt: 1000"}
	avg := []string{"type: value_avg", "rules: [upload]", "group-by: [user]", "timespan: 1h", "condition:", "    field: bytes", "    gt: 500"}
	p90 := []string{"type: value_percentile", "rules: [upload]", "group-by: [user]", "timespan: 1h", "condition:", "    field: bytes", "    percentile: 90", "    gte: 1000"}
	values := func(vs ...string) []Match {
		out := make([]Match, len(vs))
		for i, v := range vs {
			out[i] = hit("upload", time.Duration(i)*m, i, "user=u", "bytes="+v)
		}
		return out
	}
	runTypeCases(t, []typeCase{
		{name: "a sum over the limit fires", section: sum, ms: values("600", "500"),
			want: []string{`corr "user"="u", n=2 v=1100 0s..1m0s`}},
		{name: "a sum under the limit stays quiet, text is not a number", section: sum, ms: values("600", "lots", "")},
		{name: "a sum spread over more than the timespan stays quiet", section: sum,
			ms: []Match{hit("upload", 0, 0, "user=u", "bytes=600"), hit("upload", 2*time.Hour, 1, "user=u", "bytes=600")}},
		{name: "an average over the limit fires when the window closes", section: avg, ms: values("600", "700"),
			want: []string{`corr "user"="u", n=2 v=650 0s..1m0s`}},
		{name: "one large value does not lift a low average", section: avg, ms: values("900", "100")},
		{name: "an average of nothing stays quiet", section: avg, ms: values("n/a")},
		{name: "a 90th percentile at the limit fires", section: p90,
			ms:   values("100", "200", "300", "400", "500", "600", "700", "800", "1000", "2000"),
			want: []string{`corr "user"="u", n=10 v=1000 0s..9m0s`}},
		{name: "a 90th percentile under the limit stays quiet", section: p90,
			ms: values("100", "200", "300", "400", "500", "600", "700", "800", "900", "5000")},
	}, "upload")
}

func TestTemporal(t *testing.T) {
	t.Parallel()
	unordered := []string{"type: temporal", "rules: [a, b, c]", "group-by: [user]", "timespan: 5m"}
	ordered := []string{"type: temporal_ordered", "rules: [a, b, c]", "group-by: [user]", "timespan: 5m"}
	seq := func(steps ...any) []Match { // rule, offset pairs, user u
		var out []Match
		for i := 0; i+1 < len(steps); i += 2 {
			out = append(out, hit(steps[i].(string), steps[i+1].(time.Duration), i/2, "user=u"))
		}
		return out
	}
	runTypeCases(t, []typeCase{
		{name: "all three in any order within the timespan fire", section: unordered,
			ms:   seq("c", time.Duration(0), "a", m, "b", 2*m),
			want: []string{`corr "user"="u", n=3 v=3 0s..2m0s`}},
		{name: "two of three stay quiet", section: unordered, ms: seq("a", time.Duration(0), "b", m)},
		{name: "three spread over six minutes stay quiet", section: unordered, ms: seq("a", time.Duration(0), "b", 3*m, "c", 6*m)},
		{name: "different users stay apart", section: unordered,
			ms: []Match{hit("a", 0, 0, "user=u1"), hit("b", m, 1, "user=u1"), hit("c", 2*m, 2, "user=u2")}},
		{name: "a condition of two rules fires on two",
			section: []string{"type: temporal", "rules: [a, b, c]", "group-by: [user]", "timespan: 5m", "condition: {gte: 2}"},
			ms:      seq("a", time.Duration(0), "c", m),
			want:    []string{`corr "user"="u", n=2 v=2 0s..1m0s`}},
		{name: "ordered rules in order fire", section: ordered,
			ms:   seq("a", time.Duration(0), "b", m, "c", 2*m),
			want: []string{`corr "user"="u", n=3 v=3 0s..2m0s`}},
		{name: "ordered rules in reverse order stay quiet", section: ordered, ms: seq("c", time.Duration(0), "b", m, "a", 2*m)},
		{name: "ordered rules with two swapped stay quiet", section: ordered, ms: seq("a", time.Duration(0), "c", m, "b", 2*m)},
		{name: "a b before any a is skipped, a later b completes the order", section: ordered,
			ms:   seq("b", time.Duration(0), "a", m, "b", 2*m, "c", 3*m),
			want: []string{`corr "user"="u", n=4 v=3 0s..3m0s`}},
		{name: "a late first rule does not shorten an earlier chain", section: ordered,
			ms: seq("a", time.Duration(0), "b", 4*m, "a", 5*m, "c", 6*m)},
		{name: "in order but a second beyond the timespan stays quiet", section: ordered,
			ms: seq("a", time.Duration(0), "b", 3*m, "c", 5*m+time.Second)},
	}, "a", "b", "c")
}

// TestTemporalOrderedTies feeds equal-time matches in every order: ties
// count as in order whichever arrives first.
func TestTemporalOrderedTies(t *testing.T) {
	t.Parallel()
	s := compile(t, correlation("Corr", "type: temporal_ordered", "rules: [a, b, c]", "group-by: [user]", "timespan: 5m"), "a", "b", "c")
	perms := [][]string{{"a", "b", "c"}, {"a", "c", "b"}, {"b", "a", "c"}, {"b", "c", "a"}, {"c", "a", "b"}, {"c", "b", "a"}}
	for _, p := range perms {
		st := s.Stream(Options{})
		var got []Fire
		for i, r := range p {
			got = append(got, st.Add(hit(r, m, i, "user=u"))...)
		}
		got = append(got, st.Flush()...)
		if len(got) != 1 || got[0].Count != 3 {
			t.Errorf("order %v: fires %v, want one of three matches", p, brief(got))
		}
	}
}

// TestFireContent checks every field of a fire once.
func TestFireContent(t *testing.T) {
	t.Parallel()
	s := compile(t, "id: 6d2c6f5e-0000-4000-8000-000000000001\n"+
		correlation("Burst", "type: event_count", "rules: [fail]", "group-by: [host]", "timespan: 1h", "condition: {gte: 3}"), "fail")
	ms := burst("fail", 0, time.Second, 300, 1000, "host=h1")
	got := s.Process(ms, Options{})
	wantMembers := make([]int, 200)
	for i := range wantMembers {
		wantMembers[i] = 1000 + i
	}
	want := []Fire{{
		Rule: "burst", RuleID: "6d2c6f5e-0000-4000-8000-000000000001", Title: "Burst", Level: "high",
		Tags: []string{"attack.impact"}, Type: "event_count", Tenant: "t1",
		Time: t0, LastTime: t0.Add(299 * time.Second), GroupKey: map[string]string{"host": "h1"},
		Members: wantMembers, Count: 300, Value: 300,
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fire (-want +got):\n%s", diff)
	}
	small := s.Process(ms, Options{MaxMembers: 5})
	if len(small) != 1 || !slices.Equal(small[0].Members, []int{1000, 1001, 1002, 1003, 1004}) || small[0].Count != 300 {
		t.Errorf("MaxMembers 5: %v members %v", brief(small), small[0].Members)
	}
}

// TestFireFields checks that a value correlation's fire names the fields
// its value aggregates (alert summaries say "distinct values of …").
func TestFireFields(t *testing.T) {
	t.Parallel()
	s := compile(t, "id: 6d2c6f5e-0000-4000-8000-000000000002\n"+
		correlation("Spread", "type: value_count", "rules: [signin]", "group-by: [ip]", "timespan: 1h",
			"condition:", "    field: [user, app]", "    gte: 2"), "signin")
	got := s.Process([]Match{hit("signin", 0, 0, "ip=1.2.3.4", "user=a", "app=x"), hit("signin", m, 1, "ip=1.2.3.4", "user=b", "app=y")}, Options{})
	if len(got) != 1 || !slices.Equal(got[0].Fields, []string{"user", "app"}) {
		t.Fatalf("fires %v, want one naming fields [user app]", brief(got))
	}
}
