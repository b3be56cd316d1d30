package sigma_test

import (
	"testing"

	"github.com/mamori-sec/mamori/internal/sigma"
)

// Where decides a condition's items on the indexed field once; on every
// record whose field has the value it was given, it matches as Match
// does: through negations, N of, items it cannot decide (neq, null,
// exists) and filters' exclusions.
func TestWhere(t *testing.T) {
	t.Parallel()
	ops := []string{"a/write", "b/write", "c/action"}
	for _, det := range []string{
		"s:\n    op: a/write\ncondition: s",
		"s:\n    op: [a/write, b/write]\nx:\n    x: 1\ncondition: s and x",
		"s:\n    op|endswith: /write\nx:\n    x: 1\ncondition: s and not x",
		"s:\n    op: a/write\nt:\n    op: c/action\nx:\n    x: 1\ncondition: (s and x) or t",
		"s:\n    op: a/write\nt:\n    op: b/write\nx:\n    x: 1\ncondition: not s and not t",
		"s:\n    op: a/write\nt:\n    op: b/write\nx:\n    x: 1\ncondition: 2 of them",
		"s:\n    op|neq: a/write\nx:\n    x: 2\ncondition: s or x",
		"s:\n    op: null\nx:\n    x: 1\ncondition: s or x",
		"s:\n    op|exists: true\nx:\n    x: 1\ncondition: s and x",
		"s:\n    op|re: '^[ab]/'\nt:\n    x: [1, 2]\ncondition: all of them",
		"s:\n    op: a/write\nx:\n    x|neq: 3\ncondition: s and x",
	} {
		r := &mapResolver{indexed: map[string]bool{"op": true}}
		c := compile(t, r, det, nil)
		docs, err := sigma.Parse([]byte("title: f\nlogsource:\n    product: azure\nfilter:\n    rules: [00000000-0000-0000-0000-000000000001]\n    three:\n        x: 3\n    condition: three\n"))
		if err != nil || len(docs) != 1 {
			t.Fatalf("filter: %v", err)
		}
		f, err := sigma.CompileFilter(docs[0], r, nil)
		if err == nil {
			err = sigma.ApplyFilters([]*sigma.Compiled{c}, []*sigma.Filter{f})
		}
		if err != nil {
			t.Fatalf("filter: %v", err)
		}
		for _, op := range ops {
			where := c.Where("operation", sigma.StringValue(op))
			for _, x := range [][]sigma.Value{nil, str("1"), str("2"), str("3")} {
				rec := record{"op": str(op)}
				if x != nil {
					rec["x"] = x
				}
				if got, want := where(mapFields{r, rec}), c.Match(mapFields{r, rec}); got != want {
					t.Errorf("%s\non op %s, x %v: Where %v, Match %v", det, op, x, got, want)
				}
			}
		}
	}
}
