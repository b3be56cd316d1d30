package correlate

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
)

// processParts is Process with the set split into n parts, each part's
// stream given only the matches its correlations read, as the engine
// feeds them: the fires must be the whole set's. As the engine does, it
// tells the streams where each tenant's data starts (Split asks it)
// unless opt does: its first match, where Process starts it.
func processParts(s *Set, ms []Match, opt Options, n int, weight func(string) int) ([]Fire, int) {
	order := slices.Clone(ms)
	slices.SortStableFunc(order, func(a, b Match) int {
		return cmp.Or(a.Time.Compare(b.Time), cmp.Compare(a.Tenant, b.Tenant),
			cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.RuleID, b.RuleID), cmp.Compare(a.Ref, b.Ref))
	})
	if opt.TenantStart == nil && opt.DataStart.IsZero() {
		opt.TenantStart = map[string]time.Time{}
		for _, m := range order {
			if _, ok := opt.TenantStart[m.Tenant]; !ok {
				opt.TenantStart[m.Tenant] = m.Time
			}
		}
	}
	parts := s.Split(n, weight)
	var out []Fire
	for _, p := range parts {
		st := p.Stream(opt)
		for _, m := range order {
			if p.Uses(m.Rule) || m.RuleID != "" && p.Uses(m.RuleID) {
				out = append(out, st.Add(m)...)
			}
		}
		out = append(out, st.Flush()...)
	}
	SortFires(out)
	return out, len(parts)
}

func TestSplitGivesTheFiresOfTheWhole(t *testing.T) {
	t.Parallel()
	s := compile(t, mixed+sharedIdentity, "a", "b", "c")
	ms := randomMatches(5, 3000)
	for _, opt := range []Options{{}, {Baseline: 20 * time.Minute}} {
		want := s.Process(ms, opt)
		for _, n := range []int{2, 3, 16} {
			for name, w := range map[string]func(string) int{
				"even":   func(string) int { return 1 },
				"skewed": func(r string) int { return map[string]int{"a": 1000, "c": 10}[r] },
			} {
				got, parts := processParts(s, ms, opt, n, w)
				if parts < 2 {
					t.Fatalf("%d parts asked, %s weights: the set was not split", n, name)
				}
				if diff := gocmp.Diff(want, got); diff != "" {
					t.Errorf("%d parts, %s weights (-whole +parts):\n%s", n, name, diff)
				}
			}
		}
	}
}

// TestSplitLearnsFromTheTenantsStart: a first_seen correlation whose
// rule first matches after another correlation's rule did learns from
// the tenant's first match, not its own part's: a key new past the
// learning window fires in parts as in the whole set.
func TestSplitLearnsFromTheTenantsStart(t *testing.T) {
	t.Parallel()
	s := compile(t, `title: Count
name: count
correlation: {type: event_count, rules: [a], group-by: [k], timespan: 10m, condition: {gte: 1}}
---
title: New
name: new
correlation: {type: first_seen, rules: [b], group-by: [k], timespan: 1h}
`, "a", "b")
	ms := []Match{hit("a", 0, 0, "k=x"), hit("b", 2*time.Hour, 1, "k=y")}
	want := s.Process(ms, Options{})
	if len(want) != 2 {
		t.Fatalf("whole set: %v, want the count's fire and the new key's", brief(want))
	}
	got, parts := processParts(s, ms, Options{}, 2, func(string) int { return 1 })
	if parts != 2 {
		t.Fatalf("%d parts, want 2", parts)
	}
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("parts (-whole +parts):\n%s", diff)
	}
}

// sharedIdentity are two first_seen correlations of one id (and so one
// baseline namespace) but different names: a key one learns, the other
// has seen.
const sharedIdentity = `---
title: Same identity A
name: ida
id: shared
correlation: {type: first_seen, rules: [a], group-by: [k], timespan: 5m}
---
title: Same identity B
name: idb
id: shared
correlation: {type: first_seen, rules: [b], group-by: [k], timespan: 5m}
`

// TestSplitKeepsTiedCorrelationsTogether: a correlation chained on
// another, and two sharing an identity (first_seen's baseline namespace),
// must be streamed by one part.
func TestSplitKeepsTiedCorrelationsTogether(t *testing.T) {
	t.Parallel()
	s := compile(t, mixed+sharedIdentity, "a", "b", "c")
	parts := s.Split(16, func(string) int { return 1 })
	partOf := map[string]int{}
	for i, p := range parts {
		for _, c := range p.corrs {
			for _, in := range c.inputs {
				for _, d := range in.dets {
					for _, x := range p.byRule[d.Name] {
						if x == in {
							partOf[cmp.Or(c.rule.Name, c.rule.Title)] = i
						}
					}
				}
			}
		}
	}
	if partOf["count"] != partOf["together"] {
		t.Errorf("count in part %d, together in %d: chained (on both) must share one", partOf["count"], partOf["together"])
	}
	if partOf["ida"] != partOf["idb"] {
		t.Errorf("two correlations of one identity in parts %d and %d", partOf["ida"], partOf["idb"])
	}
	if len(parts) < 3 {
		t.Errorf("%d parts for independent correlations: want them spread", len(parts))
	}
}

func TestBaselineKeyQuotesAsStrconv(t *testing.T) {
	t.Parallel()
	for _, vals := range [][]string{
		{"eastus", "vm"}, {"", ""}, {`a"b`, `c\d`}, {"tab\there", "del\x7f"}, {"日本", "\xff"}, {"a,b", "c"},
	} {
		quoted := make([]string, len(vals))
		for i, v := range vals {
			quoted[i] = strconv.Quote(v)
		}
		if got, want := BaselineKey(vals...), strings.Join(quoted, ","); got != want {
			t.Errorf("BaselineKey(%q) = %s, want %s", vals, got, want)
		}
	}
	if got := BaselineKey("only"); got != "only" {
		t.Errorf("one value: %q", got)
	}
}

// TestNamesAndValuesAreFields: matches giving their fields as names and
// values fire as with a map.
func TestNamesAndValuesAreFields(t *testing.T) {
	t.Parallel()
	s := compile(t, mixed, "a", "b", "c")
	ms := randomMatches(13, 1500)
	want := s.Process(ms, Options{})
	for i := range ms {
		m := &ms[i]
		for _, n := range slices.Sorted(maps.Keys(m.Fields)) {
			m.Names, m.Values = append(m.Names, n), append(m.Values, m.Fields[n])
		}
		m.Names = append(m.Names, "absent")
		m.Values = append(m.Values, nil)
		m.Fields = nil
	}
	if diff := gocmp.Diff(want, s.Process(ms, Options{})); diff != "" {
		t.Errorf("names and values (-map +names):\n%s", diff)
	}
}
