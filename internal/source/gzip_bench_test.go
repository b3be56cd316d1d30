package source

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/klauspost/compress/gzip"

	"github.com/mamori-sec/mamori/internal/benchdata"
	"github.com/mamori-sec/mamori/internal/event"
)

// BenchmarkReadGzip reads BenchmarkReadFile's 64 MiB of records gzipped,
// as one member and as 64 (logs rotated, compressed and concatenated),
// with a handler that does nothing: decompression is a reader's worth of
// work, and the member-by-member reading that resumes after a damaged
// member must not slow it.
func BenchmarkReadGzip(b *testing.B) {
	var buf bytes.Buffer
	if _, err := benchdata.Write(&buf, 64<<20, 1, 0); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		members int
	}{{"one member", 1}, {"64 members", 64}} {
		var z bytes.Buffer
		whole := buf.Bytes()
		for i := range c.members {
			part := whole[i*len(whole)/c.members : (i+1)*len(whole)/c.members]
			w := gzip.NewWriter(&z)
			w.Write(part)
			w.Close()
		}
		p := filepath.Join(b.TempDir(), "al.jsonl.gz")
		if err := os.WriteFile(p, z.Bytes(), 0o600); err != nil {
			b.Fatal(err)
		}
		in := fileInput(p)
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(buf.Len()))
			for b.Loop() {
				st := Read(context.Background(), []Input{in}, Options{}, func(int, *event.Event) {})
				if st[0].Skipped != 0 {
					b.Fatal(st[0].Errors)
				}
			}
		})
	}
}
