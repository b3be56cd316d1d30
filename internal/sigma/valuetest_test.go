package sigma_test

import (
	"testing"

	"github.com/mamori-sec/mamori/internal/sigma"
)

func TestValueTest(t *testing.T) {
	t.Parallel()
	// Operation values tried on every rule: the test must hold on each one
	// the rule matches (with any value of x), and give the listed results.
	ops := []string{"microsoft.compute/virtualmachines/write", "microsoft.compute/virtualmachines/delete",
		"microsoft.storage/storageaccounts/listkeys/action", "a", "b", ""}
	tests := []struct {
		name string
		det  string
		pass []string // nil: no test (the rule constrains nothing)
	}{
		{name: "endswith", det: "sel:\n    op|endswith: /WRITE\n    x: 1\ncondition: sel",
			pass: []string{"microsoft.compute/virtualmachines/write"}},
		{name: "equality", det: "sel:\n    op: [a, b]\ncondition: sel", pass: []string{"a", "b"}},
		{name: "and of two tests", det: "s1:\n    op|startswith: microsoft.compute/\ns2:\n    op|contains: delete\ncondition: s1 and s2",
			pass: []string{"microsoft.compute/virtualmachines/delete"}},
		{name: "or of two tests", det: "s1:\n    op: a\ns2:\n    op|endswith: /action\ncondition: s1 or s2",
			pass: []string{"microsoft.storage/storageaccounts/listkeys/action", "a"}},
		{name: "all modifier needs every value", det: "sel:\n    op|contains|all: [compute, write]\ncondition: sel",
			pass: []string{"microsoft.compute/virtualmachines/write"}},
		{name: "selection and not filter keeps the selection's", det: "sel:\n    op|re: '^a$'\nf:\n    op: b\ncondition: sel and not f", pass: []string{"a"}},
		{name: "or with an unconstrained branch constrains nothing", det: "s1:\n    op: a\ns2:\n    x: 1\ncondition: s1 or s2"},
		{name: "negation constrains nothing", det: "sel:\n    op|neq: a\ncondition: sel"},
		{name: "null matches an absent field", det: "s1:\n    op: a\ns2:\n    op: null\ncondition: 1 of s*"},
		{name: "exists constrains nothing", det: "sel:\n    op|exists: true\ncondition: sel"},
		{name: "unindexed field constrains nothing", det: "sel:\n    x: 1\ncondition: sel"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := &mapResolver{indexed: map[string]bool{"op": true}}
			c := compile(t, r, tc.det, nil)
			test, ok := c.ValueTest("operation")
			if ok != (tc.pass != nil) {
				t.Fatalf("ValueTest ok = %v, want %v", ok, tc.pass != nil)
			}
			if _, other := c.ValueTest("outcome"); other {
				t.Errorf("a test on an index no field has")
			}
			want := map[string]bool{}
			for _, p := range tc.pass {
				want[p] = true
			}
			for _, op := range ops {
				matches := false
				for _, x := range []string{"1", "2"} {
					matches = matches || c.Match(mapFields{r, record{"op": str(op), "x": str(x)}})
				}
				if !ok {
					continue
				}
				got := test(sigma.StringValue(op))
				if matches && !got {
					t.Errorf("rule matches operation %q but its test says it cannot", op)
				}
				if got != want[op] {
					t.Errorf("test(%q) = %v, want %v", op, got, want[op])
				}
			}
		})
	}
}
