package alert

import (
	"slices"
	"time"
)

// FirstWithin returns the time of the alert's first record between start
// and end (both included), and whether one lies there. Time and LastTime
// bracket records that may be days apart (a rule merging by principal and
// address makes one alert of two attacks from the same address), so a span
// between them may hold none of them: the evidence's times say where the
// records are. A rule's alert lists its first records in time; when Count
// says there are more, the rest lie between the last one listed and
// LastTime, and the first moment of that stretch in the span stands for
// them. (Evidence out of time order, as a correlation built on another may
// list it, says less: the rest may then lie anywhere from Time on.) An
// alert without evidence is judged by Time and LastTime alone.
func (a Alert) FirstWithin(start, end time.Time) (time.Time, bool) {
	var first time.Time
	for _, e := range a.Evidence {
		if !e.Time.Before(start) && !e.Time.After(end) && (first.IsZero() || e.Time.Before(first)) {
			first = e.Time
		}
	}
	if !first.IsZero() {
		return first, true
	}
	from := a.Time
	if n := len(a.Evidence); n > 0 {
		if a.Count <= n {
			return time.Time{}, false
		}
		if slices.IsSortedFunc(a.Evidence, func(x, y Evidence) int { return x.Time.Compare(y.Time) }) {
			from = a.Evidence[n-1].Time
		}
	}
	to := a.LastTime
	if to.Before(from) {
		to = from
	}
	if to.Before(start) || from.After(end) {
		return time.Time{}, false
	}
	if from.Before(start) {
		from = start
	}
	return from, true
}
