package alert

import (
	"slices"
	"time"
)

// Merge is the alert found in an earlier run (old) and again in a later
// one (found, the same id: the same rule and group) as one alert: a
// service hunts each cycle's new records, so an alert that groups records
// over time (a principal's ARM writes from an address not the tenant's)
// is found again with the records that arrived since, and a window's
// records read again for a correlation (carried) are found twice. While
// each alert's evidence holds all its records (up to 50) the count is
// that of the records of both; past that, the records of one later than
// the other's last are added to it, and what the evidence cannot tell
// apart is not counted twice (a window read again each cycle must not
// grow its alert each cycle).
// The summary is the fuller alert's; the incident is old's, the one it was
// written and told under, when it has one (not the one a later run's own
// grouping gave it).
func Merge(old, found Alert) Alert {
	m := old
	if found.Count > old.Count {
		m = found
	}
	m.Time = earliest(old.Time, found.Time)
	m.LastTime = latest(old.LastTime, found.LastTime, old.Time, found.Time)
	if m.LastTime.Equal(m.Time) {
		m.LastTime = time.Time{}
	}
	m.Evidence = slices.Clone(old.Evidence)
	for _, e := range found.Evidence {
		if !slices.ContainsFunc(m.Evidence, func(o Evidence) bool { return sameRecord(o, e) }) {
			m.Evidence = append(m.Evidence, e)
		}
	}
	oldAll, foundAll := old.Count == len(old.Evidence), found.Count == len(found.Evidence)
	if oldAll && foundAll {
		m.Count = len(m.Evidence)
	} else {
		// Records after the last one an alert holds are not among its
		// records, whatever its evidence kept.
		m.Count = max(old.Count, found.Count, len(m.Evidence))
		if foundAll {
			m.Count = max(m.Count, old.Count+after(found.Evidence, old))
		}
		if oldAll {
			m.Count = max(m.Count, found.Count+after(old.Evidence, found))
		}
	}
	slices.SortStableFunc(m.Evidence, func(a, b Evidence) int { return a.Time.Compare(b.Time) })
	m.Evidence = m.Evidence[:min(len(m.Evidence), MaxEvidence)]
	m.PrincipalIDs = union(old.PrincipalIDs, found.PrincipalIDs)
	m.CorrelationIDs = union(old.CorrelationIDs, found.CorrelationIDs)
	m.IPs = union(old.IPs, found.IPs)
	m.OwnedIPs = union(old.OwnedIPs, found.OwnedIPs)
	m.Resources = union(old.Resources, found.Resources)
	m.Hosts = union(old.Hosts, found.Hosts)
	m.Compute = slices.Clone(old.Compute)
	for _, c := range found.Compute {
		if !slices.Contains(m.Compute, c) {
			m.Compute = append(m.Compute, c)
		}
	}
	if old.Incident != "" {
		m.Incident = old.Incident
	}
	return m
}

// after counts the records of evs later than a's last, which a cannot
// hold.
func after(evs []Evidence, a Alert) int {
	last := latest(a.Time, a.LastTime)
	n := 0
	for _, e := range evs {
		if e.Time.After(last) {
			n++
		}
	}
	return n
}

// MaxEvidence bounds the evidence an alert keeps; Count keeps the total.
const MaxEvidence = 50

// maxList bounds an alert's lists (addresses, resources, ids): a principal
// acting from thousands of addresses makes an alert, not a megabyte.
const maxList = 100

// AddUnique appends to list each of vs not empty and not in it yet, while
// it holds fewer than maxList.
func AddUnique(list []string, vs ...string) []string {
	for _, v := range vs {
		if v != "" && !slices.Contains(list, v) && len(list) < maxList {
			list = append(list, v)
		}
	}
	return list
}

// sameRecord: two pieces of evidence point at the same record.
func sameRecord(a, b Evidence) bool {
	if a.EventID != "" || b.EventID != "" {
		return a.EventID == b.EventID && a.Index == b.Index
	}
	return a.File == b.File && a.Line == b.Line && a.Offset == b.Offset && a.Index == b.Index && a.Time.Equal(b.Time)
}

func union(a, b []string) []string { return AddUnique(slices.Clone(a), b...) }

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func latest(ts ...time.Time) time.Time {
	var l time.Time
	for _, t := range ts {
		if t.After(l) {
			l = t
		}
	}
	return l
}
