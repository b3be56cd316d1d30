package correlate

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Match is one detection-rule hit as the correlation stage needs it.
type Match struct {
	Rule   string // the detection rule's name (Sigma `name`, else its id)
	RuleID string // its id; correlations may reference either
	Time   time.Time
	Tenant string
	// Fields holds the values of the fields Set.Needs named for the rule,
	// copied out of the event. A missing name means the field is absent.
	Fields map[string][]string
	// Names and Values give the fields another way, used when Fields is
	// nil: Values[i] are the values of field Names[i]. A caller making a
	// match per hit spares itself a map per hit.
	Names  []string
	Values [][]string
	// Ref is the engine's index of this hit, reported in Fire.Members. Give
	// equal-time matches Refs that do not depend on scheduling (input
	// order) and the output is the same on every run.
	Ref int
}

// Fire is a correlation that matched.
type Fire struct {
	Rule   string // the correlation's name
	RuleID string // its id
	Title  string
	Level  string
	Tags   []string
	Type   string // correlation type: event_count … first_seen
	Tenant string
	// Time is the first contributing match, LastTime the last.
	Time, LastTime time.Time
	// GroupKey maps each group-by name (an alias name when aliased) to the
	// group's value.
	GroupKey map[string]string
	// Members are the Refs of the contributing matches in time order (those
	// of the matches behind a chained correlation's fire included), at most
	// Options.MaxMembers of them.
	Members []int
	// Count is the exact number of contributing matches (fires of chained
	// correlations count one each).
	Count int
	// Value is the aggregate that met the condition over all contributing
	// matches: the count, distinct count, sum, average or percentile; the
	// number of rules matched for temporal types; 1 for first_seen.
	Value float64
	// Fields are the condition's fields, whose values Value aggregates
	// (value_count, value_sum, …); nil for the other types.
	Fields []string
}

// SortFires orders fires by time, rule, group key, then tenant, so that
// the same input gives the same output.
func SortFires(fs []Fire) {
	slices.SortStableFunc(fs, func(a, b Fire) int {
		// cmp.Or evaluates all its arguments: the group keys, which are
		// rendered to compare, only when time and rule tie.
		if c := cmp.Or(a.Time.Compare(b.Time), cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.RuleID, b.RuleID)); c != 0 {
			return c
		}
		return cmp.Or(cmp.Compare(keyText(a.GroupKey), keyText(b.GroupKey)), cmp.Compare(a.Tenant, b.Tenant),
			a.LastTime.Compare(b.LastTime), cmp.Compare(a.Count, b.Count))
	})
}

// keyText renders a group key canonically, names sorted, for ordering.
func keyText(k map[string]string) string {
	names := make([]string, 0, len(k))
	for n := range k {
		names = append(names, n)
	}
	slices.Sort(names)
	var b strings.Builder
	for _, n := range names {
		b.WriteString(strconv.Quote(n))
		b.WriteByte('=')
		b.WriteString(strconv.Quote(k[n]))
		b.WriteByte(',')
	}
	return b.String()
}
