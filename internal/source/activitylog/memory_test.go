package activitylog

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// TestEventsOwnTheirText checks that a decoded event keeps nothing of the
// memory the record was read from. The decoder reads many fields through
// views of the parser's memory (record.Peek) and must copy or intern what
// the event keeps: the engine keeps events after the worker has reused the
// chunk and the parsers. Each fixture is decoded, then its bytes are
// overwritten and the same parsers and Scratch read another record; the
// event must still equal a decode that nothing disturbed.
func TestEventsOwnTheirText(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	other, err := os.ReadFile(filepath.Join("testdata", "rest_quota_request.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			hint := jsonHint
			if strings.HasPrefix(filepath.Base(file), "la_csv_") {
				hint = csvHint
			}
			want := decodeFixture(t, new(fastjson.Parser), new(record.Scratch), bytes.Clone(data), hint)

			var p fastjson.Parser
			var sc record.Scratch
			buf := bytes.Clone(data)
			got := decodeFixture(t, &p, &sc, buf, hint)
			// Reuse everything the decode read from, as a worker does.
			for i := range buf {
				buf[i] = 'X'
			}
			sc.Reset()
			decodeFixture(t, &p, &sc, bytes.Clone(other), jsonHint)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("event changed when its record's memory was reused:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

// decodeFixture parses and decodes one record, returning its events with
// Raw cleared (Raw is the one field documented to share the parser's memory).
func decodeFixture(t *testing.T, p *fastjson.Parser, sc *record.Scratch, data []byte, h record.Hint) []event.Event {
	t.Helper()
	v, err := p.ParseBytes(data)
	if err != nil {
		t.Fatal(err)
	}
	shape, ok := Detect(v, h)
	if !ok {
		t.Fatal("not detected")
	}
	evs, err := Decode(sc, v, shape, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range evs {
		evs[i].Raw = nil
	}
	return evs
}
