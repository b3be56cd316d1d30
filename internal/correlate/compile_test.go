package correlate

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/sigma"
)

func TestCompileRefuses(t *testing.T) {
	t.Parallel()
	ec := func(lines ...string) string {
		return correlation("Bad one", append([]string{"type: event_count", "rules: [a]", "group-by: [host]"}, lines...)...)
	}
	tests := []struct {
		name    string
		doc     string
		feature string // UnsupportedError feature; "" for a RuleError
		msg     string // part of the message
	}{
		{name: "unknown rule reference names the rule and the reference",
			doc: correlation("Bad one", "type: event_count", "rules: [a, nope]", "timespan: 1h", "condition: {gte: 2}"), msg: `unknown rule "nope"`},
		{name: "timespan with two units", doc: ec("timespan: 1h30", "condition: {gte: 2}"), msg: `timespan "1h30"`},
		{name: "timespan of zero", doc: ec("timespan: 0m", "condition: {gte: 2}"), msg: "greater than zero"},
		{name: "learning of another type", doc: ec("timespan: 1h", "learning: 1h", "condition: {gte: 2}"), msg: "learning is a first_seen correlation's"},
		{name: "learning longer than the timespan", doc: correlation("Bad one", "type: first_seen", "rules: [a]", "group-by: [host]", "timespan: 1d", "learning: 2d"),
			msg: "longer than the timespan"},
		{name: "learning neither none nor a timespan", doc: correlation("Bad one", "type: first_seen", "rules: [a]", "group-by: [host]", "learning: never"),
			msg: `learning: timespan "never"`},
		{name: "learning none of another type", doc: ec("timespan: 1h", "learning: none", "condition: {gte: 2}"), msg: "learning is a first_seen correlation's"},
		{name: "timespan in months", doc: ec("timespan: 1M", "condition: {gte: 2}"), msg: `timespan "1M"`},
		{name: "timespan beyond a century", doc: ec("timespan: 99999w", "condition: {gte: 2}"), msg: "100 years"},
		{name: "timespan as a number", doc: ec("timespan: 60", "condition: {gte: 2}"), msg: `timespan "60"`},
		{name: "missing timespan", doc: ec("condition: {gte: 2}"), msg: "no timespan"},
		{name: "missing condition", doc: ec("timespan: 1h"), msg: "needs a condition"},
		{name: "missing type", doc: correlation("Bad one", "rules: [a]", "timespan: 1h", "condition: {gte: 1}"), msg: "no type"},
		{name: "missing rules", doc: correlation("Bad one", "type: event_count", "timespan: 1h", "condition: {gte: 1}"), msg: "correlation rules"},
		{name: "condition without a comparison",
			doc: correlation("Bad one", "type: value_count", "rules: [a]", "timespan: 1h", "condition: {field: user}"), msg: "no comparison"},
		{name: "condition with an unknown key", doc: ec("timespan: 1h", "condition: {gtee: 2}"), msg: `unknown key "gtee"`},
		{name: "condition threshold in words", doc: ec("timespan: 1h", "condition: {gte: many}"), msg: "number"},
		{name: "value_count without field",
			doc: correlation("Bad one", "type: value_count", "rules: [a]", "timespan: 1h", "condition: {gte: 2}"), msg: "needs condition.field"},
		{name: "event_count with a field", doc: ec("timespan: 1h", "condition: {gte: 2, field: user}"), msg: "takes no field"},
		{name: "field both in condition and section", doc: ec("timespan: 1h", "field: x", "condition: {gte: 2, field: user}"), msg: "both"},
		{name: "unknown type", doc: correlation("Bad one", "type: event_rate", "rules: [a]", "timespan: 1h"), feature: "correlation type"},
		{name: "pySigma's value_median", doc: correlation("Bad one", "type: value_median", "rules: [a]", "timespan: 1h", "condition: {gte: 1, field: x}"), feature: "correlation type"},
		{name: "extended condition",
			doc: correlation("Bad one", "type: temporal", "rules: [a, b]", "timespan: 1h", "condition: a and not b"), feature: "extended correlation condition"},
		{name: "ordered condition short of all rules",
			doc: correlation("Bad one", "type: temporal_ordered", "rules: [a, b, c]", "timespan: 1h", "condition: {gte: 2}"), feature: "temporal_ordered condition other than all rules"},
		{name: "unknown correlation key", doc: ec("timespan: 1h", "condition: {gte: 2}", "ordered: true"), feature: "correlation key"},
		{name: "several fields for a sum",
			doc: correlation("Bad one", "type: value_sum", "rules: [a]", "timespan: 1h", "condition: {gt: 1, field: [x, y]}"), feature: "several value fields"},
		{name: "generate not a boolean", doc: ec("timespan: 1h", "condition: {gte: 2}", "generate: yes please"), msg: "generate"},
		{name: "percentile over a hundred",
			doc: correlation("Bad one", "type: value_percentile", "rules: [a]", "timespan: 1h", "condition: {gt: 1, field: x, percentile: 120}"), msg: "between 0 and 100"},
		{name: "percentile on a count", doc: ec("timespan: 1h", "condition: {gte: 2, percentile: 50}"), msg: "only to value_percentile"},
		{name: "first_seen without group-by", doc: correlation("Bad one", "type: first_seen", "rules: [a]"), msg: "needs a group-by"},
		{name: "first_seen with a condition",
			doc: correlation("Bad one", "type: first_seen", "rules: [a]", "group-by: [p]", "condition: {gte: 1}"), msg: "takes no condition"},
		{name: "temporal condition beyond its rules",
			doc: correlation("Bad one", "type: temporal", "rules: [a, b]", "timespan: 1h", "condition: {gte: 3}"), msg: "can never be met"},
		{name: "temporal of one rule", doc: correlation("Bad one", "type: temporal", "rules: [a]", "timespan: 1h"), msg: "at least two"},
		{name: "the same rule by name and id", doc: ec("timespan: 1h", "condition: {gte: 2}", "rules: [a, id-a]"), msg: "rules"},
		{name: "a rule listed twice", doc: correlation("Bad one", "type: temporal", "rules: [a, a]", "timespan: 1h"), msg: "listed twice"},
		{name: "alias for a rule not referenced",
			doc: correlation("Bad one", "type: temporal", "rules: [a, b]", "group-by: [ip]", "timespan: 1h",
				"aliases:", "    ip:", "        a: source.ip", "        c: destination.ip"), msg: `"c" is not one of`},
		{name: "alias missing a rule",
			doc: correlation("Bad one", "type: temporal", "rules: [a, b]", "group-by: [ip]", "timespan: 1h",
				"aliases:", "    ip:", "        a: source.ip"), msg: `gives no field for rule "b"`},
		{name: "group-by not a list", doc: ec("timespan: 1h", "condition: {gte: 2}", "group-by: {a: b}"), msg: "group-by"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			corrs, dets := parse(t, tc.doc, "a", "b", "c")
			s, err := Compile(corrs, dets)
			if err == nil {
				t.Fatalf("compiled: %s", s)
			}
			if !strings.Contains(err.Error(), `"Bad one"`) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not name the rule and %q", err, tc.msg)
			}
			var ue *sigma.UnsupportedError
			var re *sigma.RuleError
			switch {
			case tc.feature != "" && (!errors.As(err, &ue) || ue.Feature != tc.feature):
				t.Errorf("error %v, want unsupported %q", err, tc.feature)
			case tc.feature == "" && !errors.As(err, &re):
				t.Errorf("error %T %v, want a *sigma.RuleError", err, err)
			}
			if len(s.Rules()) != 0 {
				t.Errorf("the bad correlation is in the set")
			}
		})
	}
}

