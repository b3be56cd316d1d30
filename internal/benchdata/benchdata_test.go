package benchdata

import (
	"bufio"
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// TestPacedRecordsCoverTheirDays: WritePaced's records are in time order,
// perDay of them a day, and it plants what Write plants; Write is
// WritePaced with no pace.
func TestPacedRecordsCoverTheirDays(t *testing.T) {
	const perDay = 500
	var paced, plain, unpaced bytes.Buffer
	hits, err := WritePaced(&paced, 4<<20, 7, 100, perDay)
	if err != nil {
		t.Fatal(err)
	}
	plainHits, err := Write(&plain, 4<<20, 7, 100)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := WritePaced(&unpaced, 4<<20, 7, 100, 0); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(plain.Bytes(), unpaced.Bytes()) {
		t.Error("Write and WritePaced with no pace differ")
	}
	if len(hits) == 0 || len(hits) != len(plainHits) {
		t.Errorf("paced planted %d hits, unpaced %d", len(hits), len(plainHits))
	}
	var last time.Time
	lines := 0
	sc := bufio.NewScanner(&paced)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec struct{ Time time.Time }
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("line %d: %v", lines+1, err)
		}
		if at := rec.Time.Truncate(time.Second); at.Before(last) {
			t.Fatalf("line %d at %v, after %v", lines+1, at, last)
		} else {
			last = at
		}
		lines++
	}
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	days := last.Sub(start).Hours() / 24
	if want := float64(lines) / perDay; days < want-0.01 || days > want+0.01 {
		t.Errorf("%d lines span %.3f days, want %.3f", lines, days, want)
	}
}

// TestStampOfALongLog: a paced log of 10 GiB (some five million lines)
// still ends after it begins, at the day its pace says.
func TestStampOfALongLog(t *testing.T) {
	for _, c := range []struct {
		line, perDay int
		want         string
	}{
		{15270, 15270, "2026-03-02T00:00:00"},
		{5_000_000, 15270, "2027-01-22T10:32:46"},
		{200_000, 1, "2573-09-29T00:00:00"}, // past a Duration's 292 years
	} {
		if got := stamp(c.line, c.perDay); got != c.want {
			t.Errorf("stamp(%d, %d) = %s, want %s", c.line, c.perDay, got, c.want)
		}
	}
}
