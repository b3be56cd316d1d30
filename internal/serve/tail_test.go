package serve

import (
	"bytes"
	"compress/gzip"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/simulate"
	"github.com/mamori-sec/mamori/internal/source"
)

// someLines returns n Activity Log lines of a simulated tenant.
func someLines(t *testing.T, tn *tenant, n int) [][]byte {
	t.Helper()
	var lines [][]byte
	filepath.WalkDir(filepath.Join(tn.dir, "insights-activity-logs"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || len(lines) >= n {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, l := range bytes.SplitAfter(b, []byte("\n")) {
			if len(l) > 1 && len(lines) < n {
				lines = append(lines, l)
			}
		}
		return nil
	})
	if len(lines) < n {
		t.Fatalf("only %d activity lines", len(lines))
	}
	return lines
}

// errorsOf collects the hunt's parse errors.
type errorsOf struct {
	mu   sync.Mutex
	errs []*source.ParseError
}

func (e *errorsOf) add(pe *source.ParseError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.errs = append(e.errs, pe)
}

// An hour's blob grows while the hour is open: each cycle reads the whole
// lines added since the last, a line still being written waits for the
// next cycle, and an error names the line's number in the whole file.
func TestAppendedLinesAreReadOnce(t *testing.T) {
	tn := newTenant(t, simulate.Options{Seed: 2, Days: 3})
	lines := someLines(t, tn, 12)
	dir := t.TempDir()
	blob := filepath.Join(dir, "PT1H.json")
	st := openStore(t)
	var errs errorsOf
	cfg := tn.cfg
	cfg.OnError = errs.add

	appendTo := func(parts ...[]byte) {
		t.Helper()
		f, err := os.OpenFile(blob, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		for _, p := range parts {
			if _, err := f.Write(p); err != nil {
				t.Fatal(err)
			}
		}
	}
	records := func(r *Result) int64 {
		if r.Hunt == nil {
			return 0
		}
		var n int64
		for _, fs := range r.Hunt.Files {
			n += fs.Records // unreadable ones included
		}
		return n
	}

	// Lines 1-5, and half of line 6.
	half := len(lines[5]) / 2
	appendTo(bytes.Join(lines[:5], nil), lines[5][:half])
	if r := cycle(t, st, dir, cfg); records(r) != 5 || len(errs.errs) != 0 {
		t.Fatalf("first cycle: %d records, errors %v; want the 5 whole lines", records(r), errs.errs)
	}
	// The rest of line 6, line 7, a broken line 8, lines 9-12.
	appendTo(lines[5][half:], lines[6], []byte("{\"time\": broken\n"), bytes.Join(lines[7:11], nil))
	r := cycle(t, st, dir, cfg)
	if records(r) != 7 {
		t.Errorf("second cycle read %d records, want 7 (lines 6-12)", records(r))
	}
	if len(errs.errs) != 1 || errs.errs[0].Line != 8 || errs.errs[0].File != blob {
		t.Errorf("errors %v, want one at %s line 8", errs.errs, blob)
	}
	if r := cycle(t, st, dir, cfg); len(r.Read) != 0 {
		t.Errorf("an unchanged file was read again: %d records", records(r))
	}
	// The file is replaced by a shorter one: a new file, read whole.
	if err := os.WriteFile(blob, bytes.Join(lines[:2], nil), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := cycle(t, st, dir, cfg); records(r) != 2 {
		t.Errorf("a rewritten, shorter file: %d records read, want 2", records(r))
	}
	// Rotated: a new file under the same name, longer than the old one
	// between two looks. It begins otherwise: read whole, not from the
	// old offset.
	rotated := append(bytes.Join(lines[8:12], nil), lines[2]...)
	if err := os.WriteFile(blob, rotated, 0o644); err != nil {
		t.Fatal(err)
	}
	if r := cycle(t, st, dir, cfg); records(r) != 5 {
		t.Errorf("a rotated file longer than the old one: %d records read, want its 5", records(r))
	}
}

// A gzip file is read once it has stopped changing between two looks
// (with Settle), not while it may still be being written.
func TestOtherFilesWaitToSettle(t *testing.T) {
	tn := newTenant(t, simulate.Options{Seed: 2, Days: 3})
	lines := someLines(t, tn, 3)
	dir := t.TempDir()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(bytes.Join(lines, nil))
	zw.Close()
	if err := os.WriteFile(filepath.Join(dir, "export.json.gz"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	st := openStore(t)
	ctx := context.Background()
	srv, err := New(ctx, Config{Store: st, Dirs: []string{dir}, Hunt: tn.cfg, Settle: true})
	if err != nil {
		t.Fatal(err)
	}
	first, err := srv.Cycle(ctx)
	if err != nil || len(first.Read) != 0 {
		t.Fatalf("first look read %d inputs (%v); a gzip file waits one cycle", len(first.Read), err)
	}
	second, err := srv.Cycle(ctx)
	if err != nil || len(second.Read) != 1 || second.Hunt.Files[0].Records != 3 {
		t.Fatalf("second look: %+v, %v; want the 3 records", second, err)
	}
	if !strings.HasPrefix(second.Hunt.Files[0].Container, "gzip") {
		t.Errorf("container %q", second.Hunt.Files[0].Container)
	}
}

// Sign-in and activity records are often longer than 4 KiB: a file whose
// first line is one is still JSON lines, read on from its checkpoint, not
// whole again at each change.
func TestLongFirstLineIsJSONLines(t *testing.T) {
	tn := newTenant(t, simulate.Options{Seed: 2, Days: 3})
	lines := someLines(t, tn, 2)
	long := append([]byte(`{"pad":"`+strings.Repeat("x", 8<<10)+`",`), lines[0][1:]...)
	dir := t.TempDir()
	blob := filepath.Join(dir, "PT1H.json")
	if err := os.WriteFile(blob, long, 0o644); err != nil {
		t.Fatal(err)
	}
	if kind, gz, err := source.Sniff(source.FileSection(blob, 0, int64(len(long)), 1), source.DefaultLimits()); kind != "json-lines" || gz || err != nil {
		t.Fatalf("sniff = %v, %v, %v: a long first line is not taken for JSON lines", kind, gz, err)
	}
	st := openStore(t)
	ctx := context.Background()
	srv, err := New(ctx, Config{Store: st, Dirs: []string{dir}, Hunt: tn.cfg, Settle: true})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := srv.Cycle(ctx); err != nil || len(r.Read) != 1 || r.Files[0].Records != 1 {
		t.Fatalf("first cycle: %+v, %v; want the long line read at once", r, err)
	}
	f, err := os.OpenFile(blob, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(lines[1])
	f.Close()
	if r, err := srv.Cycle(ctx); err != nil || len(r.Read) != 1 || r.Files[0].Records != 1 {
		t.Fatalf("second cycle: %+v, %v; want only the appended line", r, err)
	}
}

// A file whose last record has no newline after it (an export written
// once) is read to its end, as hunt reads it; a line still being written
// is not a whole JSON object and waits. Lines read on after it are
// numbered as in the file.
func TestLastLineWithoutNewline(t *testing.T) {
	tn := newTenant(t, simulate.Options{Seed: 2, Days: 3})
	lines := someLines(t, tn, 3)
	dir := t.TempDir()
	blob := filepath.Join(dir, "SigninLogs_2026-03-07.json")
	st := openStore(t)
	var errs errorsOf
	cfg := tn.cfg
	cfg.OnError = errs.add
	if err := os.WriteFile(blob, append(slices.Clone(lines[0]), bytes.TrimSpace(lines[1])...), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := cycle(t, st, dir, cfg); len(r.Read) != 1 || r.Files[0].Records != 2 {
		t.Fatalf("read %+v; want both records, the last without its newline", r.Files)
	}
	f, err := os.OpenFile(blob, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("\n"))
	f.Write(lines[2])
	f.Write([]byte("{\"time\": broken\n"))
	f.Write(lines[0][:len(lines[0])/2])
	f.Close()
	if r := cycle(t, st, dir, cfg); len(r.Read) != 1 || r.Files[0].Records != 2 {
		t.Errorf("read %+v; want lines 3 and 4 (line 5 is being written)", r.Files[0])
	}
	if len(errs.errs) != 1 || errs.errs[0].Line != 4 {
		t.Errorf("errors %v, want one at line 4", errs.errs)
	}
}

// A last record without its newline is read however long, up to the
// hunt's limit (it waited for ever past 4 MiB); past the limit it is read
// too once the file stops changing (here at once: a cycle run once), for
// the hunt to say the record is too long, not left unsaid.
func TestLongLastLineWithoutNewline(t *testing.T) {
	tn := newTenant(t, simulate.Options{Seed: 2, Days: 3})
	lines := someLines(t, tn, 2)
	// padded is a whole record of about n bytes, without its newline.
	padded := func(l []byte, n int) []byte {
		b := []byte(`{"pad":"` + strings.Repeat("x", n) + `",`)
		return append(b, bytes.TrimSpace(l)[1:]...)
	}
	for _, c := range []struct {
		name      string
		limit     int
		pad       int
		records   int64
		errorLine int // 0: none
	}{
		{"whole record of 5 MiB", 8 << 20, 5 << 20, 2, 0},
		{"longer than the limit", 4 << 20, 5 << 20, 1, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			blob := filepath.Join(dir, "activity.json")
			if err := os.WriteFile(blob, append(slices.Clone(lines[0]), padded(lines[1], c.pad)...), 0o644); err != nil {
				t.Fatal(err)
			}
			var errs errorsOf
			cfg := tn.cfg
			cfg.OnError = errs.add
			cfg.Limits = source.DefaultLimits()
			cfg.Limits.MaxRecord = c.limit
			r := cycle(t, openStore(t), dir, cfg)
			if len(r.Read) != 1 || r.Files[0].Records != c.records {
				t.Fatalf("read %+v; want %d records", r.Files, c.records)
			}
			switch {
			case c.errorLine == 0 && len(errs.errs) > 0:
				t.Errorf("errors %v, want none", errs.errs)
			case c.errorLine > 0 && (len(errs.errs) != 1 || errs.errs[0].Line != c.errorLine):
				t.Errorf("errors %v, want one at line %d", errs.errs, c.errorLine)
			}
		})
	}
}

// A line over the record cap that holds a list (an hour's flow log blob is
// one {"records":[…]} line) is read once the file stops changing, record
// by record: read while still being written, what followed its break was
// lost, and waiting for its newline it was never read.
func TestLongListLineReadOnceSettled(t *testing.T) {
	tn := newTenant(t, simulate.Options{Seed: 2, Days: 3})
	var recs [][]byte
	for _, l := range someLines(t, tn, 400) {
		recs = append(recs, bytes.TrimSpace(l))
	}
	blob := []byte(`{"records":[` + string(bytes.Join(recs, []byte(","))) + `]}`)
	const limit = 64 << 10
	if len(blob) < 4*limit {
		t.Fatalf("the list is %d bytes, want several times the cap", len(blob))
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "PT1H.json")
	os.WriteFile(path, append([]byte(`{"records":[]}`+"\n"), blob[:len(blob)/2]...), 0o644)
	var errs errorsOf
	cfg := tn.cfg
	cfg.OnError = errs.add
	cfg.Limits = source.DefaultLimits()
	cfg.Limits.MaxRecord = limit
	ctx := context.Background()
	srv, err := New(ctx, Config{Store: openStore(t), Dirs: []string{dir}, Hunt: cfg, Settle: true})
	if err != nil {
		t.Fatal(err)
	}
	var read int64
	step := func(what string) {
		t.Helper()
		r, err := srv.Cycle(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range r.Files {
			read += f.Records - f.Skipped
		}
	}
	step("half written")
	if read != 0 {
		t.Fatalf("%d records read of a line still being written", read)
	}
	os.WriteFile(path, append([]byte(`{"records":[]}`+"\n"), blob...), 0o644)
	step("all written")
	step("unchanged")
	step("unchanged again")
	if read != int64(len(recs)) || len(errs.errs) > 0 {
		t.Errorf("read %d records, errors %v; want all %d, none", read, errs.errs, len(recs))
	}
}

// A JSON lines file that begins with a UTF-8 byte-order mark (PowerShell
// writes one) is JSON lines: read on, not whole again at each change.
func TestByteOrderMarkIsJSONLines(t *testing.T) {
	tn := newTenant(t, simulate.Options{Seed: 2, Days: 3})
	lines := someLines(t, tn, 2)
	dir := t.TempDir()
	blob := filepath.Join(dir, "export.json")
	if err := os.WriteFile(blob, append([]byte("\xef\xbb\xbf"), lines[0]...), 0o644); err != nil {
		t.Fatal(err)
	}
	st := openStore(t)
	if r := cycle(t, st, dir, tn.cfg); len(r.Read) != 1 || r.Files[0].Records != 1 {
		t.Fatalf("first cycle read %+v", r.Files)
	}
	f, err := os.OpenFile(blob, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(lines[1])
	f.Close()
	if r := cycle(t, st, dir, tn.cfg); len(r.Read) != 1 || r.Files[0].Records != 1 {
		t.Errorf("second cycle read %d records, want only the appended line", r.Files[0].Records)
	}
}

// What is appended to a JSON lines file is read as JSON lines even when
// its first lines are broken: each is reported, the good ones after them
// are read (not the whole append taken for a JSON document and lost).
func TestBrokenLinesAppendedAreReportedOneByOne(t *testing.T) {
	tn := newTenant(t, simulate.Options{Seed: 2, Days: 3})
	lines := someLines(t, tn, 5)
	dir := t.TempDir()
	blob := filepath.Join(dir, "PT1H.json")
	if err := os.WriteFile(blob, bytes.Join(lines[:2], nil), 0o644); err != nil {
		t.Fatal(err)
	}
	st := openStore(t)
	var errs errorsOf
	cfg := tn.cfg
	cfg.OnError = errs.add
	cycle(t, st, dir, cfg)
	f, err := os.OpenFile(blob, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("{\"records\": [\n{\"time\": broken\n"))
	f.Write(bytes.Join(lines[2:5], nil))
	f.Close()
	r := cycle(t, st, dir, cfg)
	if r.Hunt == nil || r.Files[0].Container != "json-lines" || r.Files[0].Records-r.Files[0].Skipped != 3 {
		t.Fatalf("append read as %+v; want JSON lines with the 3 good records", r.Files)
	}
	if len(errs.errs) != 2 || errs.errs[0].Line != 3 || errs.errs[1].Line != 4 {
		t.Errorf("errors %v, want lines 3 and 4 of %s", errs.errs, blob)
	}
}

// A file that is gone loses its checkpoint: the table stays the size of
// the folders. Should a file of that name come back, it is a new file.
func TestGoneFilesLoseTheirCheckpoints(t *testing.T) {
	tn := newTenant(t, simulate.Options{Seed: 2, Days: 3})
	lines := someLines(t, tn, 4)
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json")
	os.WriteFile(a, bytes.Join(lines[:2], nil), 0o644)
	os.WriteFile(b, bytes.Join(lines[2:], nil), 0o644)
	st := openStore(t)
	cycle(t, st, dir, tn.cfg)
	os.Remove(a)
	cycle(t, st, dir, tn.cfg)
	cps, err := st.Checkpoints(context.Background())
	if err != nil || len(cps) != 1 || cps[b].Path != b {
		t.Fatalf("checkpoints %v (%v), want only %s", cps, err, b)
	}
	os.WriteFile(a, bytes.Join(lines[:3], nil), 0o644)
	if r := cycle(t, st, dir, tn.cfg); len(r.Files) != 1 || r.Files[0].Records != 3 {
		t.Errorf("a file come back was not read whole: %+v", r.Files)
	}
	// Another folder's serve on the same store leaves these alone.
	cycle(t, st, t.TempDir(), tn.cfg)
	if cps, _ := st.Checkpoints(context.Background()); len(cps) != 2 {
		t.Errorf("a serve of another folder removed this one's checkpoints: %v", cps)
	}
}

// A symbolic link the walk does not follow (to a folder, or to nothing)
// is said once, not every cycle, and the files gone still lose their
// checkpoints: the walk listed everything else.
func TestLinksNotFollowedAreSaidOnceAndForgetNothing(t *testing.T) {
	tn := newTenant(t, simulate.Options{Seed: 2, Days: 3})
	lines := someLines(t, tn, 4)
	dir, elsewhere := t.TempDir(), t.TempDir()
	a, b := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json")
	os.WriteFile(a, bytes.Join(lines[:2], nil), 0o644)
	os.WriteFile(b, bytes.Join(lines[2:], nil), 0o644)
	if err := os.Symlink(elsewhere, filepath.Join(dir, "archive")); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	os.Symlink(filepath.Join(dir, "missing"), filepath.Join(dir, "dangling"))
	st := openStore(t)
	srv, err := New(context.Background(), Config{Store: st, Dirs: []string{dir}, Hunt: tn.cfg})
	if err != nil {
		t.Fatal(err)
	}
	run := func() *Result {
		t.Helper()
		res, err := srv.Cycle(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	res := run()
	var said []string
	for _, e := range res.Skip {
		said = append(said, e.Error())
	}
	if len(said) != 2 || !strings.Contains(strings.Join(said, "\n"), "archive: a symbolic link to a folder") ||
		!strings.Contains(strings.Join(said, "\n"), "dangling: a symbolic link that leads nowhere") {
		t.Errorf("first cycle says %q, want each link once", said)
	}
	os.Remove(a)
	if res := run(); len(res.Skip) != 0 {
		t.Errorf("the links are said again: %v", res.Skip)
	}
	cps, err := st.Checkpoints(context.Background())
	if err != nil || len(cps) != 1 || cps[b].Path != b {
		t.Errorf("checkpoints %v (%v), want only %s: a link stopped the gone file's from being forgotten", cps, err, b)
	}
}

// A file read whole (a JSON document, a gzip file) that a sync touches
// without changing it (downloading every blob again) is not read again;
// changed, however slightly and at the same size, it is. A JSON lines
// file touched is not read again either, and its checkpoint takes the new
// time, so that the next scans do not look into it again.
func TestDocumentsTouchedAndNotChangedAreNotReadAgain(t *testing.T) {
	tn := newTenant(t, simulate.Options{Seed: 2, Days: 3})
	lines := someLines(t, tn, 3)
	dir := t.TempDir()
	doc := filepath.Join(dir, "export.json")
	whole := []byte("[" + strings.Join(strings.Split(strings.TrimSpace(string(bytes.Join(lines, nil))), "\n"), ",\n") + "]\n")
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(bytes.Join(lines, nil))
	zw.Close()
	gz, jl := filepath.Join(dir, "export.json.gz"), filepath.Join(dir, "PT1H.json")
	files := map[string][]byte{doc: whole, gz: buf.Bytes(), jl: bytes.Join(lines, nil)}
	for p, b := range files {
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	st := openStore(t)
	if r := cycle(t, st, dir, tn.cfg); len(r.Read) != 3 || r.Hunt.Files[0].Records != 3 || r.Hunt.Files[1].Records != 3 || r.Hunt.Files[2].Records != 3 {
		t.Fatalf("first cycle: %d inputs read, %+v", len(r.Read), r.Hunt)
	}
	touch := func(p string, at time.Time) {
		t.Helper()
		if err := os.Chtimes(p, at, at); err != nil {
			t.Fatal(err)
		}
	}
	later := time.Now().Add(time.Hour)
	for _, p := range []string{doc, gz, jl} {
		touch(p, later)
	}
	if r := cycle(t, st, dir, tn.cfg); len(r.Read) != 0 {
		t.Errorf("touched only: %d inputs read again", len(r.Read))
	}
	cps, err := st.Checkpoints(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{doc, gz, jl} {
		if !cps[p].ModTime.Equal(later.UTC()) || cps[p].Offset != int64(len(files[p])) {
			t.Errorf("the checkpoint of %s: %+v, want its new time and every byte read", p, cps[p])
		}
	}
	// One digit of a record's time, the size unchanged.
	i := bytes.Index(whole, []byte(`"time":"20`))
	if i < 0 {
		t.Fatal("no time in the document")
	}
	changed := bytes.Clone(whole)
	changed[i+len(`"time":"20`)+1] ^= 1 // 202x: another year's digit
	if err := os.WriteFile(doc, changed, 0o644); err != nil {
		t.Fatal(err)
	}
	touch(doc, later.Add(time.Hour))
	if r := cycle(t, st, dir, tn.cfg); len(r.Read) != 1 || r.Read[0].Name != doc {
		t.Errorf("changed at the same size: read %v, want %s", r.Read, doc)
	}
}
