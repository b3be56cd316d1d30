package serve

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/mamori-sec/mamori/internal/source"
)

// FuzzFileProbes feeds any file to what serve reads before the hunt does:
// the hunt's format sniff and the search for a carried record's end (a
// line's, an indented record's). Neither may panic, and a record found
// must be one whole JSON object where it starts, within the size allowed,
// a line exactly when it holds no newline.
func FuzzFileProbes(f *testing.F) {
	f.Add([]byte("{\"a\":1}\n{\"b\":2}\n"), uint16(0))
	f.Add([]byte("[{\"a\":1},\n{\"b\":2}]\n"), uint16(1))
	f.Add([]byte("{\"records\": [\n{\"a\":1}\n]}"), uint16(14))
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0}, uint16(0))
	f.Add([]byte("{\"a\":\"\\\"}\"}\n"), uint16(0))
	f.Add([]byte("[\n  {\n    \"a\": {\n      \"b\": 1\n    }\n  },\n  {\n    \"c\": 2\n  }\n]\n"), uint16(4))
	f.Fuzz(func(t *testing.T, data []byte, at uint16) {
		path := filepath.Join(t.TempDir(), "f.json")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		// Any verdict will do (binary content is an error); no panic.
		source.Sniff(source.FileSection(path, 0, int64(len(data)), 1), source.DefaultLimits())
		fh, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer fh.Close()
		off := int64(at) % int64(len(data)+1)
		e, ok := recordEnd(fh, off, 1<<10)
		if !ok {
			return
		}
		if e.at <= off || e.at > int64(len(data)) || e.at-off > 1<<10 || !json.Valid(data[off:e.at]) || data[off] != '{' ||
			e.lines == bytes.Contains(data[off:e.at], []byte{'\n'}) {
			t.Fatalf("recordEnd(%d) = %+v, not one JSON object: %q", off, e, data[off:min(e.at, int64(len(data)))])
		}
	})
}
