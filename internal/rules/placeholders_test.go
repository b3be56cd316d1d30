package rules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/samples"
)

// approvedRule raises a privileged role grant made by anyone not listed
// in %Approved%: a placeholder rule as SigmaHQ's rules-placeholder writes
// them.
const approvedRule = "title: t\nname: x.approved\nid: 1c2d\nlogsource: {product: azure, service: activitylogs}\n" +
	"detection:\n  s: {operation: microsoft.authorization/roleassignments/write}\n  ok:\n    principal.upn|expand: '%Approved%'\n  condition: s and not ok\nlevel: high\n"

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	d := t.TempDir()
	for n, c := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(d, n)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, n), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

func grant(upn string) *event.Event {
	return &event.Event{Kind: event.KindActivity, Operation: "microsoft.authorization/roleassignments/write", Principal: event.Principal{UPN: upn}}
}

// A pipeline's vars, in a file read after the rule (a later folder), give
// the rule its values: its wildcards are Sigma's, a number is its text.
func TestPlaceholderValuesFromAPipelineFile(t *testing.T) {
	d := writeFiles(t, map[string]string{
		"a/rule.yml": approvedRule,
		"z/pipeline.yml": "name: ours\npriority: 10\nvars:\n  Approved: [admin@contoso.example, 'ops-*@contoso.example']\n  Port: 3333\n" +
			"transformations:\n  - id: p\n    type: value_placeholders\n  - id: f\n    type: field_name_mapping\n    mapping: {a: b}\n",
	})
	set, err := Load(Options{Dirs: []string{filepath.Join(d, "a"), filepath.Join(d, "z")}})
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Rules) != 1 || len(set.Values) != 1 {
		t.Fatalf("%d rules and %d value files, want 1 and 1 (the pipeline is not a rule)", len(set.Rules), len(set.Values))
	}
	v := set.Values[0]
	if v.Err != nil || strings.Join(v.Names(), " ") != "Approved Port" || v.Vars["Port"][0] != "3333" {
		t.Fatalf("values %v, err %v", v.Vars, v.Err)
	}
	if v.Ignored != 1 {
		t.Errorf("%d transformations said not applied, want 1 (value_placeholders is what mamori does)", v.Ignored)
	}
	r := set.ByName("x.approved")
	if r.Status != Compiled {
		t.Fatalf("%s: %v", r.Status, r.Err)
	}
	fe := set.Resolver.NewEvent()
	for upn, want := range map[string]bool{
		"admin@contoso.example":      false,
		"ops-7@contoso.example":      false, // the wildcard
		"attacker@fabrikam.example":  true,
		"admin@contoso.example.evil": true,
	} {
		fe.Reset(grant(upn))
		if got := r.Compiled.Match(fe); got != want {
			t.Errorf("%s: match %v, want %v", upn, got, want)
		}
	}
}

// Without values the rule is refused, as the specification asks, and the
// reason says where they go; a file's bad values are not used, and say
// why, naming the line.
func TestPlaceholdersMissingOrBad(t *testing.T) {
	d := writeFiles(t, map[string]string{"rule.yml": approvedRule})
	set, err := Load(Options{Dirs: []string{d}})
	if err != nil {
		t.Fatal(err)
	}
	r := set.ByName("x.approved")
	if r.Status != Unsupported || !strings.Contains(r.Err.Error(), "%Approved%") || !strings.Contains(r.Err.Error(), "vars:") {
		t.Fatalf("without values: %s: %v", r.Status, r.Err)
	}
	for name, body := range map[string]string{
		"mapping.yml": "vars:\n  Approved: {a: b}\n",
		"empty.yml":   "vars:\n  Approved: []\n",
		"list.yml":    "vars: [Approved]\n",
		"name.yml":    "vars:\n  '%%': [x]\n",
	} {
		d := writeFiles(t, map[string]string{"rule.yml": approvedRule, "vars.yml": body})
		set, err := Load(Options{Dirs: []string{d}})
		if err != nil {
			t.Fatal(err)
		}
		if len(set.Values) != 1 || set.Values[0].Err == nil || !strings.Contains(set.Values[0].Err.Error(), "line ") {
			t.Errorf("%s: values %+v", name, set.Values)
		}
		if r := set.ByName("x.approved"); r.Status != Unsupported {
			t.Errorf("%s: the rule is %s with values that were refused", name, r.Status)
		}
	}
}

