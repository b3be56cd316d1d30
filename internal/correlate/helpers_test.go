package correlate

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/sigma"
)

// t0 is the start of every synthetic timeline.
var t0 = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

// detection returns a detection rule document named name (id "id-"+name).
func detection(name string) string {
	return fmt.Sprintf("title: %s\nname: %s\nid: id-%s\nlogsource:\n    product: azure\ndetection:\n    sel:\n        x: 1\n    condition: sel\n", name, name, name)
}

// parse reads YAML documents separated by "---" and splits them into
// correlations and detections, adding a stub detection for each extra name.
func parse(t testing.TB, text string, stubs ...string) (corrs, dets []*sigma.Rule) {
	t.Helper()
	for _, s := range stubs {
		text += "\n---\n" + detection(s)
	}
	rules, err := sigma.Parse([]byte(text))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	for _, r := range rules {
		switch r.Kind {
		case sigma.KindCorrelation:
			corrs = append(corrs, r)
		case sigma.KindDetection:
			dets = append(dets, r)
		}
	}
	return corrs, dets
}

// compile parses and compiles, failing the test on any error.
func compile(t testing.TB, text string, stubs ...string) *Set {
	t.Helper()
	corrs, dets := parse(t, text, stubs...)
	s, err := Compile(corrs, dets)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return s
}

// correlation builds a one-document correlation from its section's lines
// (indented by the caller with four spaces).
func correlation(title string, section ...string) string {
	return "title: " + title + "\nname: " + strings.ReplaceAll(strings.ToLower(title), " ", "_") +
		"\nlevel: high\ntags: [attack.impact]\ncorrelation:\n    " + strings.Join(section, "\n    ") + "\n"
}

// hit builds a match of rule at t0+d with "field=value" pairs; a field
// given several times gets several values.
func hit(rule string, d time.Duration, ref int, kv ...string) Match {
	m := Match{Rule: rule, RuleID: "id-" + rule, Time: t0.Add(d), Tenant: "t1", Ref: ref, Fields: map[string][]string{}}
	for _, p := range kv {
		k, v, _ := strings.Cut(p, "=")
		m.Fields[k] = append(m.Fields[k], v)
	}
	return m
}

// burst returns n matches of rule, one every step from start, refs from
// ref on, all with the same fields.
func burst(rule string, start, step time.Duration, n, ref int, kv ...string) []Match {
	out := make([]Match, n)
	for i := range out {
		out[i] = hit(rule, start+time.Duration(i)*step, ref+i, kv...)
	}
	return out
}

// join concatenates match lists.
func join(parts ...[]Match) []Match {
	var out []Match
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// brief renders fires compactly for comparisons: rule, group key, count,
// value, first and last offsets.
func brief(fs []Fire) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = fmt.Sprintf("%s %s n=%d v=%g %v..%v", f.Rule, keyText(f.GroupKey), f.Count, f.Value,
			f.Time.Sub(t0), f.LastTime.Sub(t0))
	}
	return out
}
