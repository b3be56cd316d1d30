package alert

import (
	"fmt"
	"testing"
	"time"
)

func TestMerge(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 3, 14, 1, 0, 0, 0, time.UTC)
	ev := func(i int) Evidence {
		return Evidence{File: "PT1H.json", Line: i, Offset: int64(i * 100), Time: t0.Add(time.Duration(i) * time.Minute)}
	}
	of := func(from, to int, ips ...string) Alert {
		a := Alert{ID: "x", Rule: "r", Summary: fmt.Sprintf("%d records", to-from+1), IPs: ips}
		for i := from; i <= to; i++ {
			if len(a.Evidence) < MaxEvidence {
				a.Evidence = append(a.Evidence, ev(i))
			}
			a.Count++
		}
		a.Time = ev(from).Time
		if to > from {
			a.LastTime = ev(to).Time
		}
		return a
	}
	for _, c := range []struct {
		name      string
		old, new  Alert
		count     int
		first     time.Time
		last      time.Time
		summary   string
		evidence  int
		addresses int
	}{
		{"records that arrived since", of(1, 32, "a"), of(33, 44, "b"), 44, ev(1).Time, ev(44).Time, "32 records", 44, 2},
		{"a window read again, and one more", of(1, 10, "a"), of(1, 11, "a"), 11, ev(1).Time, ev(11).Time, "11 records", 11, 1},
		{"the same window read again", of(1, 10), of(1, 10), 10, ev(1).Time, ev(10).Time, "10 records", 10, 0},
		// Past the evidence's 50 records, what it cannot tell apart is not
		// counted twice: a window read again each cycle would grow.
		{"a large window read again", of(1, 200), of(1, 200), 200, ev(1).Time, ev(200).Time, "200 records", 50, 0},
		{"an earlier record read late", of(5, 9), of(2, 2), 6, ev(2).Time, ev(9).Time, "5 records", 6, 0},
		// Past 50, records later than the stored alert's last still count.
		{"a third cycle's records", Merge(of(1, 40), of(41, 80)), of(81, 120), 120, ev(1).Time, ev(120).Time, "40 records", 50, 0},
		{"a large alert, then one more", of(1, 200), of(201, 201), 201, ev(1).Time, ev(201).Time, "200 records", 50, 0},
	} {
		m := Merge(c.old, c.new)
		if m.Count != c.count || !m.Time.Equal(c.first) || !m.LastTime.Equal(c.last) || m.Summary != c.summary || len(m.Evidence) != c.evidence || len(m.IPs) != c.addresses {
			t.Errorf("%s: count %d, %v → %v, %q, %d evidence, %d addresses; want %d, %v → %v, %q, %d, %d",
				c.name, m.Count, m.Time, m.LastTime, m.Summary, len(m.Evidence), len(m.IPs), c.count, c.first, c.last, c.summary, c.evidence, c.addresses)
		}
		for i := 1; i < len(m.Evidence); i++ {
			if m.Evidence[i].Time.Before(m.Evidence[i-1].Time) {
				t.Errorf("%s: evidence out of time order", c.name)
				break
			}
		}
	}
}