// Two files giving one name: the first is used, the second is refused
// naming the first, as a rule name taken twice is.
func TestPlaceholderGivenTwice(t *testing.T) {
	d := writeFiles(t, map[string]string{
		"rule.yml": approvedRule,
		"a.yml":    "vars:\n  Approved: [admin@contoso.example]\n",
		"b.yml":    "vars:\n  Approved: ['*']\n  Other: [x]\n",
	})
	set, err := Load(Options{Dirs: []string{d}})
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Values) != 2 || set.Values[0].Err != nil || set.Values[1].Err == nil || !strings.Contains(set.Values[1].Err.Error(), "a.yml") {
		t.Fatalf("values: %+v %+v", set.Values[0], set.Values[1])
	}
	fe := set.Resolver.NewEvent()
	fe.Reset(grant("attacker@fabrikam.example"))
	if r := set.ByName("x.approved"); r.Status != Compiled || !r.Compiled.Match(fe) {
		t.Error("the second file's '*' was used: it would approve everyone")
	}
}

// A rule with a vars member of its own is still a rule, and a file of
// several documents is a rule file.
func TestRulesWithVarsAreRules(t *testing.T) {
	d := writeFiles(t, map[string]string{
		"rule.yml":  strings.Replace(approvedRule, "level: high\n", "level: high\nvars: {Approved: [x]}\n", 1),
		"multi.yml": "vars: {Approved: [x]}\n---\ntitle: t2\nname: x.two\nlogsource: {product: azure, service: activitylogs}\ndetection:\n  s: {operation: a}\n  condition: s\n",
	})
	set, err := Load(Options{Dirs: []string{d}})
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Values) != 0 {
		t.Errorf("%d value files, want none", len(set.Values))
	}
	if r := set.ByName("x.approved"); r == nil || r.Status != Unsupported {
		t.Errorf("a rule's own vars gave it values: %+v", r)
	}
}

// SigmaHQ's placeholder rules for Azure all compile once their values are
// given, as a user would give them.
func TestSigmaHQPlaceholderRules(t *testing.T) {
	dir := filepath.Join(samples.Dir(t), "sigmahq", "rules-placeholder")
	vars := writeFiles(t, map[string]string{"vars.yml": "vars:\n" +
		"  ApprovedUserUpn: [admin@contoso.example]\n  Approved_Inviters: [it@contoso.example]\n" +
		"  Important_AppIds: [c44b4083-3bb0-49c1-b47d-974e53cbdf3c]\n  Known_Location: [DE]\n  KNOWN_LOCATION: [DE]\n" +
		"  UnLegitCountries: [KP]\n  UnApprovedIp: ['*']\n  UnApprovedDevice: ['*']\n  HomeTenantID: [4f1c2b7e-9a3d-4c55-8e21-6b0d7a9c3e10]\n"})
	set, err := Load(Options{Dirs: []string{dir, vars}})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range set.Rules {
		if !strings.Contains(r.Source, "azure") {
			continue
		}
		n++
		if r.Status != Compiled {
			t.Errorf("%s: %s: %v", r.Source, r.Status, r.Err)
		}
	}
	if n < 7 {
		t.Errorf("%d Azure placeholder rules, want 7 or more", n)
	}
}

// FuzzValuesDoc: any file either is no values file (a rule's to parse)
// or gives names without percent signs, each with at least one value, or
// says why not; nothing panics.
func FuzzValuesDoc(f *testing.F) {
	for _, s := range []string{
		"vars:\n  A: [x, 'y*']\n  B: 3\n",
		"vars: [A]\n",
		"vars:\n  A: {b: c}\n",
		"vars:\n  '%A%': x\ntransformations: [{type: value_placeholders}, {type: x}]\n",
		"vars: {A: x}\n---\nvars: {B: y}\n",
		approvedRule,
		"vars: &a [*a]\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v := valuesDoc("f.yml", b)
		if v == nil || v.Err != nil {
			return
		}
		for name, vals := range v.Vars {
			if name == "" || strings.Contains(name, "%") || len(vals) == 0 {
				t.Errorf("%q: %q", name, vals)
			}
		}
	})
}
