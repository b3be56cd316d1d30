// Package plural writes counts with the noun that agrees with them. It
// imports nothing of mamori's, so every package that prints a count to
// people (report, cli, incident, engine, source) uses this one helper.
package plural

import "strconv"

// Count writes a count with the noun that agrees with it: Count(1,
// "record", "records") is "1 record", Count(0, "record", "records") is
// "0 records". Every count printed to people goes through it, so none
// says "1 records". A float (a correlation's value) is written as %g
// writes it, a whole one as an integer.
func Count[N ~int | ~int32 | ~int64 | ~float64](n N, one, many string) string {
	noun := many
	if n == 1 {
		noun = one
	}
	s := strconv.FormatFloat(float64(n), 'g', -1, 64)
	if i := int64(n); N(i) == n {
		s = strconv.FormatInt(i, 10)
	}
	return s + " " + noun
}

// Verb returns the form of a verb (or the rest of a sentence) that agrees
// with a count that is its subject, "N of M things ...": one for 1, many
// otherwise.
func Verb(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
