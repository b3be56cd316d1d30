package source

import (
	"bytes"
	"cmp"
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/mamori-sec/mamori/internal/event"
)

// cutAt returns rec up to and including the first occurrence of mark, and
// n bytes more: a record cut short by a writer that died there.
func cutAt(rec, mark string, n int) string {
	i := strings.Index(rec, mark)
	if i < 0 {
		panic("no " + mark + " in the record")
	}
	return rec[:i+len(mark)+n]
}

// TestCutRecordFollowedOnItsLine: a collector cut short mid-record then
// appended the next record without a newline. The whole records on the
// line are read, wherever the cut fell (in a string, in a nested object,
// right after one, in an envelope's list), the cut one is reported at its
// line, and nothing is read from the cut one's text: not a nested object,
// not a brace in a string. A line whose whole record cannot be told apart
// (garbage after it, an object no reader knows) is reported as before. The
// brief and the wanted paths (Wants) read such lines as the full one.
func TestCutRecordFollowedOnItsLine(t *testing.T) {
	t.Parallel()
	good := func(i int) string { return activity(i) + "\n" }
	// A record whose strings hold braces: an escaped JSON body, as Azure
	// writes responseBody, and a message with bare ones.
	braces := strings.Replace(activity(2), `"properties":{`, `"properties":{"statusMessage":"{\"error\":{\"code\":\"QuotaExceeded\",\"details\":[{\"x\":1}]}}","message":"template {} {name} {\"`, 1)
	cases := []struct {
		name     string
		in       string
		lines    []int  // lines of the events read, in order
		skipLine int    // line of the one error, 0: none
		reason   string // what the error says
	}{
		{"cut in a string, then a whole record", good(1) + cutAt(activity(2), `"operationName":"MICRO`, 0) + activity(3) + "\n" + good(4),
			[]int{1, 2, 3}, 2, "record cut short, the next one written after it on the same line"},
		{"cut in an escaped JSON body holding braces", good(1) + cutAt(braces, `\"details\":[{`, 0) + good(3),
			[]int{1, 2}, 2, "record cut short"},
		{"cut after a bare brace in a string", good(1) + cutAt(braces, `template {`, 0) + good(3),
			[]int{1, 2}, 2, "record cut short"},
		{"cut after a brace and a quote in a string", good(1) + cutAt(braces, `{name} {\"`, 0) + good(3),
			[]int{1, 2}, 2, "record cut short"},
		{"cut right after a whole nested object", good(1) + cutAt(activity(2), `/upn":"user2@contoso.example"}}`, 0) + good(3),
			[]int{1, 2}, 2, "record cut short"},
		{"cut between members", good(1) + cutAt(activity(2), `"level":"Information",`, 0) + good(3),
			[]int{1, 2}, 2, "record cut short"},
		{"two cut records, then a whole one", cutAt(activity(1), `"time":"20`, 0) + cutAt(activity(2), `"identity":{`, 3) + good(3) + good(4),
			[]int{1, 2}, 1, "invalid JSON before the next record on the line"},
		{"white space before a cut record", good(1) + " \t " + cutAt(activity(2), `"operationName":"MICRO`, 0) + activity(3) + "\n",
			[]int{1, 2}, 2, "record cut short"},
		{"two whole records on one line", activity(1) + activity(2) + "\n" + good(3),
			[]int{1, 1, 2}, 0, ""},
		{"whole, cut, whole on one line", activity(1) + " " + cutAt(activity(2), `"resultType":"Succ`, 0) + activity(3) + "\n",
			[]int{1, 1}, 1, "record cut short"},
		{"a whole record, then one cut at the end of the file", good(1) + activity(2) + cutAt(activity(3), `"category":"Adm`, 0),
			[]int{1, 2}, 2, "partly written last line"},
		{"an envelope line cut, then an envelope line", good(1) + `{"records":[` + activity(2) + "," + cutAt(activity(3), `"callerIpAddress":"203.`, 0) +
			`{"records":[` + activity(4) + "," + activity(5) + "]}\n",
			[]int{1, 2, 2, 2}, 2, "list cut short after 1 record, the next record written after it on the same line"},
		{"a bad record, then a whole one", good(1) + strings.Replace(activity(2), `"Success"`, `tru`, 1) + activity(3) + "\n",
			[]int{1, 2}, 2, "invalid JSON before the next record on the line"},
		// Nothing can be told apart: the line is one error, as it was.
		{"garbage after the whole record", good(1) + cutAt(activity(2), `"operationName":"MICRO`, 0) + activity(3) + " x\n" + good(4),
			[]int{1, 3}, 2, "invalid JSON"},
		{"an object no reader knows after the cut", good(1) + cutAt(activity(2), `"operationName":"MICRO`, 0) + `{"hello":"world","n":1}` + "\n" + good(4),
			[]int{1, 3}, 2, "invalid JSON"},
		{"a nested object ends the last line", good(1) + cutAt(activity(2), `"eventCategory":"Administrative"}`, 0),
			[]int{1}, 2, "partly written last line"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			for _, wc := range append([]struct {
				name  string
				wants event.Wants
			}{{"full", nil}}, wantsCases...) {
				evs, errs, st := readWants(t, c.in, wc.wants)
				var lines []int
				for _, e := range evs {
					lines = append(lines, e.Loc.Line)
					// An event's offset is where its record (or the envelope
					// holding it) starts.
					if at := c.in[e.Loc.Offset:]; !strings.HasPrefix(at, `{"time":`) && !strings.HasPrefix(at, `{"records":`) {
						t.Errorf("%s: event of line %d at offset %d, which holds %.20q", wc.name, e.Loc.Line, e.Loc.Offset, at)
					}
				}
				if !slices.Equal(lines, c.lines) {
					t.Errorf("%s: events of lines %v, want %v (errors %v)", wc.name, lines, c.lines, errs)
				}
				if c.skipLine == 0 {
					if st.Skipped != 0 || len(errs) != 0 {
						t.Errorf("%s: skipped %d: %v", wc.name, st.Skipped, errs)
					}
					continue
				}
				if st.Skipped != 1 || len(errs) != 1 {
					t.Fatalf("%s: skipped %d, errors %v; want one", wc.name, st.Skipped, errs)
				}
				if e := errs[0]; e.Line != c.skipLine || !strings.Contains(e.Error(), c.reason) || !strings.HasPrefix(e.Error(), "in.json:") {
					t.Errorf("%s: error %q, want line %d saying %q", wc.name, e, c.skipLine, c.reason)
				}
			}
		})
	}
}

