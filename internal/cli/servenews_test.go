package cli

import (
	"reflect"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/notify"
)

// News held from a message is told again as it was (a quiet log's time
// quiet counted anew), once, beside what the next message tells itself.
func TestNewsHeldIsToldAsItWas(t *testing.T) {
	now := time.Date(2026, 11, 2, 3, 0, 0, 0, time.UTC)
	arrived := now.Add(-30 * time.Hour)
	was := notify.Message{
		Quiet:   []notify.QuietLog{{Name: "Entra ID sign-in logs", For: 30 * time.Hour, Arrived: arrived, Last: arrived.Add(-time.Hour)}},
		Back:    []string{"Activity Log of tenant t1"},
		Failing: []notify.FailingReader{{Name: "event hub ns", Since: arrived, Said: "refused"}},
		Mended:  []string{"fetch of tenant t2"},
	}
	held := newsOf(&was)
	if len(held) != 4 {
		t.Fatalf("held %+v", held)
	}
	// The next cycle, an hour on, finds the sign-ins still quiet itself.
	later := now.Add(time.Hour)
	next := notify.Message{Quiet: []notify.QuietLog{{Name: "Entra ID sign-in logs", For: 31 * time.Hour, Arrived: arrived}}}
	withNews(&next, held, later)
	want := notify.Message{
		Quiet:   []notify.QuietLog{{Name: "Entra ID sign-in logs", For: 31 * time.Hour, Arrived: arrived}},
		Back:    was.Back,
		Failing: was.Failing,
		Mended:  was.Mended,
	}
	if !reflect.DeepEqual(next, want) {
		t.Errorf("told\n%+v\nwant\n%+v", next, want)
	}
	var fresh notify.Message
	withNews(&fresh, held, later)
	if len(fresh.Quiet) != 1 || fresh.Quiet[0].For != 31*time.Hour || !fresh.Quiet[0].Last.Equal(arrived.Add(-time.Hour)) {
		t.Errorf("a held quiet log told alone: %+v", fresh.Quiet)
	}
}
