package rules

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/mamori-sec/mamori"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/samples"
)

var update = flag.Bool("update", false, "rewrite docs/detections.md")

// TestCatalogue guards the built-in catalogue: every rule loads, names are
// stable dotted names, and each carries the metadata alerts rely on.
func TestCatalogue(t *testing.T) {
	set, err := Load(Options{Builtin: mamori.Rules})
	if err != nil {
		t.Fatal(err)
	}
	name := regexp.MustCompile(`^azure(\.[a-z0-9_]+){2,4}$`)
	corr := set.Correlations()
	for _, r := range set.Rules {
		if r.Status == Invalid || r.Status == Unsupported {
			t.Errorf("%s (%s): %s: %v", r.Name, r.Source, r.Status, r.Err)
			continue
		}
		d := r.Sigma
		if !name.MatchString(r.Name) {
			t.Errorf("%s: name is not a stable dotted name like azure.compute.gpu_created", r.Name)
		}
		if d.ID == "" || d.Title == "" || d.Description == "" {
			t.Errorf("%s: needs id, title and description", r.Name)
		}
		if corr != nil && corr.Silent(r.Name) {
			continue // a base rule that only feeds a correlation makes no alert
		}
		if d.Level == "" {
			t.Errorf("%s: needs a level", r.Name)
		}
		if r.Status == Compiled && (r.Response == "" || len(d.FalsePositives) == 0 || len(d.Tags) == 0 || r.Stage == "") {
			t.Errorf("%s: needs a response note, false positives, ATT&CK tags and a stage", r.Name)
		}
	}
}

// TestDetectionsDoc keeps docs/detections.md what the generator writes.
func TestDetectionsDoc(t *testing.T) {
	set, err := Load(Options{Builtin: mamori.Rules})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join("..", "..", "docs", "detections.md")
	cur, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	eval := EvaluationSection(cur)
	if eval == nil {
		t.Errorf("docs/detections.md has lost its %q section", EvaluationHeading)
	}
	got := Markdown(set, eval)
	if *update {
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("docs/detections.md is stale: run go test ./internal/rules -run TestDetectionsDoc -update")
	}
}