// readWants reads in as one JSON lines file with wants (nil: every record
// in full) and returns the events in file order.
func readWants(t *testing.T, in string, wants event.Wants) ([]event.Event, []*ParseError, *FileStats) {
	t.Helper()
	var mu sync.Mutex
	var evs []event.Event
	var errs []*ParseError
	opt := Options{Workers: 2, Wants: wants, OnError: func(e *ParseError) {
		mu.Lock()
		errs = append(errs, e)
		mu.Unlock()
	}}
	st := Read(context.Background(), []Input{BytesInput("in.json", []byte(in))}, opt, func(_ int, ev *event.Event) {
		mu.Lock()
		e := *ev
		e.Raw, e.RawText = nil, nil
		evs = append(evs, e)
		mu.Unlock()
	})
	if st[0].Container != "json-lines" {
		t.Fatalf("read as %s", st[0].Container)
	}
	sortEvents(evs)
	return evs, errs, st[0]
}

// sortEvents puts events in the order of their records in the file.
func sortEvents(evs []event.Event) {
	slices.SortStableFunc(evs, func(a, b event.Event) int {
		return cmp.Or(cmp.Compare(a.Loc.Offset, b.Loc.Offset), cmp.Compare(a.Loc.Record, b.Loc.Record))
	})
}

