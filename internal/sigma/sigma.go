// Package sigma parses Sigma rules (specification 2.1: detection rules,
// filters, and the documents of correlation files) and compiles their
// detection into Go closures over an abstract event.
//
// A compiled rule reads the event only through Fields, with field ids a
// Resolver handed out at compile time, so the package knows nothing of
// mamori's event: package fields adapts event.Event. Compilation does the
// work once (wildcards become prefix/suffix/contains tests, needles are
// lower-cased, regular expressions compiled, base64 and UTF-16 forms
// computed) so that evaluating a rule allocates nothing.
//
// Every feature of the specification and its modifiers appendix is either
// implemented or refused: a rule using something this engine cannot honour
// fails to compile with an *UnsupportedError naming the rule and the
// feature. Nothing is silently treated as "no match".
//
// Semantics where the specification leaves a choice (documented here once):
//
//   - A field with several values (a JSON array, a list of targets) matches
//     a value when any of its values does; "all" links the rule's values
//     with AND, each of them matched by any value of the field. As the
//     specification says, all on a single value is refused.
//   - `field: null` matches when the field is absent or one of its values
//     is null; `field|exists: true` matches when the field is present,
//     whatever its value (null included). As the specification says, null
//     is refused in a list of values: it stands alone.
//   - Strings match case-insensitively (full Unicode simple folding), unless
//     `cased`. Numbers in a rule match numbers numerically and strings by
//     their text or numeric value ("50053" and 50053 are equal); integers
//     compare exactly up to 64 bits (int64 and uint64), beyond the 2^53
//     where float64 stops holding them, and other numbers as float64.
//     Booleans match booleans and the strings "true"/"false".
//   - Keywords (a list of strings under a search identifier) match when
//     the value appears anywhere in any string of the record: they are
//     contains searches unless startswith/endswith/re says otherwise.
//   - `re` searches (unanchored, Go RE2 syntax, which covers the PCRE subset
//     the specification allows); `re|startswith` anchors at the start,
//     `re|endswith` at the end, `re|contains` is the plain search.
//   - `neq` negates the whole item: the field differs from every value
//     (an absent field differs).
//   - Time modifiers (minute, hour, day, week, month, year) read the field as
//     a timestamp (any Azure form, or Unix seconds/milliseconds) in UTC and
//     may be followed by gt/gte/lt/lte/neq; week is the ISO week.
package sigma
