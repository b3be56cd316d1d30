package record

import (
	"net/netip"
	"testing"
	"time"
)

// TestUTCISOMatchesTheStandardParser checks the fast path for Azure's
// usual timestamp form against time.Parse on valid and invalid instants:
// it must give the same time, or leave the text to the general parser.
func TestUTCISOMatchesTheStandardParser(t *testing.T) {
	t.Parallel()
	cases := []string{
		"2026-03-02T00:00:01.6444265Z", "2026-03-02T00:00:01Z", "2026-03-02T00:00:01.1Z",
		"2026-03-02T23:59:59.999999999Z", "2024-02-29T12:00:00Z", "2000-02-29T00:00:00Z",
		"2023-02-29T12:00:00Z", "1900-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-12-31T00:00:00Z",
		"2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z", "2026-01-00T00:00:00Z", "2026-01-01T24:00:00Z",
		"2026-01-01T00:60:00Z", "2026-01-01T00:00:60Z", "2026-01-01T00:00:00.Z", "2026-01-01T00:00:00.1234567890Z",
		"2026-01-01T00:00:00,5Z", "2026-01-01t00:00:00Z", "2026-1-01T00:00:00Z", "+026-01-01T00:00:00Z",
		"2026-01-01T00:00:00.12a4Z",
	}
	for month := 1; month <= 12; month++ {
		for _, day := range []int{28, 29, 30, 31} {
			cases = append(cases, time.Date(2025, time.Month(month), 1, 0, 0, 0, 0, time.UTC).Format("2006-01-")+
				[]string{"28", "29", "30", "31"}[day-28]+"T00:00:00Z")
		}
	}
	for _, s := range cases {
		got, ok := utcISO(s)
		want, err := time.Parse(time.RFC3339Nano, s)
		switch {
		case ok && err != nil:
			t.Errorf("utcISO(%q) = %v; time.Parse rejects it: %v", s, got, err)
		case ok && !got.Equal(want):
			t.Errorf("utcISO(%q) = %v, want %v", s, got, want)
		case ok && got.Location() != time.UTC:
			t.Errorf("utcISO(%q) is not in UTC", s)
		}
		if t2, err2 := Time(s); (err2 == nil) != (err == nil) || err == nil && !t2.Equal(want) {
			t.Errorf("Time(%q) = %v, %v; time.Parse gives %v, %v", s, t2, err2, want, err)
		}
	}
}

// TestNetDate reads the dates Windows PowerShell 5.1's ConvertTo-Json
// writes ("\/Date(ms)\/" in the file, "/Date(ms)/" once unescaped): the
// milliseconds are the instant, an offset after them only the writer's
// zone; anything else in the parentheses is no time.
func TestNetDate(t *testing.T) {
	t.Parallel()
	at := time.Date(2024, 3, 14, 3, 9, 27, 553e6, time.UTC)
	for s, want := range map[string]time.Time{
		"/Date(1710385767553)/":      at,
		"/Date(1710385767553+0100)/": at,
		"/Date(1710385767553-0500)/": at,
		" /Date(1710385767553)/ ":    at,
		"/Date(0)/":                  time.Unix(0, 0).UTC(),
		"/Date(-62135596800000)/":    time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), // default(DateTime)
	} {
		got, err := Time(s)
		if err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("Time(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{
		"/Date()/", "/Date(1710385767553)", "/Date(+1710385767553)/", "/Date(1710385767553+01)/",
		"/Date(1710385767553+01000)/", "/Date(17103857675x3)/", "/Date(1710385767553+0a00)/", "/Date(99999999999999999999)/",
	} {
		if got, err := Time(s); err == nil {
			t.Errorf("Time(%q) = %v; want an error", s, got)
		}
	}
}

// FuzzTime checks that no text makes Time panic, and that the fast path
// for Azure's usual form never accepts a timestamp time.Parse reads
// differently or rejects.
func FuzzTime(f *testing.F) {
	for _, s := range []string{
		"2026-03-02T00:00:01.6444265Z", "2024-02-29T12:00:00Z", "2023-02-29T12:00:00Z",
		"4/28/2021, 2:32:14.029 PM", "1619620334029", "2021-04-28T09:32:14.029-05:00", "",
		"/Date(1710385767553)/", "/Date(1710385767553+0100)/", "/Date(-62135596800000)/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		Time(s)
		if got, ok := utcISO(s); ok {
			want, err := time.Parse(time.RFC3339Nano, s)
			if err != nil || !got.Equal(want) {
				t.Errorf("utcISO(%q) = %v; time.Parse: %v, %v", s, got, want, err)
			}
		}
	})
}

func TestPrivateAddr(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{"10.1.2.3": true, "172.16.0.9": true, "192.168.1.1": true, "100.64.0.1": true,
		"100.127.255.254": true, "fd00::1": true, "100.128.0.1": false, "20.42.64.17": false, "8.8.8.8": false, "2603:1020::1": false} {
		if got := PrivateAddr(netip.MustParseAddr(s)); got != want {
			t.Errorf("PrivateAddr(%s) = %v, want %v", s, got, want)
		}
	}
}
