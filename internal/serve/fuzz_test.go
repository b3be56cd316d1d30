package serve

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/mamori-sec/mamori/internal/source"
)

// FuzzFileProbes feeds any file to what serve reads before the hunt does:
// the hunt's format sniff and the search for a carried line's end. Neither may
// panic, and a line found must be one whole JSON object where it starts.
func FuzzFileProbes(f *testing.F) {
	f.Add([]byte("{\"a\":1}\n{\"b\":2}\n"), uint16(0))
	f.Add([]byte("[{\"a\":1},\n{\"b\":2}]\n"), uint16(1))
	f.Add([]byte("{\"records\": [\n{\"a\":1}\n]}"), uint16(14))
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0}, uint16(0))
	f.Add([]byte("{\"a\":\"\\\"}\"}\n"), uint16(0))
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
		end, ok := lineEnd(fh, off, make([]byte, 16), 1<<10)
		if !ok {
			return
		}
		if end <= off || end > int64(len(data)) || !json.Valid(data[off:end]) || data[off] != '{' {
			t.Fatalf("lineEnd(%d) = %d, not one JSON object: %q", off, end, data[off:min(end, int64(len(data)))])
		}
	})
}
