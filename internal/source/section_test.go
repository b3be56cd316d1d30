package source

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A section of an indented document that holds one record (what serve
// carries of such a document into its next cycle) reads as that record,
// with the file's own line and offset; a broken one is reported at the
// file's line.
func TestDocumentSection(t *testing.T) {
	t.Parallel()
	var recs []json.RawMessage
	for i := range 3 {
		recs = append(recs, json.RawMessage(activity(i)))
	}
	doc, err := json.MarshalIndent(map[string]any{"value": recs}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	doc = append(doc, "\n{\n  \"time\": broken\n}\n"...)
	path := filepath.Join(t.TempDir(), "export.json")
	if err := os.WriteFile(path, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	whole, _ := read(t, []Input{FileSection(path, 0, int64(len(doc)), 1)}, DefaultLimits())
	if len(whole.events) != 3 {
		t.Fatalf("the whole document: %d events, want 3", len(whole.events))
	}
	for _, w := range whole.events {
		// The record's own bytes, as the document holds them.
		var end int64
		for i := w.Loc.Offset; ; i++ {
			if doc[i] == '\n' && doc[i+1] == ' ' && doc[i+2] == ' ' && doc[i+3] == ' ' && doc[i+4] == ' ' && doc[i+5] == '}' {
				end = i + 6
				break
			}
		}
		if doc[w.Loc.Offset] != '{' {
			t.Fatalf("record at offset %d starts with %q", w.Loc.Offset, doc[w.Loc.Offset])
		}
		got, _ := read(t, []Input{FileSection(path, w.Loc.Offset, end, w.Loc.Line)}, DefaultLimits())
		if len(got.events) != 1 || len(got.errs) != 0 {
			t.Fatalf("section [%d, %d): %d events, errors %v", w.Loc.Offset, end, len(got.events), got.errs)
		}
		g := got.events[0]
		if g.Loc != w.Loc || g.Operation != w.Operation || !g.Time.Equal(w.Time) || g.ResourceID != w.ResourceID {
			t.Errorf("section read as %+v at %+v, the document's record %+v at %+v", g.Operation, g.Loc, w.Operation, w.Loc)
		}
	}
	// A record with a broken value is reported at its own line in the
	// file; one cut short (the file changed), at the file's line where
	// the cut is.
	bad := int64(bytes.LastIndex(doc, []byte("\n{\n")) + 1)
	line := bytes.Count(doc[:bad], []byte("\n")) + 1
	got, _ := read(t, []Input{FileSection(path, bad, int64(len(doc)), line)}, DefaultLimits())
	if len(got.errs) != 1 || got.errs[0].Line != line || !strings.Contains(got.errs[0].Error(), "invalid JSON") {
		t.Errorf("a broken record at line %d: errors %v, want one at that line", line, got.errs)
	}
	last := whole.events[0]
	for _, e := range whole.events {
		if e.Loc.Line > last.Loc.Line {
			last = e
		}
	}
	cut := last.Loc.Offset + 200
	cutLine := bytes.Count(doc[:cut], []byte("\n")) + 1
	got, _ = read(t, []Input{FileSection(path, last.Loc.Offset, cut, last.Loc.Line)}, DefaultLimits())
	if len(got.errs) != 1 || got.errs[0].Line != cutLine || !strings.Contains(got.errs[0].Error(), "ends inside a record") {
		t.Errorf("a record cut at line %d: errors %v, want one at that line", cutLine, got.errs)
	}
}

// A JSON lines input read to its end says how many lines ended in it
// (FileStats.Lines: where serve numbers the lines of the file's next
// read from), whatever way its lines were cut: many batches, a last line
// without its newline, a line longer than a batch, one past the record
// cap passed over, CRLF, a section from the middle, a gzip stream.
func TestLinesEndedAreCounted(t *testing.T) {
	t.Parallel()
	// Several batches, and a line longer than one.
	many := lines(3000, "\n")
	long := []byte(`{"pad":"` + strings.Repeat("a", 600<<10) + `",` + activity(99)[1:] + "\n")
	cases := []struct {
		name     string
		content  []byte
		from     int // a section from this line's start
		maxRec   int
		gzip     bool
		skipped  int64
		trimLast bool
	}{
		{name: "batches", content: many},
		{name: "no last newline", content: many, trimLast: true},
		{name: "long line", content: append(append(lines(10, "\n"), long...), lines(10, "\n")...)},
		{name: "long line last, no newline", content: append(lines(10, "\n"), long...), trimLast: true},
		{name: "past the cap", content: append(append(lines(10, "\n"), long...), lines(10, "\n")...), maxRec: 64 << 10, skipped: 1},
		{name: "crlf", content: lines(500, "\r\n")},
		{name: "section", content: many, from: 1234},
		{name: "gzip", content: many, gzip: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			content := c.content
			if c.trimLast {
				content = bytes.TrimSuffix(content, []byte("\n"))
			}
			path := filepath.Join(t.TempDir(), "PT1H.json")
			data := content
			if c.gzip {
				var buf bytes.Buffer
				zw := gzip.NewWriter(&buf)
				zw.Write(content)
				zw.Close()
				data = buf.Bytes()
				path += ".gz"
			}
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			from, line := 0, 1
			for ; line <= c.from; line++ {
				from += bytes.IndexByte(content[from:], '\n') + 1
			}
			in := LinesSection(path, int64(from), int64(len(content)), line)
			if c.gzip {
				in = FileSection(path, 0, int64(len(data)), 1)
			}
			lim := DefaultLimits()
			if c.maxRec > 0 {
				lim.MaxRecord = c.maxRec
			}
			_, st := read(t, []Input{in}, lim)
			if want := int64(bytes.Count(content[from:], []byte("\n"))); st[0].Lines != want || st[0].Skipped != c.skipped {
				t.Errorf("lines %d, skipped %d; want %d, %d", st[0].Lines, st[0].Skipped, want, c.skipped)
			}
		})
	}
}