// TestJoinedFirstLineIsJSONLines: a file whose first lines hold records
// joined (a cut one then a whole one, or two whole ones) is JSON lines,
// read line by line, not a document broken at its first record; a
// document whose first line holds its first record whole after the
// list's opening stays a document.
func TestJoinedFirstLineIsJSONLines(t *testing.T) {
	t.Parallel()
	cut := cutAt(activity(1), `"operationName":"MICRO`, 0)
	for _, c := range []struct {
		name, in, want string
	}{
		{"a cut record then a whole one, alone", cut + activity(2) + "\n", "json-lines"},
		{"two whole records, alone", activity(1) + activity(2), "json-lines"},
		{"a cut record then a whole one, then lines", cut + activity(2) + "\n" + activity(3) + "\n", "json-lines"},
		{"a list's first record on its opening line", `{"records":[` + activity(1) + "\n]}\n", "json-document"},
		{"an array written comma first", "[" + activity(1) + "\n," + activity(2) + "\n]\n", "json-document"},
		{"a list's records after its opening line", "{\"value\":[\n" + activity(1) + ",\n" + activity(2) + "]}", "json-document"},
	} {
		if got := jsonMode([]byte(c.in), true); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}

// FuzzJoinedLine puts any text without a newline before a whole record
// on its line: the cut record a writer left, or anything else. The whole
// record is read, and so is the line after it, whatever came before on
// its line (a text can end its line's record only by what JSON needs
// after a string, and a record's first key is no such thing), on the
// full, brief and wanted paths alike; every event read is placed at an
// object or a list, never in the middle of text.
func FuzzJoinedLine(f *testing.F) {
	f.Add([]byte(cutAt(activity(2), `"operationName":"MICRO`, 0)))
	f.Add([]byte(cutAt(activity(2), `/upn":"user2@contoso.example"}}`, 0)))
	f.Add([]byte(`{"records":[` + activity(2) + "," + activity(5)[:90]))
	f.Add([]byte(`{"a":"{}{`))
	f.Add([]byte(`[` + activity(2) + `,{"x":[1,`))
	f.Add([]byte(activity(2)))
	f.Add([]byte(`{"message":"{\"a\":{\"b\":1}}","x":{"y":{}}`))
	f.Fuzz(func(t *testing.T, prefix []byte) {
		prefix = bytes.ReplaceAll(prefix, []byte("\n"), nil)
		head := activity(1) + "\n"
		whole, after := activity(3), activity(4)+"\n"
		in := head + string(prefix) + whole + "\n" + after
		at, next := int64(len(head)+len(prefix)), int64(len(in)-len(after))
		for _, wants := range []event.Wants{nil, wantsCases[0].wants} {
			evs, errs, _ := readWants(t, in, wants)
			var found, foundNext bool
			for _, e := range evs {
				found = found || e.Loc.Offset == at
				foundNext = foundNext || e.Loc.Offset == next
				if c := in[e.Loc.Offset]; c != '{' && c != '[' {
					t.Fatalf("event at offset %d, on %q", e.Loc.Offset, in[e.Loc.Offset:min(len(in), int(e.Loc.Offset)+20)])
				}
			}
			if !found || !foundNext {
				t.Fatalf("the whole record (at %d: %v) or the next line's (at %d: %v) not read; errors %v", at, found, next, foundNext, errs)
			}
		}
	})
}

// TestJoinedKeepsNoLongLinesBitmap: the quote bitmap of a long broken
// line (two words of 8 bytes a 64: 4 MiB for one of 16 MiB) is not kept
// by the worker for the lines after it; its records are read all the same.
func TestJoinedKeepsNoLongLinesBitmap(t *testing.T) {
	t.Parallel()
	long := strings.Replace(activity(1), `"level":`, `"pad":"`+strings.Repeat("x", 4<<20)+`","level":`, 1)
	line := []byte(long[:len(long)-200] + activity(2))
	w := &worker{t: newTally(), file: "in.json"}
	events := 0
	w.h = func(int, *event.Event) { events++ }
	if !w.joined(line, event.Location{File: "in.json", Line: 1}, jsonHint, false) || events != 1 {
		t.Fatalf("joined: %d events, want the whole record's", events)
	}
	if cap(w.words) > maxJoinedWords {
		t.Errorf("%d bitmap words kept after the line", cap(w.words))
	}
}
