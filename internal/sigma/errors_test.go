package sigma_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/sigma"
)

func TestCompileRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		det     string
		res     *mapResolver
		feature string // UnsupportedError feature; "" for a RuleError
		field   bool   // a FieldError
		msg     string // part of the message
	}{
		{name: "aggregation of Sigma 1", det: "sel:\n    x: 1\ncondition: sel | count() by host > 5", feature: "aggregation", msg: "count()"},
		{name: "near operator", det: "a:\n    x: 1\nb:\n    y: 1\ncondition: a near b", feature: "near"},
		{name: "unknown modifier", det: "sel:\n    f|sounds_like: x\ncondition: sel", feature: "modifier", msg: "sounds_like"},
		{name: "placeholder without values", det: "sel:\n    f|expand: '%Known_Location%'\ncondition: sel", feature: "placeholder", msg: "%Known_Location%"},
		{name: "regular expression beyond RE2", det: "sel:\n    f|re: 'a(?=b)'\ncondition: sel", feature: "regular expression"},
		{name: "keywords without keyword field", det: "kw:\n    - evil\ncondition: kw", res: &mapResolver{noKW: true}, feature: "keyword search"},
		{name: "field the resolver does not know", det: "sel:\n    enrich.nope: 1\ncondition: sel", res: &mapResolver{unknown: map[string]bool{"enrich.nope": true}}, field: true, msg: "enrich.nope"},
		{name: "condition names a missing identifier", det: "sel:\n    x: 1\ncondition: sel and filter", msg: `"filter"`},
		{name: "pattern matching nothing", det: "sel:\n    x: 1\ncondition: 1 of filter_*", msg: "filter_*"},
		{name: "more than exist", det: "s1:\n    x: 1\ncondition: 2 of s*", msg: "2 of"},
		{name: "unbalanced parenthesis", det: "sel:\n    x: 1\ncondition: (sel", msg: "missing )"},
		{name: "dangling operator", det: "sel:\n    x: 1\ncondition: sel and", msg: "ends early"},
		{name: "base64 of wildcards", det: "sel:\n    f|base64: 'a*'\ncondition: sel", msg: "wildcards"},
		{name: "exists without boolean", det: "sel:\n    f|exists: maybe\ncondition: sel", msg: "exists"},
		{name: "cidr with contains", det: "sel:\n    f|cidr|contains: 10.0.0.0/8\ncondition: sel", msg: "contains"},
		{name: "re not first", det: "sel:\n    f|contains|re: 'a'\ncondition: sel", msg: "first"},
		{name: "bad network", det: "sel:\n    f|cidr: 'not a net'\ncondition: sel", msg: "CIDR"},
		{name: "comparison of text", det: "sel:\n    f|gt: ten\ncondition: sel", msg: "number"},
		{name: "null with contains", det: "sel:\n    f|contains: null\ncondition: sel", msg: "null"},
		{name: "empty value list", det: "sel:\n    f: []\ncondition: sel", msg: "empty"},
		{name: "nested value map", det: "sel:\n    f:\n        g: 1\ncondition: sel", msg: "scalar"},
		{name: "regex flag without re", det: "sel:\n    f|i: x\ncondition: sel", msg: "cannot be used"},
		// Sigma 2.1, modifiers appendix: "Single item values are not
		// allowed to have an all modifier".
		{name: "all on a single value", det: "sel:\n    f|contains|all: x\ncondition: sel", msg: `field "f": all on a single value (line 7)`},
		{name: "all on a list of one value", det: "sel:\n    f|contains|all:\n        - x\ncondition: sel", msg: `field "f": all on a single value (line 8)`},
		{name: "all on a single keyword", det: "kw:\n    '|all': evil\ncondition: kw", msg: "keyword search: all on a single value (line 7)"},
		{name: "all on a single field reference", det: "sel:\n    a|fieldref|all: b\ncondition: sel", msg: `field "a": all on a single value`},
		{name: "all on a single comparison", det: "sel:\n    n|gt|all: 5\ncondition: sel", msg: `field "n": all on a single value`},
		// Sigma 2.1, rules specification: "null cannot be part of a list
		// of field values".
		{name: "null in a list of values", det: "sel:\n    f:\n        - ''\n        - null\ncondition: sel", msg: `field "f": null in a list of values (line 9)`},
		{name: "null alone in a list", det: "sel:\n    f: [null]\ncondition: sel", msg: `field "f": null in a list of values (line 7)`},
		{name: "tilde null in a neq list", det: "sel:\n    f|neq: [a, ~]\ncondition: sel", msg: `field "f|neq": null in a list of values`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := tc.res
			if r == nil {
				r = &mapResolver{}
			}
			_, err := compileErr(r, tc.det, nil)
			if err == nil {
				t.Fatalf("compiled, want an error\n%s", tc.det)
			}
			var ue *sigma.UnsupportedError
			var re *sigma.RuleError
			var fe *sigma.FieldError
			switch {
			case tc.feature != "":
				if !errors.As(err, &ue) || ue.Feature != tc.feature {
					t.Fatalf("error %v (%T), want unsupported %q", err, err, tc.feature)
				}
			case tc.field:
				if !errors.As(err, &fe) {
					t.Fatalf("error %v (%T), want a field error", err, err)
				}
			default:
				if !errors.As(err, &re) {
					t.Fatalf("error %v (%T), want a rule error", err, err)
				}
			}
			if !strings.Contains(err.Error(), tc.msg) || !strings.Contains(err.Error(), "test rule") {
				t.Errorf("error %q does not name the rule and %q", err, tc.msg)
			}
		})
	}
}

