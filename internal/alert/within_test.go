package alert

import (
	"testing"
	"time"
)

func TestFirstWithinLooksAtTheRecordsNotTheSpanBetweenThem(t *testing.T) {
	t.Parallel()
	day := time.Date(2026, 3, 8, 0, 0, 0, 0, time.UTC)
	start, end := day.Add(time.Hour), day.Add(2*time.Hour) // the span asked about
	ev := func(ts ...time.Time) []Evidence {
		var out []Evidence
		for _, at := range ts {
			out = append(out, Evidence{Time: at})
		}
		return out
	}
	before, inside, after := day.Add(-20*time.Hour), day.Add(90*time.Minute), day.Add(30*time.Hour)
	for _, tc := range []struct {
		name string
		a    Alert
		want time.Time // zero: no record in the span
	}{
		{"records the day before and the day after are not in the span between them",
			Alert{Time: before, LastTime: after, Count: 2, Evidence: ev(before, after)}, time.Time{}},
		{"a record inside is found among others",
			Alert{Time: before, LastTime: after, Count: 3, Evidence: ev(before, inside, after)}, inside},
		{"a record on the span's end counts",
			Alert{Time: end, Count: 1, Evidence: ev(end)}, end},
		{"records left out of the evidence may lie in the span: it starts them",
			Alert{Time: before, LastTime: after, Count: 60, Evidence: ev(before)}, start},
		{"records left out after the last listed, all before the span, are not in it",
			Alert{Time: before, LastTime: day, Count: 60, Evidence: ev(before)}, time.Time{}},
		{"records left out of evidence out of time order may lie anywhere from the alert's start",
			Alert{Time: before, LastTime: after, Count: 60, Evidence: ev(after, before.Add(time.Hour), after)}, start},
		{"without evidence the alert's own times decide",
			Alert{Time: day.Add(30 * time.Minute), LastTime: inside}, start},
		{"without evidence an alert after the span is not in it",
			Alert{Time: after}, time.Time{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := tc.a.FirstWithin(start, end)
			if ok != !tc.want.IsZero() || !got.Equal(tc.want) {
				t.Fatalf("FirstWithin = %v, %v; want %v, %v", got, ok, tc.want, !tc.want.IsZero())
			}
		})
	}
}
