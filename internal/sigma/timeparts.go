package sigma

import (
	"math"
	"time"

	"github.com/mamori-sec/mamori/internal/record"
)

// timePart returns the function extracting a time modifier's component.
func timePart(name string) func(time.Time) int {
	switch name {
	case "minute":
		return time.Time.Minute
	case "hour":
		return time.Time.Hour
	case "day":
		return time.Time.Day
	case "week":
		return func(t time.Time) int { _, w := t.ISOWeek(); return w }
	case "month":
		return func(t time.Time) int { return int(t.Month()) }
	}
	return time.Time.Year
}

// valueTime reads a field value as a time in UTC: a timestamp string in
// any form Azure writes, or Unix seconds or milliseconds.
func valueTime(v Value) (time.Time, bool) {
	switch v.k {
	case KindString:
		t, err := record.Time(v.s)
		return t, err == nil
	case KindNumber:
		n := v.n
		if math.IsNaN(n) || math.IsInf(n, 0) || math.Abs(n) > 1e17 {
			return time.Time{}, false
		}
		if math.Abs(n) >= 1e11 { // milliseconds since 1973
			return time.UnixMilli(int64(n)).UTC(), true
		}
		sec, frac := math.Modf(n)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true
	}
	return time.Time{}, false
}
