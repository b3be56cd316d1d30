package host

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
	"github.com/valyala/fastjson"
)

// splitRec is one record a splitter emitted, copied.
type splitRec struct {
	json string
	line int
}

// badLine is one line a splitter reported.
type badLine struct {
	line   int
	reason error
}

type splitFunc func(io.Reader, func([]byte, int) error, func(int, error)) error

// split runs a splitter over text and collects what it emits and reports.
func split(t testing.TB, f splitFunc, text []byte) ([]splitRec, []badLine) {
	t.Helper()
	var recs []splitRec
	var bads []badLine
	err := f(bytes.NewReader(text), func(rec []byte, line int) error {
		recs = append(recs, splitRec{json: string(rec), line: line})
		return nil
	}, func(line int, reason error) {
		bads = append(bads, badLine{line, reason})
	})
	if err != nil {
		t.Fatalf("split: %v", err)
	}
	return recs, bads
}

// decode runs Detect and Decode over one JSON record as the switchboard
// would, failing the test when the record is not claimed with want.
func decode(t testing.TB, rec string, h record.Hint, want string) ([]event.Event, error) {
	t.Helper()
	var p fastjson.Parser
	v, err := p.Parse(rec)
	if err != nil {
		t.Fatalf("record is not JSON: %v\n%s", err, rec)
	}
	shape, ok := Detect(v, h)
	if !ok || shape != want {
		t.Fatalf("Detect = %q, %v; want %q\n%s", shape, ok, want, rec)
	}
	var sc record.Scratch
	return Decode(&sc, v, shape, nil)
}

// decodeOne decodes a record that must yield exactly one event.
func decodeOne(t testing.TB, rec string, h record.Hint, want string) event.Event {
	t.Helper()
	evs, err := decode(t, rec, h, want)
	if err != nil {
		t.Fatalf("Decode: %v\n%s", err, rec)
	}
	if len(evs) != 1 {
		t.Fatalf("Decode gave %d events, want 1\n%s", len(evs), rec)
	}
	if evs[0].Kind != event.KindProcess || evs[0].Shape != want || evs[0].Process == nil {
		t.Fatalf("event kind %v shape %q process %v", evs[0].Kind, evs[0].Shape, evs[0].Process)
	}
	return evs[0]
}

// fixture reads a file of testdata/.
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fixtureLines returns the non-empty lines of a testdata file.
func fixtureLines(t testing.TB, name string) []string {
	t.Helper()
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(fixture(t, name)))
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) > 0 {
			out = append(out, sc.Text())
		}
	}
	return out
}

// jsonQuote returns s as a JSON string literal.
func jsonQuote(s string) string { return string(appendJSONString(nil, s)) }

// mustParse parses a JSON record for Detect.
func mustParse(t testing.TB, s string) *fastjson.Value {
	t.Helper()
	v, err := fastjson.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// detectCase is a record Detect must claim with shape ("" when it must not
// claim it).
type detectCase struct {
	name  string
	rec   string
	hint  record.Hint
	shape string
}

// checkDetect runs Detect over each case.
func checkDetect(t *testing.T, cases []detectCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			shape, ok := Detect(mustParse(t, tt.rec), tt.hint)
			if ok != (tt.shape != "") || shape != tt.shape {
				t.Errorf("Detect = %q, %v; want %q", shape, ok, tt.shape)
			}
		})
	}
}