func TestRequiredOperations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		det  string
		want []string // nil: no constraint
	}{
		{name: "list of operation names", det: "sel:\n    op:\n        - MICROSOFT.KEYVAULT/VAULTS/WRITE\n        - 'Microsoft.KeyVault/vaults/delete '\ncondition: sel",
			want: []string{"microsoft.keyvault/vaults/delete", "microsoft.keyvault/vaults/write"}},
		{name: "selection and not filter keeps the selection's", det: "sel:\n    op: a\n    x: 1\nfilter:\n    op: b\ncondition: sel and not filter", want: []string{"a"}},
		{name: "or of two constraints unites them", det: "s1:\n    op: a\ns2:\n    op: b\ncondition: 1 of s*", want: []string{"a", "b"}},
		{name: "or with an unconstrained branch constrains nothing", det: "s1:\n    op: a\ns2:\n    x: 1\ncondition: s1 or s2", want: nil},
		{name: "and intersects", det: "s1:\n    op: [a, b]\ns2:\n    op: [b, c]\ncondition: s1 and s2", want: []string{"b"}},
		{name: "wildcards constrain nothing", det: "sel:\n    op|startswith: MICROSOFT.NETWORK/\ncondition: sel", want: nil},
		{name: "unindexed field constrains nothing", det: "sel:\n    other: a\ncondition: sel", want: nil},
		{name: "neq constrains nothing", det: "sel:\n    op|neq: a\ncondition: sel", want: nil},
		{name: "cased still indexes", det: "sel:\n    op|cased: A\ncondition: sel", want: []string{"a"}},
		{name: "a selection in two ors", det: "s1:\n    op: a\ns2:\n    op: b\ns3:\n    op: c\ncondition: (s1 or s2) and (s1 or s3)", want: []string{"a"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := &mapResolver{indexed: map[string]bool{"op": true}}
			c := compile(t, r, tc.det, nil)
			got, ok := c.Operations()
			if ok != (tc.want != nil) || strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("Operations = %q, %v; want %q", got, ok, tc.want)
			}
		})
	}
}

// TestRequiredOperationsOfManySelections: the union of an or grew by
// copying per branch, so "1 of s*" over 20,000 selections of operation
// names took 22 s to load; it is linear now.
func TestRequiredOperationsOfManySelections(t *testing.T) {
	t.Parallel()
	const n = 10000
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "s%d:\n    op: v%d\n", i, i)
	}
	b.WriteString("condition: 1 of s*")
	start := time.Now()
	c := compile(t, &mapResolver{indexed: map[string]bool{"op": true}}, b.String(), nil)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("compiling %d selections took %v", n, d)
	}
	if got, ok := c.Operations(); !ok || len(got) != n {
		t.Errorf("Operations: %d names, %v; want %d", len(got), ok, n)
	}
}

func TestNeedles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		det  string
		want string // groups joined by ";", needles by ","
	}{
		{name: "list of names is one group", det: "sel:\n    f: [Foo.Exe, Bar.exe]\ncondition: sel", want: "bar.exe,foo.exe"},
		{name: "each item of a map is a group", det: "sel:\n    f: alpha\n    g|contains: gamma\ncondition: sel", want: "alpha;gamma"},
		{name: "run stops at characters JSON escapes", det: "sel:\n    f: 'say \"hello world\" now'\ncondition: sel", want: "hello world"},
		{name: "non-ASCII breaks the run", det: "sel:\n    f: 'Update application – Certificates'\ncondition: sel", want: "update application "},
		{name: "wildcards split the literal", det: "sel:\n    f: '*\\powershell.exe*-enc*'\ncondition: sel", want: "powershell.exe"},
		{name: "short values give none", det: "sel:\n    f: [ab, longer]\ncondition: sel", want: ""},
		{name: "integers give their digits", det: "sel:\n    ResultType: 50053\ncondition: sel", want: "50053"},
		{name: "all gives a group per value", det: "sel:\n    f|contains|all: [one, two]\ncondition: sel", want: "one;two"},
		{name: "or merges the branches", det: "a:\n    f: alpha\nb:\n    g: beta\ncondition: a or b", want: "alpha,beta"},
		{name: "or with a branch lacking needles gives none", det: "a:\n    f: alpha\nb:\n    g|re: beta\ncondition: a or b", want: ""},
		{name: "not gives none", det: "a:\n    f: alpha\ncondition: not a", want: ""},
		{name: "selection and not filter", det: "a:\n    f: alpha\nb:\n    f: beta\ncondition: a and not b", want: "alpha"},
		{name: "keywords give their text", det: "kw:\n    - Microsoft.Compute/virtualMachines/write\ncondition: kw", want: "microsoft.compute/virtualmachines/write"},
		{name: "base64offset gives its fragments", det: "sel:\n    f|base64offset|contains: '--donate-level='\ncondition: sel",
			want: "0tzg9uyxrllwxldmvsp,ls1kb25hdgutbgv2zww9,tlwrvbmf0zs1szxzlbd"},
		{name: "opaque field gives none", det: "sel:\n    opaque: alpha\ncondition: sel", want: ""},
		{name: "null alternative gives none", det: "sel:\n    f: [alpha]\nother:\n    f: null\ncondition: sel or other", want: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := &mapResolver{opaque: map[string]bool{"opaque": true}}
			c := compile(t, r, tc.det, nil)
			var groups []string
			for _, g := range c.Needles() {
				groups = append(groups, strings.Join(g, ","))
			}
			if got := strings.Join(groups, ";"); got != tc.want {
				t.Errorf("Needles = %q, want %q", got, tc.want)
			}
		})
	}
}