func TestUnsupportedAndInvalidRulesAreReportedNotDropped(t *testing.T) {
	d := t.TempDir()
	files := map[string]string{
		"good.yml":   "title: t\nname: x.good\nid: 0b1c\nlogsource: {product: azure, service: activitylogs}\ndetection:\n  s: {operation: a}\n  condition: s\nlevel: low\n",
		"agg.yml":    "title: t\nname: x.agg\nlogsource: {product: azure, service: activitylogs}\ndetection:\n  s: {operation: a}\n  condition: s | count() > 5\n",
		"source.yml": "title: t\nname: x.src\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n  s: {eventName: a}\n  condition: s\n",
		"broken.yml": "title: [unclosed\n",
		"level.yml":  "title: t\nname: x.lvl\nlogsource: {product: azure, service: activitylogs}\ndetection:\n  s: {operation: a}\n  condition: s\nlevel: urgent\n",
		"zdup.yml":   "title: t\nname: x.good\nlogsource: {product: azure, service: activitylogs}\ndetection:\n  s: {operation: b}\n  condition: s\n",
		"notes.txt":  "not a rule",
		"field.yml":  "title: t\nname: x.field\nlogsource: {product: azure, service: activitylogs}\ndetection:\n  s: {enrich.size.gpu: 1}\n  condition: s\n",
	}
	for n, c := range files {
		os.WriteFile(filepath.Join(d, n), []byte(c), 0o644)
	}
	set, err := Load(Options{Dirs: []string{d}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Status{}
	for _, r := range set.Rules {
		got[filepath.Base(r.Source)] = r.Status
		if r.Status != Compiled && r.Err == nil {
			t.Errorf("%s: %s without a reason", r.Source, r.Status)
		}
	}
	want := map[string]Status{"good.yml": Compiled, "agg.yml": Unsupported, "source.yml": Unsupported, "broken.yml": Invalid, "level.yml": Invalid, "field.yml": Invalid}
	for f, s := range want {
		if got[f] != s {
			t.Errorf("%s: %s, want %s", f, got[f], s)
		}
	}
	// The first of two rules with one name runs; the second is reported.
	if got["zdup.yml"] != Invalid {
		t.Error("duplicate names were not reported")
	}
	if len(set.Rules) != 7 {
		t.Errorf("%d rules, want 7 (the .txt file is not a rule)", len(set.Rules))
	}
}

// TestSigmaHQAzureRulesLoad loads every SigmaHQ Azure rule as a user would
// with --rules: each compiles or is reported unsupported with a reason.
func TestSigmaHQAzureRulesLoad(t *testing.T) {
	dir := filepath.Join(samples.Dir(t), "sigmahq")
	set, err := Load(Options{Dirs: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	counts := map[Status]int{}
	for _, r := range set.Rules {
		counts[r.Status]++
		switch r.Status {
		case Compiled, Correlation, Filter:
		case Unsupported:
			if r.Err == nil {
				t.Errorf("%s: unsupported without a reason", r.Source)
			}
		default:
			t.Errorf("%s: %s: %v", r.Source, r.Status, r.Err)
		}
	}
	if counts[Compiled] < 120 { // 123 on 2026-08 SigmaHQ (19 of them risk detections); the rest read PIM's or a proxy's logs, or need placeholders
		t.Errorf("only %d SigmaHQ rules compiled: %v", counts[Compiled], counts)
	}
	t.Logf("SigmaHQ rules: %v", counts)
}

// TestFiltersExcludeKnownGoodActivity loads a rule and a Sigma filter for
// it, and checks the filter's exclusion is in force.
func TestFiltersExcludeKnownGoodActivity(t *testing.T) {
	d := t.TempDir()
	os.WriteFile(filepath.Join(d, "rule.yml"), []byte("title: t\nname: x.ext\nid: 5d6e\nlogsource: {product: azure, service: activitylogs}\ndetection:\n  s: {extension.type: NvidiaGpuDriverLinux}\n  condition: s\nlevel: medium\n"), 0o644)
	os.WriteFile(filepath.Join(d, "filter.yml"), []byte("title: render farm\nid: 7f80\nlogsource: {product: azure, service: activitylogs}\nfilter:\n  rules: [x.ext]\n  selection: {principal.upn: render@contoso.example}\n  condition: selection\n"), 0o644)
	set, err := Load(Options{Dirs: []string{d}})
	if err != nil {
		t.Fatal(err)
	}
	r := set.ByName("x.ext")
	fe := set.Resolver.NewEvent()
	ev := func(upn string) *event.Event {
		return &event.Event{Kind: event.KindActivity, Principal: event.Principal{UPN: upn}, Extension: &event.Extension{Type: "NvidiaGpuDriverLinux"}}
	}
	fe.Reset(ev("render@contoso.example"))
	if r.Compiled.Match(fe) {
		t.Error("the filtered principal still matches")
	}
	fe.Reset(ev("attacker@contoso.example"))
	if !r.Compiled.Match(fe) {
		t.Error("another principal no longer matches")
	}
	os.WriteFile(filepath.Join(d, "stray.yml"), []byte("title: stray\nid: 9a0b\nlogsource: {product: azure, service: activitylogs}\nfilter:\n  rules: [x.missing]\n  selection: {principal.upn: a}\n  condition: not selection\n"), 0o644)
	if _, err := Load(Options{Dirs: []string{d}}); err == nil {
		t.Error("a filter naming no loaded rule loads silently")
	}
}

// A name finds the rule of that name before one whose id it is: a
// correlation named as another rule's id takes its own level.
func TestByNamePrefersTheName(t *testing.T) {
	d := t.TempDir()
	os.WriteFile(filepath.Join(d, "a.yml"), []byte("title: a\nname: x.a\nid: x.b\nlogsource: {product: azure, service: activitylogs}\ndetection:\n  s: {operation: o}\n  condition: s\nlevel: low\n"), 0o644)
	os.WriteFile(filepath.Join(d, "b.yml"), []byte("title: b\nname: x.b\nid: 7c1d\nlogsource: {product: azure, service: activitylogs}\ndetection:\n  s: {operation: o}\n  condition: s\nlevel: high\n"), 0o644)
	set, err := Load(Options{Dirs: []string{d}})
	if err != nil {
		t.Fatal(err)
	}
	if r := set.ByName("x.b"); r == nil || r.Name != "x.b" {
		t.Errorf("ByName(x.b) = %v, want the rule named x.b", r)
	}
	if r := set.ByName("7c1d"); r == nil || r.Name != "x.b" {
		t.Errorf("ByName(7c1d) = %v, want the rule of that id", r)
	}
}
