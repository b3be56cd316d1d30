package serve

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/simulate"
	"github.com/mamori-sec/mamori/internal/store"
)

// twoExports writes a JSON document (read whole) and an hour's JSON lines
// blob (read on) of the same three records into a folder, their times an
// hour before now, and returns their paths and contents.
func twoExports(t *testing.T) (dir, doc, blob string, files map[string][]byte, at time.Time) {
	t.Helper()
	tn := newTenant(t, simulate.Options{Seed: 2, Days: 3})
	lines := someLines(t, tn, 3)
	dir = t.TempDir()
	doc, blob = filepath.Join(dir, "export.json"), filepath.Join(dir, "PT1H.json")
	files = map[string][]byte{
		doc:  []byte("[" + strings.Join(strings.Split(strings.TrimSpace(string(bytes.Join(lines, nil))), "\n"), ",\n") + "]\n"),
		blob: bytes.Join(lines, nil),
	}
	at = time.Now().Add(-time.Hour).Truncate(time.Second)
	for p, b := range files {
		rewrite(t, p, b, at)
	}
	return dir, doc, blob, files, at
}

// rewrite writes b in place of p's content and puts its time back to at,
// as rsync -t, cp -p or an export tool keeping the blob's time do.
func rewrite(t *testing.T, p string, b []byte, at time.Time) {
	t.Helper()
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, at, at); err != nil {
		t.Fatal(err)
	}
}

// otherRecord changes one digit of the first record's time: the same
// size, another record.
func otherRecord(t *testing.T, b []byte) []byte {
	t.Helper()
	i := bytes.Index(b, []byte(`"time":"20`))
	if i < 0 {
		t.Fatal("no time in the records")
	}
	b = bytes.Clone(b)
	b[i+len(`"time":"20`)+1] ^= 1
	return b
}

// readNames are the files a cycle read.
func readNames(r *Result) []string {
	var out []string
	for _, in := range r.Read {
		out = append(out, filepath.Base(in.Name))
	}
	return out
}

// A file rewritten at the same size with its old time put back, in place
// (a JSON document) or by renaming a new file onto its name (an hour's
// blob), is another file, read whole again: its ctime or inode tell,
// where its size and time do not. Files only looked at are not read.
func TestRewrittenFileWithItsTimeKeptIsReadAgain(t *testing.T) {
	tn := newTenant(t, simulate.Options{Seed: 2, Days: 3})
	dir, doc, blob, files, at := twoExports(t)
	st := openStore(t)
	if r := cycle(t, st, dir, tn.cfg); len(r.Read) != 2 {
		t.Fatalf("first cycle read %v, want both files", readNames(r))
	}
	if r := cycle(t, st, dir, tn.cfg); len(r.Read) != 0 {
		t.Fatalf("second cycle read %v, want nothing: nothing changed", readNames(r))
	}
	rewrite(t, doc, otherRecord(t, files[doc]), at)
	tmp := filepath.Join(t.TempDir(), "new")
	rewrite(t, tmp, otherRecord(t, files[blob]), at)
	if err := os.Rename(tmp, blob); err != nil {
		t.Fatal(err)
	}
	cps, err := st.Checkpoints(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{doc, blob} {
		info, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if cp := cps[p]; cp.Size != info.Size() || !cp.ModTime.Equal(info.ModTime()) {
			t.Fatalf("%s: the rewrite changed its size or time (%d %v, checkpoint %d %v): the test proves nothing",
				p, info.Size(), info.ModTime(), cp.Size, cp.ModTime)
		}
	}
	r := cycle(t, st, dir, tn.cfg)
	if got := strings.Join(readNames(r), " "); len(r.Read) != 2 {
		t.Fatalf("after the rewrites, read %q, want both files", got)
	}
	for _, fs := range r.Files {
		if fs.Records != 3 {
			t.Errorf("%s: %d records read, want its 3, read whole", fs.File, fs.Records)
		}
	}
}

// A file whose time was within a tick of the look that read it may have
// been written again in that tick, its size, time and ctime unchanged (a
// blob of a storage account mounted by blobfuse2, whose times are its
// Last-Modified, to the second): its content is checked at the next look,
// and it is read again when it differs. Checked and found as it was, it
// is stamped at that look and not checked again.
func TestFileWrittenWithinTheTickOfItsLookIsChecked(t *testing.T) {
	tn := newTenant(t, simulate.Options{Seed: 2, Days: 3})
	dir, doc, blob, files, at := twoExports(t)
	ctx := context.Background()
	st := openStore(t)
	srv, err := New(ctx, Config{Store: st, Dirs: []string{dir}, Hunt: tn.cfg})
	if err != nil {
		t.Fatal(err)
	}
	lookAt := func(d time.Duration) { srv.look = func() time.Time { return at.Add(d) } }
	lookAt(time.Second) // the second the files were written in
	if r := runCycle(t, srv); len(r.Read) != 2 {
		t.Fatalf("first cycle read %v, want both files", readNames(r))
	}
	// A file system that gives neither ctime nor inode (the checkpoint
	// then knows none): only the time of the look can tell.
	cps, err := st.Checkpoints(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var blind []store.Checkpoint
	for _, cp := range cps {
		cp.Ctime, cp.Inode = time.Time{}, 0
		blind = append(blind, cp)
	}
	if _, err := st.Commit(ctx, store.Cycle{Checkpoints: blind}); err != nil {
		t.Fatal(err)
	}
	rewrite(t, doc, otherRecord(t, files[doc]), at)
	rewrite(t, blob, otherRecord(t, files[blob]), at)
	lookAt(2 * time.Second)
	r := runCycle(t, srv)
	if len(r.Read) != 2 {
		t.Fatalf("written again in the tick of the look: read %v, want both files", readNames(r))
	}
	for _, fs := range r.Files {
		if fs.Records != 3 {
			t.Errorf("%s: %d records read, want its 3, read whole", fs.File, fs.Records)
		}
	}
	// An hour on, the files as they were: checked, not read, stamped at
	// this look, which is far from their time.
	later := at.Add(time.Hour)
	lookAt(time.Hour)
	if r := runCycle(t, srv); len(r.Read) != 0 {
		t.Errorf("checked and unchanged: read %v, want nothing", readNames(r))
	}
	if cps, err = st.Checkpoints(ctx); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{doc, blob} {
		if cp := cps[p]; !cp.Looked.Equal(later) || racy(cp) || cp.Offset != int64(len(files[p])) {
			t.Errorf("%s: checkpoint %+v, want it stamped at the look an hour on, every byte read", p, cp)
		}
	}
}
