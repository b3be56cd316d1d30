package fields_test

import (
	"testing"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/fields"
	"github.com/mamori-sec/mamori/internal/sigma"
)

// TestIntegersBeyondFloat64ReachRulesExactly: a record's JSON integer
// beyond 2^53 (9007199254740993 is 9007199254740992 as float64) and a
// typed int64 field compare exactly with a rule's integer.
func TestIntegersBeyondFloat64ReachRulesExactly(t *testing.T) {
	t.Parallel()
	raw := `{"properties":{"sequence":9007199254740993,"text":"9007199254740993","ratio":0.75}}`
	quota := &event.Event{Kind: event.KindActivity, Quota: &event.Quota{Limit: 9007199254740993}}
	tests := []struct {
		name string
		ev   *event.Event
		sel  string
		want bool
	}{
		{name: "JSON number is not its float64", ev: &event.Event{}, sel: "properties.sequence: 9007199254740992", want: false},
		{name: "JSON number equals itself", ev: &event.Event{}, sel: "properties.sequence: 9007199254740993", want: true},
		{name: "JSON number above its float64", ev: &event.Event{}, sel: "properties.sequence|gt: 9007199254740992", want: true},
		{name: "numeric string above its float64", ev: &event.Event{}, sel: "properties.text|gt: 9007199254740992", want: true},
		{name: "JSON float still compares", ev: &event.Event{}, sel: "properties.ratio|gte: 0.5", want: true},
		{name: "typed int64 is not its float64", ev: quota, sel: "quota.limit: 9007199254740992", want: false},
		{name: "typed int64 above its float64", ev: quota, sel: "quota.limit|gt: 9007199254740992", want: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rules, err := sigma.Parse([]byte("title: t\nlogsource:\n    product: azure\ndetection:\n    sel:\n        " + tc.sel + "\n    condition: sel\n"))
			if err != nil {
				t.Fatal(err)
			}
			r := fields.New()
			c, err := sigma.Compile(rules[0], r, nil)
			if err != nil {
				t.Fatal(err)
			}
			ev := *tc.ev
			ev.Raw = record(t, raw)
			e := r.NewEvent()
			e.Reset(&ev)
			if got := c.Match(e); got != tc.want {
				t.Errorf("Match = %v, want %v (%s)", got, tc.want, tc.sel)
			}
		})
	}
}
