package record

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ErrTime is returned for a timestamp in no format Azure is known to write.
var ErrTime = errors.New("unrecognised timestamp")

// layouts are the timestamp forms seen in Azure exports, most common first.
// Forms without a zone are UTC: Azure writes event times in UTC and the
// Log Analytics portal export labels its time columns "[UTC]".
var layouts = []string{
	time.RFC3339Nano,                // 2019-01-21T22:14:26.9792776Z, 2019-10-18T04:45:48.07-05:00
	"2006-01-02T15:04:05.999999999", // no zone
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999", // Sysmon UtcTime, Defender exports
	"1/2/2006, 3:04:05.999 PM",      // Log Analytics portal CSV, en-US
	"1/2/2006 3:04:05.999 PM",
	"1/2/2006, 15:04:05.999",
	"2006-01-02T15:04:05.999999999 MST",
	time.RFC1123Z,
	time.RFC1123,
}

// Time parses a timestamp as Azure writes it (ISO 8601 with up to seven
// fractional digits and any offset, the portal's "4/28/2021, 2:32:14.029 PM",
// Unix seconds or milliseconds, or .NET's "/Date(ms)/" of Windows
// PowerShell's JSON) and returns it in UTC.
func Time(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, ErrTime
	}
	if t, ok := utcISO(s); ok {
		return t, nil
	}
	if strings.HasPrefix(s, "/Date(") {
		return netDate(s)
	}
	if c := s[0]; c >= '0' && c <= '9' && !strings.ContainsAny(s, "-/:") {
		return unix(s)
	}
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, ErrTime
}

// netDate reads .NET's JSON date, "/Date(1710385767553)/": milliseconds
// since the epoch, which Windows PowerShell 5.1's ConvertTo-Json writes
// for every DateTime (an Activity Log event's EventTimestamp among them).
// An offset after the milliseconds ("/Date(1710385767553+0100)/", the
// other .NET serializer's) says only in which zone the writer was: the
// milliseconds are the instant.
func netDate(s string) (time.Time, error) {
	// Time sent only text with the prefix here.
	body, ok := strings.CutSuffix(strings.TrimPrefix(s, "/Date("), ")/")
	if !ok {
		return time.Time{}, ErrTime
	}
	if i := strings.LastIndexAny(body, "+-"); i > 0 {
		if _, ok := digits(body[i+1:]); !ok || len(body)-i-1 != 4 {
			return time.Time{}, ErrTime
		}
		body = body[:i]
	}
	ms, err := strconv.ParseInt(body, 10, 64)
	if err != nil || body[0] == '+' {
		return time.Time{}, ErrTime
	}
	return time.UnixMilli(ms).UTC(), nil
}

// unix reads seconds (flow tuples, auditd) or milliseconds since the epoch,
// telling them apart by magnitude. The fraction is read as digits, not as
// a float, so milliseconds stay exact.
func unix(s string) (time.Time, error) {
	whole, frac, _ := strings.Cut(s, ".")
	sec, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || sec < 0 || len(frac) > 9 {
		return time.Time{}, ErrTime
	}
	ns := int64(0)
	if frac != "" {
		f, err := strconv.ParseInt(frac, 10, 64)
		if err != nil || f < 0 {
			return time.Time{}, ErrTime
		}
		for i := len(frac); i < 9; i++ {
			f *= 10
		}
		ns = f
	}
	if sec > 1e11 { // milliseconds: 1e11 seconds would be the year 5138
		return time.UnixMilli(sec).Add(time.Duration(ns / 1000)).UTC(), nil
	}
	return time.Unix(sec, ns).UTC(), nil
}

// utcISO reads the form nearly every Azure record uses,
// 2006-01-02T15:04:05[.fraction]Z with up to nine fraction digits, without
// the general parser: every record has a time, and this is several times
// faster. Anything else, or a field out of range, is left to the layouts.
func utcISO(s string) (time.Time, bool) {
	if len(s) < 20 || len(s) > 30 || s[len(s)-1] != 'Z' ||
		s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	year, ok1 := digits(s[0:4])
	month, ok2 := digits(s[5:7])
	day, ok3 := digits(s[8:10])
	hour, ok4 := digits(s[11:13])
	minute, ok5 := digits(s[14:16])
	sec, ok6 := digits(s[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) ||
		month < 1 || month > 12 || day < 1 || day > daysIn(month, year) || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	ns := 0
	if frac := s[19 : len(s)-1]; frac != "" {
		if frac[0] != '.' || len(frac) < 2 {
			return time.Time{}, false
		}
		n, ok := digits(frac[1:])
		if !ok {
			return time.Time{}, false
		}
		for i := len(frac) - 1; i < 9; i++ {
			n *= 10
		}
		ns = n
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, ns, time.UTC), true
}

// digits reads a run of ASCII digits (at most nine, so it cannot overflow).
func digits(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n := 0
	for i := range len(s) {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// daysIn is the number of days of a month, leap years included.
func daysIn(month, year int) int {
	if month == 2 {
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	}
	return 30 + (month+month/8)%2
}

// ErrNoTime is returned for a record without a usable event time.
var ErrNoTime = errors.New("no event time")

// FirstTime returns the first of texts that is a usable timestamp. A bad
// one does not stop the search (a later field may hold the same instant);
// when none is usable the error wraps ErrNoTime and quotes the first
// non-empty text, clipped.
func FirstTime(texts ...string) (time.Time, error) {
	bad := ""
	for _, s := range texts {
		if s == "" {
			continue
		}
		if t, err := Time(s); err == nil && !t.IsZero() {
			return t, nil
		}
		if bad == "" {
			bad = s
		}
	}
	if bad != "" {
		return time.Time{}, fmt.Errorf("%w: %q", ErrNoTime, Clip(bad, 64))
	}
	return time.Time{}, ErrNoTime
}
