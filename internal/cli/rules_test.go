package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRulesList(t *testing.T) {
	t.Parallel()
	code, out, errs := run(t, "", "rules", "list", "--format", "jsonl")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	names := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var e ruleEntry
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		if e.Source == "" || e.Status == "" {
			t.Errorf("entry without source or status: %+v", e)
		}
		names[e.Name] = e.Status
	}
	if names["azure.identity.elevate_access"] != "compiled" || names["azure.quota.increase_burst"] != "correlation" {
		t.Errorf("catalogue entries missing or wrong: %v", names)
	}
}

// TestRulesListEscapesARulePack: a rule pack downloaded from elsewhere is
// text someone else wrote; listing it must not let its values drive the
// terminal, whether the rule compiles or not.
func TestRulesListEscapesARulePack(t *testing.T) {
	t.Parallel()
	d := t.TempDir()
	// YAML's "\e" is ESC: clear the screen, home the cursor, a hyperlink, a
	// right-to-left override. The level is refused, so the rule is listed
	// as invalid with its level as written.
	rule := "title: \"Mining pool lookup \\e]8;;http://evil.example/\\a\"\nname: pack.dns.pool_lookup\n" +
		"level: \"high\\e[2J\\e[H\\u202e\"\nlogsource: {product: azure, service: activitylogs}\n" +
		"detection:\n  s: {operation: a}\n  condition: s\n"
	os.WriteFile(filepath.Join(d, "pool.yml"), []byte(rule), 0o644)
	code, out, errs := run(t, "", "rules", "list", "--only-user-rules", "--rules", d)
	if code != ExitOK || !strings.Contains(out, "pack.dns.pool_lookup") {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	if strings.ContainsAny(out+errs, "\x1b\x07\u202e") {
		t.Errorf("raw control characters reached the terminal:\n%q", out)
	}
	if !strings.Contains(out, `high\x1b[2J`) {
		t.Errorf("the level is not shown escaped:\n%s", out)
	}
	// Its title is listed too (a pack's rules may have no name but an id),
	// escaped like the rest.
	if !strings.Contains(out, `Mining pool lookup \x1b]8;;`) || !strings.Contains(out, "TITLE") {
		t.Errorf("the title is not listed, escaped:\n%s", out)
	}
	// JSON lines are printed as often as read: escaped as alerts' JSON is.
	code, out, errs = run(t, "", "rules", "list", "--format", "jsonl", "--only-user-rules", "--rules", d)
	if code != ExitOK {
		t.Fatalf("jsonl: exit %d: %s", code, errs)
	}
	if strings.ContainsAny(out, "\x1b\x07\u202e") {
		t.Errorf("jsonl: raw control characters:\n%q", out)
	}
	var e ruleEntry
	if err := json.Unmarshal([]byte(out), &e); err != nil || e.Level != "high\x1b[2J\x1b[H\u202e" {
		t.Errorf("jsonl does not decode to the level as written: %q, %v", e.Level, err)
	}
}

func TestRulesValidateListsEveryProblem(t *testing.T) {
	t.Parallel()
	d := t.TempDir()
	os.WriteFile(filepath.Join(d, "good.yml"), []byte("title: t\nname: x.good\nlogsource: {product: azure, service: activitylogs}\ndetection:\n  s: {operation: a}\n  condition: s\n"), 0o644)
	os.WriteFile(filepath.Join(d, "agg.yml"), []byte("title: t\nname: x.agg\nlogsource: {product: azure, service: activitylogs}\ndetection:\n  s: {operation: a}\n  condition: s | count() > 5\n"), 0o644)
	os.WriteFile(filepath.Join(d, "broken.yml"), []byte("title: [unclosed\n"), 0o644)
	code, out, _ := run(t, "", "rules", "validate", d)
	if code != ExitError || !strings.Contains(out, "agg.yml") || !strings.Contains(out, "broken.yml") || !strings.Contains(out, "2 of 3 rules have problems") {
		t.Errorf("exit %d, output:\n%s", code, out)
	}
	os.Remove(filepath.Join(d, "agg.yml"))
	os.Remove(filepath.Join(d, "broken.yml"))
	if code, out, _ := run(t, "", "rules", "validate", d); code != ExitOK || !strings.Contains(out, "1 rule valid\n") {
		t.Errorf("valid folder: exit %d, %s", code, out)
	}
}

// TestRulesValidateListsFilters: a filter for a built-in rule is valid, as
// hunt and serve load it beside the catalogue, and a filter naming no
// loaded rule is one problem among the others, with its file. Both stopped
// the validation at "rule … is not loaded", naming no file.
func TestRulesValidateListsFilters(t *testing.T) {
	t.Parallel()
	d := t.TempDir()
	os.WriteFile(filepath.Join(d, "farm.yml"), []byte("title: render farm\nlogsource: {product: azure, service: activitylogs}\nfilter:\n  rules: [azure.quota.increase]\n  s: {principal.upn: render@contoso.example}\n  condition: s\n"), 0o644)
	if code, out, errs := run(t, "", "rules", "validate", d); code != ExitOK || out != "1 rule valid\n" {
		t.Errorf("a filter for a built-in rule: exit %d, %q %q", code, out, errs)
	}
	os.WriteFile(filepath.Join(d, "stray.yml"), []byte("title: stray\nlogsource: {product: azure, service: activitylogs}\nfilter:\n  rules: [x.missing]\n  s: {principal.upn: a}\n  condition: s\n"), 0o644)
	os.WriteFile(filepath.Join(d, "broken.yml"), []byte("title: [unclosed\n"), 0o644)
	// A problem names the line its rule's document starts on.
	os.WriteFile(filepath.Join(d, "two.yml"), []byte("title: fine\nlogsource: {product: azure, service: activitylogs}\ndetection:\n  s: {operation: a}\n  condition: s\n---\ntitle: second\nlogsource: {product: azure, service: activitylogs}\ndetection:\n  s: {operation: a}\n  condition: nope\n"), 0o644)
	code, out, _ := run(t, "", "rules", "validate", d)
	if code != ExitError || !strings.Contains(out, "stray.yml:1: stray: invalid: ") || !strings.Contains(out, `"x.missing" is not loaded`) ||
		!strings.Contains(out, "broken.yml") || !strings.Contains(out, "two.yml:7: two: invalid: ") || !strings.Contains(out, "3 of 5 rules have problems") {
		t.Errorf("exit %d, output:\n%s", code, out)
	}
	// A copy of a built-in rule takes its name, as hunt would say; the
	// catalogue's own folder (a contributor's checkout) is judged on its
	// own: beside the built-in rules, every one of its names clashed.
	src, err := os.ReadFile(filepath.Join("..", "..", "rules", "azure", "compute", "gpu_created.yml"))
	if err != nil {
		t.Fatal(err)
	}
	c := t.TempDir()
	os.WriteFile(filepath.Join(c, "gpu_created.yml"), src, 0o644)
	if code, out, _ := run(t, "", "rules", "validate", c); code != ExitError || !strings.Contains(out, "is also used by builtin:rules/azure/compute/gpu_created.yml") {
		t.Errorf("a copy of a built-in rule: exit %d, %s", code, out)
	}
	if code, out, errs := run(t, "", "rules", "validate", filepath.Join("..", "..", "rules")); code != ExitOK || !strings.HasSuffix(out, " rules valid\n") {
		t.Errorf("the catalogue's own folder: exit %d, %s %s", code, out, errs)
	}
	// Judged on its own as well when one of its files is a filter naming
	// no rule: that problem alone, not one clash per built-in rule.
	own := filepath.Join(t.TempDir(), "rules")
	os.MkdirAll(filepath.Join(own, "azure", "compute"), 0o755)
	os.WriteFile(filepath.Join(own, "azure", "compute", "gpu_created.yml"), src, 0o644)
	os.WriteFile(filepath.Join(own, "azure", "stray.yml"), []byte("title: stray\nlogsource: {product: azure, service: activitylogs}\nfilter:\n  rules: [x.missing]\n  s: {principal.upn: a}\n  condition: s\n"), 0o644)
	if code, out, _ := run(t, "", "rules", "validate", own); code != ExitError || !strings.Contains(out, "stray.yml:1: stray: invalid: ") || strings.Contains(out, "also used by") {
		t.Errorf("the catalogue's folder with a stray filter: exit %d, %s", code, out)
	}
}

// TestRulesValidateNamesTheLineOfAnInvalidValue: a value the
// specification forbids is refused at load, with the file, the line its
// rule starts on and the line of the value.
func TestRulesValidateNamesTheLineOfAnInvalidValue(t *testing.T) {
	t.Parallel()
	d := t.TempDir()
	head := "title: t\nname: x.%s\nlogsource: {product: azure, service: activitylogs}\ndetection:\n  s:\n"
	os.WriteFile(filepath.Join(d, "all.yml"), []byte(fmt.Sprintf(head, "all")+"    operation|contains|all: write\n  condition: s\n"), 0o644)
	os.WriteFile(filepath.Join(d, "null.yml"), []byte(fmt.Sprintf(head, "null")+"    operation: a\n    principal.upn:\n      - ''\n      - null\n  condition: s\n"), 0o644)
	code, out, _ := run(t, "", "rules", "validate", d)
	if code != ExitError || !strings.Contains(out, "all.yml:1: x.all: invalid: ") || !strings.Contains(out, `field "operation": all on a single value (line 6)`) ||
		!strings.Contains(out, "null.yml:1: x.null: invalid: ") || !strings.Contains(out, `field "principal.upn": null in a list of values (line 9)`) {
		t.Errorf("exit %d, output:\n%s", code, out)
	}
}

func TestRulesTestRunsScenarios(t *testing.T) {
	t.Parallel()
	d := t.TempDir()
	rule := "title: Elevated access\nname: azure.identity.elevate_access\nid: 1a2b\nlogsource: {product: azure, service: activitylogs}\ndetection:\n  s: {operation: microsoft.authorization/elevateaccess/action}\n  condition: s\nlevel: high\n"
	os.MkdirAll(filepath.Join(d, "azure", "identity", "testdata", "x", "fires"), 0o755)
	os.WriteFile(filepath.Join(d, "azure", "identity", "elevate.yml"), []byte(rule), 0o644)
	src, _ := os.ReadFile(filepath.Join(example, "tenant-activity", "directory-activity.json"))
	scen := filepath.Join(d, "azure", "identity", "testdata", "x", "fires")
	os.WriteFile(filepath.Join(scen, "events.json"), src, 0o644)
	os.WriteFile(filepath.Join(scen, "expect.yml"), []byte("fires: [azure.identity.elevate_access]\n"), 0o644)
	if code, out, errs := run(t, "", "rules", "test", d); code != ExitOK || !strings.Contains(out, "1 passed, 0 failed") {
		t.Errorf("exit %d: %s %s", code, out, errs)
	}
	os.WriteFile(filepath.Join(scen, "expect.yml"), []byte("quiet: [azure.identity.elevate_access]\n"), 0o644)
	if code, out, _ := run(t, "", "rules", "test", d); code != ExitError || !strings.Contains(out, "must stay quiet") {
		t.Errorf("a failing scenario: exit %d: %s", code, out)
	}
	// A rule that does not load fails too, scenario or not: it was not
	// mentioned ("1 passed, 0 failed", exit 0), nor was a filter naming
	// no rule reported with its file.
	os.WriteFile(filepath.Join(scen, "expect.yml"), []byte("fires: [azure.identity.elevate_access]\n"), 0o644)
	os.WriteFile(filepath.Join(d, "azure", "identity", "broken.yml"), []byte("title: [unclosed\n"), 0o644)
	os.WriteFile(filepath.Join(d, "azure", "identity", "stray.yml"), []byte("title: stray\nlogsource: {product: azure, service: activitylogs}\nfilter:\n  rules: [x.missing]\n  s: {principal.upn: a}\n  condition: s\n"), 0o644)
	code, out, errs := run(t, "", "rules", "test", d)
	if code != ExitError || !strings.Contains(out, "FAIL "+filepath.Join(d, "azure", "identity", "broken.yml")+": rule broken: ") ||
		!strings.Contains(out, "stray.yml:1: rule stray: ") || !strings.Contains(out, "1 passed, 2 failed") {
		t.Errorf("rules that do not load: exit %d: %s %s", code, out, errs)
	}
}

// TestRulesPathThatCannotBeReadIsAUsageError: a --rules path that is not
// there is a bad flag value, as every other one: exit 2, naming the flag
// after the command (it was "mamori: rules: lstat …", exit 1, and rules
// list said nothing at all). A folder that is there but holds a broken
// rule is what it was: the rule is reported, the others run.
func TestRulesPathThatCannotBeReadIsAUsageError(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "missing")
	for _, c := range []struct{ name, args string }{
		{"hunt", "hunt --rules " + missing + " " + example},
		{"serve", "serve --once --store " + filepath.Join(t.TempDir(), "s.db") + " --data-dir " + t.TempDir() + " --rules " + missing + " " + example},
		{"rules list", "rules list --rules " + missing},
	} {
		code, _, errs := run(t, "", strings.Fields(c.args)...)
		if code != ExitUsage || !strings.HasPrefix(errs, "mamori "+c.name+": --rules: ") || !strings.Contains(errs, missing) {
			t.Errorf("mamori %s --rules %s: exit %d, want %d; stderr %q", c.name, missing, code, ExitUsage, errs)
		}
	}
	broken := t.TempDir()
	os.WriteFile(filepath.Join(broken, "broken.yml"), []byte("title: [unclosed\n"), 0o644)
	code, out, errs := run(t, "", "hunt", "--format", "jsonl", "--rules", broken, example)
	if code != ExitOK || !strings.Contains(errs, "broken.yml") || !strings.Contains(errs, "not loaded") || len(jsonl(t, out)) == 0 {
		t.Errorf("a folder holding a broken rule: exit %d, %d alerts, stderr %q; want exit 0, the rule reported, the others run", code, len(jsonl(t, out)), errs)
	}
}

