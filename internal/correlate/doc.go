// Package correlate runs Sigma correlation rules (specification 2.1) over
// the matches of detection rules, and mamori's first_seen extension.
//
// The engine evaluates detection rules; for every hit it records a Match
// carrying the fields the correlations asked for (Set.Needs). Compile turns
// the correlation documents into a Set; a Stream consumes matches in time
// order per tenant (Add, Advance, Flush) and returns Fires; Set.Process does
// a whole hunt at once. Every correlation keeps its state per tenant and per
// group: tenants never mix.
//
// # Supported
//
// Types event_count, value_count, value_sum, value_avg, value_percentile,
// temporal and temporal_ordered; group-by (optional: without it a tenant is
// one group), aliases (a group-by name or value field read from a
// different field per referenced rule), generate (in the correlation
// section, as pySigma reads it, or at the top level, as the JSON schema has
// it), conditions with gt, gte, lt, lte, eq and neq (several link with AND,
// a range), the condition's field (also accepted directly under
// correlation), and chains: a correlation may reference correlations, whose
// fires then count as matches carrying their group-by values. Timespans are
// a positive number followed by s, m, h, d or w (w as pySigma adds it).
// Everything else is refused with an *sigma.UnsupportedError naming the
// rule and the feature: extended (string) conditions, value_median and
// other types, a value_percentile without `percentile`, a temporal_ordered
// condition other than "all the rules", unknown correlation keys.
//
// # Semantics where the specification leaves a choice
//
//   - Windows are inclusive: two matches are within a timespan T when
//     their times differ by at most T.
//   - Group values are the field's values as the match carries them, compared
//     exactly. A match lacking a group-by field belongs to the group whose
//     value is "" for it; a field with several values puts the match in the
//     group of each value (at most 64 combinations per match).
//   - value_count counts distinct values of the field (each value of a
//     multi-valued field counts; absent fields count nothing); with a list
//     of fields the condition must hold for each, and the reported value is
//     the smallest count. value_sum, value_avg and value_percentile read the
//     field's values as numbers, ignoring those that are not.
//     value_percentile takes pySigma's `percentile` key (0-100) and compares
//     the nearest-rank percentile of the values with the condition.
//   - temporal counts the distinct referenced rules matched in the window;
//     without a condition all of them must match. temporal_ordered needs
//     every rule matched in the listed order (equal times count as in order).
//   - Conditions with only lower bounds (gt, gte) on a count, distinct count
//     or sum grow as matches arrive: the window slides over event time and the
//     correlation triggers at the match that makes the window's aggregate
//     meet the condition. The group then stays in an incident for one
//     timespan after that match: further matches join the same fire instead
//     of firing again, and when the incident ends the group starts afresh
//     (the next fire needs a new window of new matches). A burst of 500
//     matches is one Fire with Count 500 (Members capped, Options.MaxMembers).
//     The Fire is emitted when the incident ends (its timespan has passed in
//     event time) or at Flush; correlations chained on it see it at once,
//     at the time it triggered.
//   - Other conditions (upper bounds, eq, neq) and the non-monotonic
//     aggregates (value_avg, value_percentile) are decided when a window
//     closes: a group's window opens at its first match, lasts one timespan
//     and is then evaluated once; the next match opens the next window. A
//     window exists only where there is a match, so "fewer than 5" never
//     fires for a group that had none.
//   - generate: a rule (detection or correlation) referenced by a
//     correlation whose generate is false (the default) is Silent: its own
//     matches make no alert. Fires of a silent correlation still feed the
//     correlations chained on it but are not returned.
//   - Time runs per tenant: the latest match time seen (or Advance) is the
//     watermark. A match older than the watermark is taken as arriving at
//     the watermark (the engine sorts, so this happens only to stragglers).
//
// # Memory
//
// Per correlation, tenant and group a Stream keeps the matches of the open
// window (and of an open incident), nothing older: a group's entries are
// dropped once older than one timespan, at its next match or by a timer, and
// an idle group is released. At any moment the entries held are at most the
// matches of the last two timespans (per correlation and tenant); Stats
// reports them. first_seen keeps one time per key, in the Baseline; the
// in-memory baseline forgets keys older than the baseline window.
//
// # Extension: first_seen (mamori)
//
// type first_seen is not part of Sigma. Like Elastic's new-terms rules, it
// fires for a match whose group-by key (a principal, or a tenant and region)
// has not been seen in the trailing baseline window before it:
//
//	title: Compute created by a principal new to the tenant
//	name: new_compute_principal
//	correlation:
//	    type: first_seen
//	    rules: [compute_created]
//	    group-by: [principal.id]
//	    timespan: 14d   # the baseline window; optional, 14d by default
//
// The referenced rules' matches feed the baseline. The first baseline
// window of a tenant's data is a learning period: keys are recorded, nothing
// fires. The data starts at Options.DataStart, Options.TenantStart or
// Stream.Start (the first event of the tenant, which the engine knows), else
// at the tenant's first match. After the learning period a key not seen in
// the trailing window fires once (Count 1, Members the match) and is
// recorded; further matches with that key only refresh it. Options.Baseline
// (the hunt's --baseline) sets every learning period, not the windows; a
// rule's "learning: none" has none, whatever the hunt says. The Baseline
// interface lets a store seed and keep the keys across runs; the default
// lives in memory. A store that is also a FireMemory lets a first_seen
// chained into a windowed correlation fire again on a record read again in
// a service's next cycle (Set.Carry). A match without a value for one of
// the group-by fields is neither learned nor new. first_seen takes no
// condition and needs a group-by.
package correlate
