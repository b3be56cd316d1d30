package sigma_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/mamori-sec/mamori/internal/sigma"
)

// FuzzParse feeds arbitrary text to the parser and compiles and evaluates
// whatever parses: nothing may panic, and a rule either compiles or says
// why not.
func FuzzParse(f *testing.F) {
	f.Add(mamoriRule)
	f.Add(benchRules)
	f.Add(ruleYAML("sel:\n    f|contains|all: ['-a', '-b']\n    g|re|i: '^x.*y$'\nfilter:\n    h: null\ncondition: sel and not filter"))
	f.Add(ruleYAML("kw:\n    '|all':\n        - one\n        - two\ncondition: 1 of them"))
	f.Add(ruleYAML("a:\n    f|windash|base64offset|contains: ' -enc '\nb:\n    f|cidr: 10.0.0.0/8\ncondition: (a or b) and not (a and b)"))
	f.Add("title: t\nfilter:\n    rules: [x]\n    selection:\n        a|startswith: b\n    condition: selection\n")
	f.Add("title: t\ncorrelation:\n    type: event_count\n    rules: [x]\n---\ntitle: u\ndetection:\n    s: [a, b]\n    condition: s | count() > 2\n")
	f.Add("a: &x [*x]\n")
	ev := record{"f": str("-a x -b", "10.1.2.3"), "g": str("xay"), "n": num(12, "12")}
	f.Fuzz(func(t *testing.T, text string) {
		rules, _ := sigma.Parse([]byte(text))
		for _, r := range rules {
			res := &mapResolver{}
			opt := &sigma.Options{Placeholders: map[string][]string{"p": {"v*"}}}
			switch r.Kind {
			case sigma.KindDetection:
				c, err := sigma.Compile(r, res, opt)
				if err != nil {
					if !strings.Contains(err.Error(), "sigma rule") {
						t.Errorf("error does not name the rule: %v", err)
					}
					continue
				}
				c.Match(mapFields{r: res, ev: ev})
				c.Needles()
				c.NeedlesWhere("operation", sigma.StringValue("v"))
			case sigma.KindFilter:
				if flt, err := sigma.CompileFilter(r, res, opt); err == nil {
					flt.Match(mapFields{r: res, ev: ev})
				}
			}
		}
	})
}

// FuzzMatch checks the string matchers against a slow, obvious oracle
// built on strings.EqualFold: equality, contains, startswith and endswith,
// ignoring case or cased.
func FuzzMatch(f *testing.F) {
	f.Add("Admin", "xADMINy", uint8(1))
	f.Add("kelvin", "\u212aELVIN", uint8(0))
	f.Add("ſtop", "STOP now", uint8(2))
	f.Add("é", "É", uint8(3))
	f.Add("Straße", "strasse", uint8(0))
	f.Add("ab", "aab", uint8(5))
	f.Add("list.keys/x", "a/LIST.KEYS/X/b", uint8(1))
	f.Add("1.1.1", "x1.1.1.1", uint8(3))
	f.Add("ask", "AſK K", uint8(1))
	f.Fuzz(func(t *testing.T, pat, val string, mode uint8) {
		if !utf8.ValidString(pat) || !utf8.ValidString(val) || strings.ContainsAny(pat, `*?\`) || len(pat)+len(val) > 200 {
			return
		}
		mods := []string{"", "|contains", "|startswith", "|endswith"}[mode%4]
		cased := mode&4 != 0
		if cased {
			mods += "|cased"
		}
		key := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "f" + mods}
		value := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: pat}
		r := &sigma.Rule{Title: "fuzz", Detection: sigma.Detection{
			Searches:   []sigma.Search{{Name: "sel", Node: &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{key, value}}}},
			Conditions: []string{"sel"},
		}}
		res := &mapResolver{index: map[string]string{"f": "f"}}
		c, err := sigma.Compile(r, res, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := c.Match(mapFields{r: res, ev: record{"f": str(val)}})
		if want := oracle(val, pat, mode%4, cased); got != want {
			t.Errorf("%q%s on %q: got %v, want %v", pat, mods, val, got, want)
		}
		// The field indexed and known, MayMatch decides the one item as
		// Match does (an empty text is an absent field, which it rules out).
		if may := c.MayMatch([]sigma.Known{{Index: "f", Text: val}}); val != "" && may != got {
			t.Errorf("%q%s on %q: MayMatch %v, Match %v", pat, mods, val, may, got)
		}
	})
}

// oracle decides a match by trying every substring with strings.EqualFold.
func oracle(s, p string, mode uint8, cased bool) bool {
	eq := strings.EqualFold
	if cased {
		eq = func(a, b string) bool { return a == b }
	}
	for i := 0; i <= len(s); i++ {
		if i < len(s) && !utf8.RuneStart(s[i]) {
			continue
		}
		for j := i; j <= len(s); j++ {
			if j < len(s) && !utf8.RuneStart(s[j]) {
				continue
			}
			if !eq(s[i:j], p) {
				continue
			}
			switch {
			case mode == 0 && i == 0 && j == len(s),
				mode == 1,
				mode == 2 && i == 0,
				mode == 3 && j == len(s):
				return true
			}
		}
	}
	return false
}