// TestBrokenIntelIsSaidFirst: the intel and the rules load side by side,
// and what each says comes out as when they loaded one after the other: a
// damaged intel file stops the hunt with its own error and nothing of the
// rules (a broken rule beside it is not reported); with the intel sound,
// the broken rule is reported and the hunt runs.
func TestBrokenIntelIsSaidFirst(t *testing.T) {
	t.Parallel()
	data, broken := t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(broken, "broken.yml"), []byte("title: [unclosed\n"), 0o644)
	os.WriteFile(filepath.Join(data, "servicetags.json"), []byte(`{"values": [`), 0o644)
	code, out, errs := run(t, "", "hunt", "--format", "jsonl", "--data-dir", data, "--rules", broken, example)
	if code != ExitError || !strings.HasPrefix(errs, "mamori hunt: intel data: ") || strings.Contains(errs, "broken.yml") || out != "" {
		t.Errorf("damaged intel: exit %d, stdout %q, stderr %q; want exit %d, the intel's error alone", code, out, errs, ExitError)
	}
	code, out, errs = run(t, "", "hunt", "--format", "jsonl", "--data-dir", t.TempDir(), "--rules", broken, example)
	if code != ExitOK || !strings.HasPrefix(errs, "mamori: rule ") || !strings.Contains(errs, "broken.yml") || len(jsonl(t, out)) == 0 {
		t.Errorf("sound intel: exit %d, %d alerts, stderr %q; want the broken rule reported first, the hunt run", code, len(jsonl(t, out)), errs)
	}
}
