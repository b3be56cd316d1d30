package correlate

import (
	"cmp"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/sigma"
)

// FuzzCompile feeds arbitrary correlation files to Compile and runs what
// compiles over matches of every detection rule in the file: nothing may
// panic, errors name the rule, and fires are well formed.
func FuzzCompile(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "spec", "*.yml"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add(mixed + "---\n" + detection("a") + "---\n" + detection("b") + "---\n" + detection("c"))
	f.Add(correlation("X", "type: first_seen", "rules: [a]", "group-by: [k, j]") + "---\n" + detection("a"))
	f.Add(correlation("X", "type: temporal", "rules: [a, x]", "group-by: [k]", "timespan: 1s",
		"aliases: {k: {a: f, x: k}}") + "---\n" + correlation("Y", "type: event_count", "rules: [a]", "group-by: [k]",
		"timespan: 1s", "condition: {gt: -1, lt: 1e300}", "name: x") + "---\n" + detection("a"))
	f.Add("title: t\ncorrelation: &c {type: event_count, rules: *c, timespan: 1h}\n")
	// A first_seen that learns nothing, chained into a window (replays).
	f.Add(correlation("N", "type: first_seen", "rules: [a, b]", "group-by: [k, place]", "aliases: {place: {a: r, b: q}}",
		"timespan: 90d", "learning: none") + "---\n" + correlation("W", "type: temporal_ordered", "rules: [c, n]", "group-by: [k]",
		"timespan: 2h") + "---\n" + detection("a") + "---\n" + detection("b") + "---\n" + detection("c"))
	f.Fuzz(fuzzCompile)
}

// fuzzCompile is FuzzCompile's body: compile, then run what compiled.
func fuzzCompile(t *testing.T, text string) {
	rules, _ := sigma.Parse([]byte(text))
	var corrs, dets []*sigma.Rule
	for _, r := range rules {
		switch r.Kind {
		case sigma.KindCorrelation:
			corrs = append(corrs, r)
		case sigma.KindDetection:
			dets = append(dets, r)
		}
	}
	s, err := Compile(corrs, dets)
	if err != nil && !strings.Contains(err.Error(), "sigma rule") {
		t.Errorf("error does not name the rule: %v", err)
	}
	if len(s.Rules()) == 0 {
		return
	}
	var ms []Match
	for i, d := range dets {
		name := cmp.Or(d.Name, d.ID)
		for j := range 6 {
			m := Match{Rule: name, RuleID: d.ID, Time: t0.Add(time.Duration(i*7+j*j) * time.Minute), Tenant: "t", Ref: len(ms),
				Fields: map[string][]string{}}
			for _, f := range s.Needs(name) {
				m.Fields[f] = []string{strconv.Itoa(j % 3), "x"}
			}
			ms = append(ms, m)
		}
	}
	whole := s.Process(ms, Options{Baseline: time.Hour})
	for _, f := range whole {
		if f.Time.After(f.LastTime) || f.Count < 1 || len(f.Members) > DefaultMaxMembers {
			t.Errorf("malformed fire %+v", f)
		}
	}
	// Streams of the parts of a Split give the same fires.
	for _, n := range []int{2, 3} {
		parts, _ := processParts(s, ms, Options{Baseline: time.Hour}, n, func(r string) int { return len(r) })
		if !reflect.DeepEqual(whole, parts) {
			t.Errorf("split in %d: other fires than the whole set's:\n%v\n%v", n, brief(whole), brief(parts))
		}
	}
}

// FuzzBaselineKey checks the key's fast path against strconv.Quote.
func FuzzBaselineKey(f *testing.F) {
	f.Add("eastus", "vm")
	f.Add(`a"b`, "c\\d")
	f.Add("\xff\x7f", "日本")
	f.Fuzz(func(t *testing.T, a, b string) {
		if got, want := BaselineKey(a, b), strconv.Quote(a)+","+strconv.Quote(b); got != want {
			t.Errorf("BaselineKey(%q, %q) = %s, want %s", a, b, got, want)
		}
	})
}
