package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHuntSaysOnceWhatAnExportLost: a PowerShell export cut at
// ConvertTo-Json's default depth is hunted for what it holds (its
// Defender alert fires) and standard error says once, naming the file,
// what was lost and which export keeps it, with or without --stats; the
// whole export says nothing of the kind.
func TestHuntSaysOnceWhatAnExportLost(t *testing.T) {
	t.Parallel()
	testdata := filepath.Join("..", "source", "testdata", "powershell")
	cut, err := filepath.Abs(filepath.Join(testdata, "ps7-depth2.json"))
	if err != nil {
		t.Fatal(err)
	}
	whole, _ := filepath.Abs(filepath.Join(testdata, "ps51.json"))
	if _, err := os.Stat(cut); err != nil {
		t.Fatal(err)
	}
	for _, stats := range []bool{false, true} {
		args := []string{"hunt", "--no-progress", "--format", "jsonl", "--data-dir", t.TempDir()}
		if stats {
			args = append(args, "--stats")
		}
		code, out, errs := run(t, "", append(args, cut, whole)...)
		if code != ExitOK {
			t.Fatalf("exit %d: %s", code, errs)
		}
		if !strings.Contains(out, "azure.defender.mining_alert") {
			t.Errorf("--stats %v: the alert the cut export holds did not fire:\n%s", stats, out)
		}
		want := "mamori hunt: " + cut + ": 2 records read incomplete: a PowerShell export cut short by ConvertTo-Json's -Depth"
		if n := strings.Count(errs, want); n != 1 || !strings.Contains(errs, "| Select-Object * | ConvertTo-Json -Depth 10\n") {
			t.Errorf("--stats %v: said %d times; want once, with the export to make:\n%s", stats, n, errs)
		}
		if strings.Count(errs, "read incomplete") != 1 {
			t.Errorf("--stats %v: the whole export is said to be incomplete too:\n%s", stats, errs)
		}
		if strings.Contains(errs, "could not be read") {
			t.Errorf("--stats %v: the cut records are counted as not read:\n%s", stats, errs)
		}
	}
}
