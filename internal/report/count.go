package report

import "strconv"

// Count writes a count with the noun that agrees with it: Count(1,
// "record", "records") is "1 record", Count(0, "record", "records") is
// "0 records". Every count printed to people goes through it, so none
// says "1 records".
func Count[N ~int | ~int32 | ~int64](n N, one, many string) string {
	noun := many
	if n == 1 {
		noun = one
	}
	return strconv.FormatInt(int64(n), 10) + " " + noun
}