// TestCompileChains checks references between correlations: loops and
// failures spread along chains; the good rules of a file still compile.
func TestCompileChains(t *testing.T) {
	t.Parallel()
	inner := correlation("Inner", "type: event_count", "rules: [a]", "group-by: [user]", "timespan: 1h", "condition: {gte: 2}")
	tests := []struct {
		name string
		doc  string
		ok   []string // correlations that compile
		msgs []string
	}{
		{name: "a loop fails every member",
			doc: correlation("One", "type: temporal", "rules: [two, b]", "timespan: 1h") + "---\n" +
				correlation("Two", "type: temporal", "rules: [one, b]", "timespan: 1h"),
			msgs: []string{"loops", "did not compile"}},
		{name: "a correlation on itself loops",
			doc:  correlation("One", "type: temporal", "rules: [one, b]", "timespan: 1h"),
			msgs: []string{"loops"}},
		{name: "chained on a failed rule fails",
			doc: correlation("Inner", "type: event_count", "rules: [a]", "timespan: 1h") + "---\n" +
				correlation("Outer", "type: temporal", "rules: [inner, b]", "timespan: 1h"),
			msgs: []string{"needs a condition", `"inner" did not compile`}},
		{name: "reading a field the inner fire does not carry fails",
			doc:  inner + "---\n" + correlation("Outer", "type: temporal", "rules: [inner, b]", "group-by: [host]", "timespan: 1h"),
			ok:   []string{"inner"},
			msgs: []string{`reads field "host" from correlation "inner"`}},
		{name: "an alias onto the inner group-by compiles",
			doc: inner + "---\n" + correlation("Outer", "type: temporal", "rules: [inner, b]", "group-by: [who]", "timespan: 1h",
				"aliases:", "    who:", "        inner: user", "        b: principal.id"),
			ok: []string{"inner", "outer"}},
		{name: "a good rule beside a bad one compiles",
			doc:  inner + "---\n" + correlation("Bad", "type: event_count", "rules: [zzz]", "timespan: 1h", "condition: {gte: 1}"),
			ok:   []string{"inner"},
			msgs: []string{`unknown rule "zzz"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			corrs, dets := parse(t, tc.doc, "a", "b")
			s, err := Compile(corrs, dets)
			var got []string
			for _, r := range s.Rules() {
				got = append(got, r.Name)
			}
			if strings.Join(got, ",") != strings.Join(tc.ok, ",") {
				t.Errorf("compiled %v, want %v", got, tc.ok)
			}
			for _, msg := range tc.msgs {
				if err == nil || !strings.Contains(err.Error(), msg) {
					t.Errorf("error %v, want %q", err, msg)
				}
			}
			if len(tc.msgs) == 0 && err != nil {
				t.Errorf("error %v", err)
			}
		})
	}
}

func TestParseTimespan(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"30s", 30 * time.Second, true}, {"90m", 90 * time.Minute, true}, {"1h", time.Hour, true},
		{"14d", 14 * 24 * time.Hour, true}, {"2w", 14 * 24 * time.Hour, true},
		{"", 0, false}, {"h", 0, false}, {"1", 0, false}, {"-1h", 0, false}, {"+1h", 0, false}, {"1H", 0, false},
		{"1.5h", 0, false}, {" 1h", 0, false}, {"0d", 0, false}, {"99999999999999999999s", 0, false}, {"1y", 0, false},
	}
	for _, tc := range tests {
		got, err := ParseTimespan(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseTimespan(%q) = %v, %v; want %v ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

// TestGenerate checks which rules stay silent: those referenced by a
// correlation that does not generate, Sigma's default, correlations
// chained on too (an inner correlation is no alert of its own, nor a rule
// the evaluation should find unmeasured).
func TestGenerate(t *testing.T) {
	t.Parallel()
	section := []string{"type: event_count", "rules: [a]", "group-by: [user]", "timespan: 1h", "condition: {gte: 2}"}
	tests := []struct {
		name   string
		doc    string
		silent map[string]bool
		fires  int // fires of two matches of a by one user
	}{
		{name: "by default the referenced rule is silent", doc: correlation("C", section...),
			silent: map[string]bool{"a": true, "id-a": true, "b": false, "c": false}, fires: 1},
		{name: "generate true in the section keeps its alerts", doc: correlation("C", append(section, "generate: true")...),
			silent: map[string]bool{"a": false}, fires: 1},
		{name: "generate true at the top level keeps its alerts", doc: "generate: true\n" + correlation("C", section...),
			silent: map[string]bool{"a": false}, fires: 1},
		{name: "one silencing correlation is enough",
			doc:    correlation("C", append(section, "generate: true")...) + "---\n" + correlation("D", section...),
			silent: map[string]bool{"a": true}, fires: 2},
		{name: "a chained correlation that does not generate silences the inner one",
			doc:    correlation("C", section...) + "---\n" + correlation("Outer", "type: temporal", "rules: [c, b]", "group-by: [user]", "timespan: 1h"),
			silent: map[string]bool{"a": true, "b": true, "c": true}, fires: 0},
		{name: "a chained correlation that generates lets the inner one fire",
			doc:    correlation("C", section...) + "---\n" + correlation("Outer", "type: temporal", "rules: [c, b]", "group-by: [user]", "timespan: 1h", "generate: true"),
			silent: map[string]bool{"a": true, "b": false, "c": false}, fires: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := compile(t, tc.doc, "a", "b")
			for rule, want := range tc.silent {
				if s.Silent(rule) != want {
					t.Errorf("Silent(%q) = %v, want %v", rule, !want, want)
				}
			}
			fs := s.Process(burst("a", 0, time.Minute, 2, 0, "user=u"), Options{})
			if len(fs) != tc.fires {
				t.Errorf("fires %v, want %d", brief(fs), tc.fires)
			}
		})
	}
}

// TestCarry checks what a service hunting in cycles must read again: the
// rules windowed correlations read, back as far as a chain reaches;
// first_seen alone reads none (its memory is the Baseline), one chained
// into a window has its rules read again (it fires again, FireMemory) and
// adds no reach of its own.
func TestCarry(t *testing.T) {
	t.Parallel()
	count := correlation("C", "type: event_count", "rules: [a]", "group-by: [user]", "timespan: 1h", "condition: {gte: 2}")
	seen := correlation("F", "type: first_seen", "rules: [b]", "group-by: [user]")
	chain := correlation("Outer", "type: temporal", "rules: [c, d]", "group-by: [user]", "timespan: 2h")
	tests := []struct {
		name  string
		doc   string
		carry map[string]bool
		reach time.Duration
	}{
		{"a count window", count, map[string]bool{"a": true, "id-a": true, "b": false}, time.Hour},
		{"first_seen alone", seen, map[string]bool{"b": false}, 0},
		{"a chain reaches through its inner window", count + "---\n" + chain, map[string]bool{"a": true, "d": true, "b": false}, 3 * time.Hour},
		{"a first_seen chained into a window is read again", seen + "---\n" +
			correlation("Outer", "type: temporal", "rules: [f, d]", "group-by: [user]", "timespan: 2h"),
			map[string]bool{"b": true, "id-b": true, "d": true, "a": false}, 2 * time.Hour},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := compile(t, tc.doc, "a", "b", "d")
			for rule, want := range tc.carry {
				if s.Carry(rule) != want {
					t.Errorf("Carry(%q) = %v, want %v", rule, !want, want)
				}
			}
			if s.Reach() != tc.reach {
				t.Errorf("Reach() = %v, want %v", s.Reach(), tc.reach)
			}
		})
	}
}

func TestFirstSeenWindow(t *testing.T) {
	t.Parallel()
	seen := correlation("F", "type: first_seen", "rules: [a, b]", "group-by: [user]", "timespan: 3d")
	other := correlation("G", "type: first_seen", "rules: [b]", "group-by: [host]", "timespan: 1d")
	plain := correlation("H", "type: first_seen", "rules: [e]", "group-by: [user]")
	count := correlation("C", "type: event_count", "rules: [a]", "group-by: [user]", "timespan: 1h", "condition: {gte: 2}")
	chain := correlation("Outer", "type: temporal", "rules: [k, d]", "group-by: [user]", "timespan: 2h")
	s := compile(t, seen+"---\n"+other+"---\n"+plain+"---\n"+count+"---\n"+correlation("F2", "type: first_seen", "rules: [d]", "group-by: [user]", "timespan: 2d")+"---\n"+chain, "a", "b", "d", "e", "k", "x")
	day := 24 * time.Hour
	for _, c := range []struct {
		rule string
		want time.Duration
		ok   bool
	}{
		{"b", day, true},             // the shorter of its two first_seen
		{"id-b", day, true},          // by id too
		{"e", defaultBaseline, true}, // the default window
		{"a", 0, false},              // an event_count reads it too
		{"d", 0, false},              // a temporal correlation reads it too
		{"x", 0, false},              // no correlation reads it
	} {
		w, ok := s.FirstSeenWindow(c.rule)
		if w != c.want || ok != c.ok {
			t.Errorf("FirstSeenWindow(%q) = %v, %v; want %v, %v", c.rule, w, ok, c.want, c.ok)
		}
	}
}

// TestSumWindow: the longest window of the value_sum correlations on a
// field, aliased or not; averages and counts of it, and sums of other
// fields, are no sum of it.
func TestSumWindow(t *testing.T) {
	t.Parallel()
	hour := correlation("HourSum", "type: value_sum", "rules: [a]", "group-by: [user]", "timespan: 1h", "condition: {field: n, gte: 40}")
	day := correlation("DaySum", "type: value_sum", "rules: [b]", "group-by: [user]", "timespan: 1d", "condition: {field: m, gte: 9}",
		"aliases: {m: {b: n}}")
	avg := correlation("Average", "type: value_avg", "rules: [a]", "group-by: [user]", "timespan: 1w", "condition: {field: n, gte: 4}")
	other := correlation("OtherSum", "type: value_sum", "rules: [a]", "group-by: [user]", "timespan: 2w", "condition: {field: x, gte: 4}")
	for _, tc := range []struct {
		name, doc string
		want      time.Duration
	}{
		{"one hour's sum", hour, time.Hour},
		{"a day's sum through an alias is longer", hour + "---\n" + day, 24 * time.Hour},
		{"an average and another field's sum are not it", hour + "---\n" + avg + "---\n" + other, time.Hour},
		{"none", avg, 0},
	} {
		if got := compile(t, tc.doc, "a", "b").SumWindow("n"); got != tc.want {
			t.Errorf("%s: SumWindow = %v, want %v", tc.name, got, tc.want)
		}
	}
}
