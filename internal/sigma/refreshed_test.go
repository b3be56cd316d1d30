package sigma_test

import (
	"testing"

	"github.com/mamori-sec/mamori/internal/sigma"
)

// TestRefreshed: a rule reads a Refreshed field through any item of its
// detection (selected or not, under a not, a field reference), or through
// a filter attached to it; no other rule does.
func TestRefreshed(t *testing.T) {
	t.Parallel()
	res := &mapResolver{fresh: map[string]bool{"owned": true}}
	const file = `title: Plain
id: 11111111-1111-1111-1111-111111111111
logsource: {product: azure, service: activitylogs}
detection:
    sel: {op: write}
    condition: sel
---
title: Negated
logsource: {product: azure, service: activitylogs}
detection:
    sel: {op: write}
    mine: {owned: true}
    condition: sel and not mine
---
title: Unused search
logsource: {product: azure, service: activitylogs}
detection:
    sel: {op: write}
    mine: {owned: true}
    condition: sel
---
title: Field reference
logsource: {product: azure, service: activitylogs}
detection:
    sel: {op|fieldref: owned}
    condition: sel
---
title: Filtered
id: 22222222-2222-2222-2222-222222222222
logsource: {product: azure, service: activitylogs}
detection:
    sel: {op: write}
    condition: sel
---
title: Sources the tenant owns are expected
logsource: {product: azure}
filter:
    rules: [22222222-2222-2222-2222-222222222222]
    mine: {owned: true}
    condition: mine
`
	docs, err := sigma.Parse([]byte(file))
	if err != nil || len(docs) != 6 {
		t.Fatalf("Parse: %d, %v", len(docs), err)
	}
	want := []bool{false, true, true, true, false}
	var rules []*sigma.Compiled
	for i, d := range docs[:5] {
		c, err := sigma.Compile(d, res, nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.Refreshed() != want[i] {
			t.Errorf("%s: Refreshed %v, want %v", d.Title, c.Refreshed(), want[i])
		}
		rules = append(rules, c)
	}
	f, err := sigma.CompileFilter(docs[5], res, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := sigma.ApplyFilters(rules, []*sigma.Filter{f}); err != nil {
		t.Fatal(err)
	}
	if !rules[4].Refreshed() {
		t.Error("a filter reading a Refreshed field is attached, yet the rule is not Refreshed")
	}
	if rules[0].Refreshed() {
		t.Error("a rule the filter does not name became Refreshed")
	}
}
