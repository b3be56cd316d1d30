package source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/mamori-sec/mamori/internal/event"
)

// pad returns activity record i with a member of n bytes added.
func pad(i, n int) string {
	return strings.Replace(activity(i), `"level"`, `"pad":"`+strings.Repeat("x", n)+`","level"`, 1)
}

// bulk is enough lines that a file of them is mapped.
func bulk(from int) string {
	var b strings.Builder
	for i := from; b.Len() < minMapped+(1<<20); i++ {
		b.WriteString(activity(i))
		b.WriteByte('\n')
	}
	return b.String()
}

// TestMappedReadsLikeTheStream reads files both in place and as a stream
// and compares everything the reader reports: events with their lines and
// offsets, statistics and errors, at the edges of batches and of the
// record cap.
func TestMappedReadsLikeTheStream(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("files are mapped on Linux only")
	}
	small := DefaultLimits()
	small.MaxRecord = 1_500_000
	tiny := DefaultLimits()
	tiny.MaxRecord = 64 << 10
	cases := []struct {
		name string
		in   string
		lim  Limits
	}{
		{"lines", bulk(0), DefaultLimits()},
		{"no final newline", bulk(0) + activity(99), DefaultLimits()},
		{"a record cut short at the end", bulk(0) + activity(99)[:300], DefaultLimits()},
		{"byte-order mark", "\xef\xbb\xbf" + bulk(0) + "{bad\n" + bulk(5), DefaultLimits()},
		{"CRLF and blank lines", strings.ReplaceAll(bulk(0), "\n", "\r\n\r\n"), DefaultLimits()},
		{"invalid lines", bulk(0) + "{\"time\":\n[1,2]\n" + bulk(7), DefaultLimits()},
		{"a line longer than a batch", bulk(0) + pad(1, 2<<20) + "\n" + bulk(3), DefaultLimits()},
		{"a line past the cap", bulk(0) + pad(1, 2<<20) + "\n" + bulk(3), small},
		{"a line just under the cap", bulk(0) + pad(1, 1_499_000-len(activity(1))) + "\n" + bulk(3), small},
		{"a line past the cap at the end", bulk(0) + pad(1, 2<<20), small},
		{"a line under the cap at the end", bulk(0) + pad(1, 1_200_000), small},
		{"lines past a tiny cap", bulk(0) + pad(1, 100<<10) + "\n" + pad(2, 3<<20) + "\n" + bulk(3), tiny},
		{"a line as long as a batch", bulk(0)[:len(bulk(0))-1] + strings.Repeat(" ", chunkCap) + "\n" + bulk(3), DefaultLimits()},
	}
	dir := t.TempDir()
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".jsonl")
			if err := os.WriteFile(p, []byte(c.in), 0o600); err != nil {
				t.Fatal(err)
			}
			in := fileInput(p, int64(len(c.in)))
			if !mapsFile(t, in) {
				t.Fatalf("case %d: %s is not mapped", i, p)
			}
			streamed := in
			streamed.plain = false
			mr, mst := read(t, []Input{in}, c.lim)
			sr, sst := read(t, []Input{streamed}, c.lim)
			if len(sr.events) == 0 {
				t.Fatal("no events read")
			}
			byLoc := func(r *result) []string {
				var out []string
				for _, e := range r.events {
					out = append(out, fmt.Sprintf("%+v %v %s", e.Loc, e.Time, e.ResourceID))
				}
				slices.Sort(out)
				return out
			}
			if d := cmp.Diff(byLoc(sr), byLoc(mr)); d != "" {
				t.Errorf("events differ (-streamed +mapped):\n%s", d)
			}
			errs := func(r *result) []string {
				var out []string
				for _, e := range r.errs {
					out = append(out, e.Error())
				}
				slices.Sort(out)
				return out
			}
			if d := cmp.Diff(errs(sr), errs(mr)); d != "" {
				t.Errorf("errors differ (-streamed +mapped):\n%s", d)
			}
			opt := cmpopts.IgnoreUnexported(FileStats{})
			sort := cmpopts.SortSlices(func(a, b string) bool { return a < b })
			if d := cmp.Diff(sst[0], mst[0], opt, sort); d != "" {
				t.Errorf("statistics differ (-streamed +mapped):\n%s", d)
			}
		})
	}
}

