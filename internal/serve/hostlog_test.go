package serve

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/mamori-sec/mamori/internal/simulate"
)

// A host's audit.log grows for as long as its machine runs: each cycle
// reads on from where the last stopped, up to its last whole event, and
// the log's last events once it stops changing. Read whole once settled,
// as a gzip is, a busy host's log was never read. Every event is read
// once, and errors name the file's own line numbers.
func TestGrowingHostLogIsReadOn(t *testing.T) {
	tn := newTenant(t, simulate.Options{Seed: 2, Days: 3})
	logs, _ := filepath.Glob(filepath.Join(tn.dir, "hosts", "*", "audit.log"))
	var text []byte
	for _, p := range logs {
		if b, err := os.ReadFile(p); err == nil && len(b) > len(text) {
			text = b
		}
	}
	lines := bytes.SplitAfter(text, []byte("\n"))
	lines = lines[:len(lines)-1] // after the last newline
	if len(lines) < 40 {
		t.Fatalf("the largest audit.log has %d lines", len(lines))
	}
	half := len(lines) / 2
	// The second half holds a line auditd never wrote, at line half+2.
	lines = slices.Insert(lines, half+1, []byte("type=SYSCALL msg=audit(broken\n"))
	// What one read of the whole log finds.
	whole := t.TempDir()
	os.WriteFile(filepath.Join(whole, "audit.log"), bytes.Join(lines, nil), 0o644)
	r := cycle(t, openStore(t), whole, tn.cfg)
	want := r.Files[0].Records - r.Files[0].Skipped

	dir := filepath.Join(t.TempDir(), "vm1")
	os.MkdirAll(dir, 0o755)
	blob := filepath.Join(dir, "audit.log")
	if err := os.WriteFile(blob, bytes.Join(lines[:half], nil), 0o644); err != nil {
		t.Fatal(err)
	}
	var errs errorsOf
	cfg := tn.cfg
	cfg.OnError = errs.add
	ctx := context.Background()
	srv, err := New(ctx, Config{Store: openStore(t), Dirs: []string{dir}, Hunt: cfg, Settle: true})
	if err != nil {
		t.Fatal(err)
	}
	read := func(step string) int64 {
		t.Helper()
		r, err := srv.Cycle(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n := int64(0)
		for _, f := range r.Files {
			n += f.Records - f.Skipped
		}
		t.Logf("%s: %d events", step, n)
		return n
	}
	got := read("half written")
	if got == 0 {
		t.Fatal("the half written log was not read: it waited to settle")
	}
	// The rest arrives.
	rest := lines[half:]
	f, err := os.OpenFile(blob, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(bytes.Join(rest, nil))
	f.Close()
	more := read("all written")
	if more == 0 {
		t.Fatal("the lines appended were not read")
	}
	last := read("unchanged")
	if last == 0 {
		t.Error("the log's last event was not read once it stopped changing")
	}
	if again := read("unchanged again"); again != 0 {
		t.Errorf("%d events read again", again)
	}
	if got+more+last != want {
		t.Errorf("read %d+%d+%d events over the cycles; one read of the log finds %d", got, more, last, want)
	}
	if len(errs.errs) != 1 || errs.errs[0].Line != half+2 {
		t.Errorf("errors %v, want one at line %d", errs.errs, half+2)
	}
}
