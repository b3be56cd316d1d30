package correlate

import "math"

// aggregator keeps a window's aggregate as entries come and go.
type aggregator interface {
	add(e *entry)
	remove(e *entry)
	value(es []entry) float64
}

func newAggregator(c *corr) aggregator {
	n := len(c.inputs)
	switch c.sp.kind {
	case valueCount:
		d := &distinct{m: make([]map[string]int, len(c.sp.fields))}
		for i := range d.m {
			d.m[i] = map[string]int{}
		}
		return d
	case valueSum:
		return &sum{}
	case valueAvg:
		return &sum{avg: true}
	case valuePercentile:
		return &percentile{p: c.sp.percentile}
	case temporal:
		return &rules{counts: make([]int, n)}
	case temporalOrdered:
		return &ordered{span: instant(c.sp.span), start: make([]instant, n), last: make([]instant, n), has: make([]bool, n), seen: make([]bool, n)}
	}
	return count{}
}

// count is event_count: the number of entries.
type count struct{}

func (count) add(*entry)               {}
func (count) remove(*entry)            {}
func (count) value(es []entry) float64 { return float64(len(es)) }

// distinct is value_count: distinct values per field; the value is the
// smallest of the fields' counts, since each must meet the condition.
type distinct struct{ m []map[string]int }

func (d *distinct) add(e *entry) {
	for _, fv := range e.vals {
		d.m[fv.f][fv.v]++
	}
}

func (d *distinct) remove(e *entry) {
	for _, fv := range e.vals {
		m := d.m[fv.f]
		if m[fv.v]--; m[fv.v] <= 0 {
			delete(m, fv.v)
		}
	}
}

func (d *distinct) value([]entry) float64 {
	v := math.MaxInt
	for _, m := range d.m {
		v = min(v, len(m))
	}
	return float64(v)
}

// sum is value_sum, or value_avg when avg is set.
type sum struct {
	s   float64
	n   int
	avg bool
}

func (a *sum) add(e *entry) {
	for _, x := range e.nums {
		a.s += x
	}
	a.n += len(e.nums)
}

func (a *sum) remove(e *entry) {
	for _, x := range e.nums {
		a.s -= x
	}
	if a.n -= len(e.nums); a.n == 0 {
		a.s = 0 // no rounding residue in an empty window
	}
}

func (a *sum) value([]entry) float64 {
	if a.avg {
		if a.n == 0 {
			return math.NaN()
		}
		return a.s / float64(a.n)
	}
	return a.s
}

// percentile is value_percentile: the nearest-rank percentile, computed
// when the window closes.
type percentile struct{ p float64 }

func (percentile) add(*entry)    {}
func (percentile) remove(*entry) {}

func (a percentile) value(es []entry) float64 {
	var xs []float64
	for i := range es {
		xs = append(xs, es[i].nums...)
	}
	return nearestRank(xs, a.p)
}

// rules is temporal: how many of the referenced rules have a match.
type rules struct {
	counts []int
	n      int
}

func (r *rules) add(e *entry) {
	if r.counts[e.pos]++; r.counts[e.pos] == 1 {
		r.n++
	}
}

func (r *rules) remove(e *entry) {
	if r.counts[e.pos]--; r.counts[e.pos] == 0 {
		r.n--
	}
}

func (r *rules) value([]entry) float64 { return float64(r.n) }

// ordered is temporal_ordered. start[k] is the latest start of a chain
// matching rules 0..k in order with the matches seen so far; the latest
// start is the one most likely to fit the timespan, so it is the only one
// kept. A chain of every rule ending at t is complete when t-start fits.
type ordered struct {
	span     instant
	start    []instant
	last     []instant // the latest match of each rule
	has      []bool    // start[k] is set
	seen     []bool    // last[k] is set
	complete bool
}

func (o *ordered) add(e *entry) {
	j, t, n := e.pos, e.t, len(o.start)
	o.last[j], o.seen[j] = t, true
	if !o.extend(j, t) {
		return
	}
	// Matches at the same instant count as in order whichever came first:
	// extend through later rules already matched at t.
	for k := j + 1; k < n && o.seen[k] && o.last[k] == t; k++ {
		o.extend(k, t)
		j = k
	}
	if j == n-1 && t-o.start[n-1] <= o.span {
		o.complete = true
	}
}

// extend records that a chain through rule k can end at t.
func (o *ordered) extend(k int, t instant) bool {
	s := t
	if k > 0 {
		if !o.has[k-1] {
			return false
		}
		s = o.start[k-1]
	}
	if !o.has[k] || s > o.start[k] {
		o.start[k], o.has[k] = s, true
	}
	return true
}

func (o *ordered) remove(*entry) {}

func (o *ordered) value([]entry) float64 {
	if o.complete {
		return float64(len(o.start))
	}
	return 0
}
