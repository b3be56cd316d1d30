package correlate

import "time"

// instant is a time in Unix nanoseconds, clamped to ±2^62 (years 1824 to
// 2116) so that adding a timespan (at most 100 years) cannot overflow.
type instant int64

const (
	minInstant instant = -1 << 62
	maxInstant instant = 1 << 62
)

func at(t time.Time) instant {
	// UnixNano is undefined out of its range: clamp on seconds first.
	switch s := t.Unix(); {
	case s >= int64(maxInstant)/1e9:
		return maxInstant
	case s <= int64(minInstant)/1e9:
		return minInstant
	}
	return instant(t.UnixNano())
}

func (i instant) time() time.Time { return time.Unix(0, int64(i)).UTC() }

// entry is one match held in a group's window.
type entry struct {
	t     instant    // when it counts (a chained fire: when it triggered)
	first instant    // its first underlying match (t, but for a chained fire)
	ref   int        // the match's Ref
	sub   []int      // a chained fire's members instead of ref
	pos   int        // which rules entry it came through
	vals  []fieldVal // value_count: the distinct values of the value fields
	nums  []float64  // value_sum, value_avg, value_percentile: numeric values
}

type fieldVal struct {
	f int
	v string
}

// group is the state of one correlation for one tenant and group key.
type group struct {
	key      string
	vals     []string // group values, in group-by order
	es       []entry  // the window (from head on), in time order
	head     int
	agg      aggregator
	incident bool    // fired; absorbing matches until end
	end      instant // incident end, or a closing window's end
	timer    uint64  // the armed timer's sequence number, 0 when none
	dead     bool
}

func (g *group) live() []entry { return g.es[g.head:] }

// push appends an entry and adds it to the aggregate.
func (g *group) push(e entry) {
	g.es = append(g.es, e)
	g.agg.add(&g.es[len(g.es)-1])
}

// evictBefore drops entries older than x, returning how many.
func (g *group) evictBefore(x instant) int {
	n := 0
	for g.head < len(g.es) && g.es[g.head].t < x {
		g.agg.remove(&g.es[g.head])
		g.es[g.head] = entry{} // let the collector have its slices
		g.head++
		n++
	}
	// Reuse the array once its dead prefix dominates; once a burst has
	// left the window, let go of the array it grew (a day's window of a
	// busy principal's creates held four times what was left).
	if g.head >= 16 && g.head*2 >= len(g.es) {
		live := g.es[g.head:]
		if cap(g.es) > 4*len(live)+16 {
			g.es = append(make([]entry, 0, 2*len(live)+8), live...)
		} else {
			m := copy(g.es, live)
			clear(g.es[m:])
			g.es = g.es[:m]
		}
		g.head = 0
	}
	if g.head == len(g.es) {
		g.es, g.head = g.es[:0], 0
	}
	return n
}
