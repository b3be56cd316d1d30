package serve

import (
	"bytes"
	"compress/gzip"
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
	text := largestAuditLog(t, tn)
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

// A log rotated by renaming (auditd and logrotate move audit.log to
// audit.log.1 and start a new audit.log; a collector its output.json) is
// read on from where its old name was read to, not whole again: every
// event is read once, the part written just before the rotation too.
func TestRotatedLogIsReadOn(t *testing.T) {
	tn := newTenant(t, simulate.Options{Seed: 2, Days: 3})
	text := largestAuditLog(t, tn)
	for _, c := range []struct {
		name  string
		lines [][]byte
	}{
		{"audit.log", bytes.SplitAfter(bytes.TrimSuffix(text, []byte("\n")), []byte("\n"))},
		{"activity.json", someLines(t, tn, 60)},
	} {
		t.Run(c.name, func(t *testing.T) {
			lines := c.lines
			if len(lines) < 30 {
				t.Fatalf("%d lines", len(lines))
			}
			if !bytes.HasSuffix(lines[len(lines)-1], []byte("\n")) {
				lines[len(lines)-1] = append(lines[len(lines)-1], '\n')
			}
			// Cut between events: a writer stopped inside one for good
			// would leave it cut in two whatever is read.
			at := func(i int) int {
				for i < len(lines) && c.name == "audit.log" && !bytes.HasPrefix(lines[i], []byte("type=SYSCALL")) {
					i++
				}
				return i
			}
			k1, k2 := at(len(lines)/3), at(2*len(lines)/3)
			whole := t.TempDir()
			os.WriteFile(filepath.Join(whole, c.name), bytes.Join(lines, nil), 0o644)
			r := cycle(t, openStore(t), whole, tn.cfg)
			want := r.Files[0].Records

			dir := t.TempDir()
			blob := filepath.Join(dir, c.name)
			os.WriteFile(blob, bytes.Join(lines[:k1], nil), 0o644)
			ctx := context.Background()
			srv, err := New(ctx, Config{Store: openStore(t), Dirs: []string{dir}, Hunt: tn.cfg, Settle: true})
			if err != nil {
				t.Fatal(err)
			}
			var got int64
			quiet := func() {
				t.Helper()
				for i := 0; i < 3; i++ { // until the files settle
					r, err := srv.Cycle(ctx)
					if err != nil {
						t.Fatal(err)
					}
					for _, f := range r.Files {
						got += f.Records
					}
				}
			}
			quiet()
			// Written to after the last look, then rotated.
			f, _ := os.OpenFile(blob, os.O_WRONLY|os.O_APPEND, 0)
			f.Write(bytes.Join(lines[k1:k2], nil))
			f.Close()
			if err := os.Rename(blob, blob+".1"); err != nil {
				t.Fatal(err)
			}
			os.WriteFile(blob, bytes.Join(lines[k2:], nil), 0o644)
			quiet()
			if got != want {
				t.Errorf("read %d records over the cycles; the log holds %d", got, want)
			}
			// Rotated again and compressed (logrotate's compress: .1
			// becomes .2.gz): what it holds was read, and is not again.
			old, _ := os.ReadFile(blob + ".1")
			var gz bytes.Buffer
			zw := gzip.NewWriter(&gz)
			zw.Write(old)
			zw.Close()
			os.WriteFile(blob+".2.gz", gz.Bytes(), 0o644)
			os.Remove(blob + ".1")
			quiet()
			if got != want {
				t.Errorf("read %d records once the rotated log was compressed; the log holds %d", got, want)
			}
		})
	}
}

// largestAuditLog is the simulated tenant's longest host audit.log.
func largestAuditLog(t *testing.T, tn *tenant) []byte {
	t.Helper()
	logs, _ := filepath.Glob(filepath.Join(tn.dir, "hosts", "*", "audit.log"))
	var text []byte
	for _, p := range logs {
		if b, err := os.ReadFile(p); err == nil && len(b) > len(text) {
			text = b
		}
	}
	if len(text) == 0 {
		t.Fatal("no host audit.log")
	}
	return text
}

// A host's log read on while its machine runs is never "waiting to
// settle": what waits of it is its newest few seconds, read at the next
// cycle. Counted as waiting, a busy host's log kept every carried record
// of every tenant from being dropped once older than the windows reach
// (drops holds them all while files wait), so the records read again each
// cycle grew to a day's and more. As the Activity Log moves on by days,
// the records of its first days are dropped while the host's log grows.
func TestGrowingHostLogDoesNotHoldCarriedRecords(t *testing.T) {
	tn := newTenant(t, simulate.Options{Seed: 7, Scenarios: []string{"gpu-scaleset-chain"}})
	lines := bytes.SplitAfter(largestAuditLog(t, tn), []byte("\n"))
	dst := t.TempDir()
	hostLog := filepath.Join(dst, "hosts", "vm1", "audit.log")
	os.MkdirAll(filepath.Dir(hostLog), 0o755)
	grow := func(upTo int) {
		t.Helper()
		f, err := os.OpenFile(hostLog, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		for len(lines) > 0 && upTo > 0 {
			f.Write(lines[0])
			lines, upTo = lines[1:], upTo-1
		}
		f.Close()
	}
	ctx := context.Background()
	st := openStore(t)
	srv, err := New(ctx, Config{Store: st, Dirs: []string{dst}, Hunt: tn.cfg, Settle: true})
	if err != nil {
		t.Fatal(err)
	}
	run := func() {
		t.Helper()
		if _, err := srv.Cycle(ctx); err != nil {
			t.Fatal(err)
		}
	}
	early := func() int {
		t.Helper()
		carried, err := st.Carried(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, c := range carried {
			if c.Time.Day() <= 2 {
				n++
			}
		}
		return n
	}
	step := len(lines) / 4
	tn.copyFamily(t, dst, "insights-activity-logs", 1, 2)
	grow(step)
	run()
	if early() == 0 {
		t.Fatal("no record of the first days is carried: the test would not see them dropped")
	}
	tn.copyFamily(t, dst, "insights-activity-logs", 20, 22)
	grow(step)
	run()
	grow(step)
	run()
	if n := early(); n != 0 {
		t.Errorf("%d records of the first days still carried, weeks older than the newest", n)
	}
}
