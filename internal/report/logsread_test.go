package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/coverage"
	"github.com/mamori-sec/mamori/internal/event"
)

// LOGS READ counts each record once and says how many were read again
// (the same days in two exports), an estimate as such; a log read once
// says nothing of it.
func TestLogsReadSaysWhatWasReadAgain(t *testing.T) {
	t.Parallel()
	day := coverage.Span{First: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), Last: time.Date(2026, 3, 5, 23, 0, 0, 0, time.UTC)}
	var b bytes.Buffer
	err := WriteLogsRead(&b, []coverage.Read{
		{Kind: event.KindActivity, Source: "Azure Activity Log", Events: 873, Repeats: coverage.Repeats{Events: 877}, Span: day},
		{Kind: event.KindSignIn, Source: "Entra ID sign-in logs", Events: 1_200_000, Repeats: coverage.Repeats{Events: 1_180_000, Estimated: true}, Span: day},
		{Kind: event.KindFlow, Source: "network flow logs", Events: 1635, Span: day},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(b.String(), "\n")
	for i, want := range []string{
		"873 events  2026-03-01 00:00 → 2026-03-05 23:00  (and 877 events read again, the same records in another export or copy: counted once)",
		"1200000 events  2026-03-01 00:00 → 2026-03-05 23:00  (and about 1180000 events read again, the same records in another export or copy: counted once)",
	} {
		if !strings.HasSuffix(lines[2+i], want) {
			t.Errorf("line %d: %q\nwant it to end %q", 2+i, lines[2+i], want)
		}
	}
	if strings.Contains(lines[4], "read again") {
		t.Errorf("a log read once: %q", lines[4])
	}
}