// mapsFile reports whether in is read in place.
func mapsFile(t *testing.T, in Input) bool {
	t.Helper()
	s, err := openStream(in, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	m := mapInput(in, s)
	if m == nil {
		return false
	}
	if !bytes.Equal(m.data[:10], []byte(mustRead(t, in.Name)[:10])) {
		t.Errorf("mapping does not hold the file")
	}
	m.mu.Lock()
	m.release()
	m.mu.Unlock()
	return true
}

func mustRead(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestMappingDropsPagesInOrderAndUnmapsAtTheEnd(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("files are mapped on Linux only")
	}
	const u = int64(dropAlign)
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, bytes.Repeat([]byte("x"), int(10*u)), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	data, err := mapFile(f, 10*u)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	m := &mapping{data: data, pending: 1, early: map[int64]int64{}, drop: dropPages, unmap: unmapFile}
	m.pending += 3
	m.finish(2*u+5, 5*u) // ahead of the first: nothing dropped
	if m.released != 0 || m.next != 0 {
		t.Fatalf("released %d next %d after a batch out of order", m.released, m.next)
	}
	m.finish(0, 2*u+5) // the first: both done, dropped up to the last whole unit
	if m.next != 5*u || m.released != 5*u {
		t.Fatalf("next %d released %d, want %d", m.next, m.released, 5*u)
	}
	m.finish(5*u, 7*u+1)
	if m.released != 7*u {
		t.Fatalf("released %d, want %d", m.released, 7*u)
	}
	if m.data == nil {
		t.Fatal("unmapped while the reader still holds it")
	}
	// Dropped pages read again from the file.
	if m.data[0] != 'x' || m.data[7*u-1] != 'x' {
		t.Fatal("dropped pages do not read as the file")
	}
	m.mu.Lock()
	m.release()
	m.mu.Unlock()
	if m.data != nil {
		t.Fatal("not unmapped after the last batch and the reader")
	}
}

// TestMappedFileThatShrinksIsReported truncates a file while it is read in
// place: the pages past the new end fault, which must end in an error
// that says so, not a crash.
func TestMappedFileThatShrinksIsReported(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("files are mapped on Linux only")
	}
	p := filepath.Join(t.TempDir(), "shrinks.jsonl")
	in := bulk(0) + bulk(1) + bulk(2) + bulk(3)
	if err := os.WriteFile(p, []byte(in), 0o600); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	var errs []*ParseError
	var mu sync.Mutex
	opt := Options{Workers: 2, OnError: func(e *ParseError) { mu.Lock(); errs = append(errs, e); mu.Unlock() }}
	events := 0
	st := Read(context.Background(), []Input{fileInput(p, int64(len(in)))}, opt, func(_ int, ev *event.Event) {
		once.Do(func() {
			if err := os.Truncate(p, 0); err != nil {
				t.Error(err)
			}
		})
		mu.Lock()
		events++
		mu.Unlock()
	})
	if events == 0 || events >= strings.Count(in, "\n") {
		t.Fatalf("%d events of %d lines", events, strings.Count(in, "\n"))
	}
	found := false
	for _, e := range errs {
		found = found || errors.Is(e, ErrTruncated) && strings.Contains(e.Error(), "shrank")
	}
	if !found || st[0].Skipped == 0 {
		t.Fatalf("no error says the file shrank: skipped %d, %v", st[0].Skipped, errs)
	}
}

// FuzzMappedLikeStream cuts arbitrary bytes into batches both ways, in
// place and as a stream, with small batches and record caps so that every
// edge is reached, and compares what the workers read from them.
func FuzzMappedLikeStream(f *testing.F) {
	two := activity(1) + "\n" + activity(2) + "\n"
	for _, s := range []string{
		two, two + activity(3), "\xef\xbb\xbf" + two, "\r\n\n" + two + "\n\n", two + "{bad\n" + two,
		two + pad(3, 600) + "\n" + two, two + pad(3, 600), "\n\n\n", "x\ny\nz",
	} {
		f.Add([]byte(s), uint8(40), uint16(300))
		f.Add([]byte(s), uint8(200), uint16(2000))
	}
	f.Fuzz(func(t *testing.T, data []byte, reach uint8, maxRecord uint16) {
		lim := DefaultLimits()
		lim.MaxRecord = int(maxRecord)%4096 + 1
		r := int(reach)%512 + 1
		mapped, mst := frame(t, data, r, lim, true)
		streamed, sst := frame(t, data, r, lim, false)
		if d := cmp.Diff(streamed, mapped); d != "" {
			t.Fatalf("reach %d cap %d: reads differ (-streamed +mapped):\n%s", r, lim.MaxRecord, d)
		}
		// The reader's and the worker's errors reach the statistics in
		// either order.
		sorted := cmpopts.SortSlices(func(a, b string) bool { return a < b })
		if d := cmp.Diff(sst, mst, cmpopts.IgnoreUnexported(FileStats{}), cmpopts.IgnoreFields(FileStats{}, "Bytes"), sorted); d != "" {
			t.Fatalf("reach %d cap %d: statistics differ (-streamed +mapped):\n%s", r, lim.MaxRecord, d)
		}
	})
}

// frame reads data as a JSON lines file with batches reaching reach bytes,
// in place (over data itself, not a real mapping) or as a stream, with one
// worker, and returns what it read in order.
func frame(t *testing.T, data []byte, reach int, lim Limits, inPlace bool) ([]string, *FileStats) {
	t.Helper()
	// The reader and the worker each note what they report; the reader's
	// notes are complete once it closes the channel.
	var read, framed []string
	ch := make(chan *batch, 4)
	fr := &fileReader{ctx: context.Background(), in: Input{Name: "f"}, fs: newFileStats("f"), lim: lim, out: ch, reach: reach,
		onErr: func(e *ParseError) { framed = append(framed, "framing "+e.Error()) }}
	w := &worker{t: newTally(), onErr: func(e *ParseError) { read = append(read, "error "+e.Error()) },
		h: func(_ int, ev *event.Event) {
			read = append(read, fmt.Sprintf("%+v %v %s", ev.Loc, ev.Time, ev.ResourceID))
		}}
	s, err := openStream(BytesInput("f", data), lim)
	if err != nil {
		t.Fatal(err)
	}
	if kind, err := sniff(s); err != nil || kind != "json-lines" || s.compressed {
		return nil, nil
	}
	go func() {
		defer close(ch)
		if inPlace {
			held := bytes.Clone(data) // the batches must not outlive it
			fr.readInPlace(&mapping{data: held, pending: 1, early: map[int64]int64{}, drop: func([]byte) {}, unmap: func([]byte) {}})
		} else if err := fr.readLines(s); err != nil {
			fr.fail(0, 0, err)
		}
	}()
	for b := range ch {
		w.do(b)
	}
	return append(read, framed...), fr.fs
}
