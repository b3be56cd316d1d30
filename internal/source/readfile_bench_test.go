package source

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/mamori-sec/mamori/internal/benchdata"
	"github.com/mamori-sec/mamori/internal/event"
)

// BenchmarkReadFile reads a 64 MiB file of the benchmark's records with a
// handler that does nothing.
func BenchmarkReadFile(b *testing.B) { benchReadFile(b, Options{}) }

// benchReadFile reads a 64 MiB file of the benchmark's records with opt.
func benchReadFile(b *testing.B, opt Options) {
	var buf bytes.Buffer
	if _, err := benchdata.Write(&buf, 64<<20, 1, 0); err != nil {
		b.Fatal(err)
	}
	p := filepath.Join(b.TempDir(), "al.jsonl")
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		b.Fatal(err)
	}
	in := fileInput(p)
	b.SetBytes(int64(buf.Len()))
	for b.Loop() {
		st := Read(context.Background(), []Input{in}, opt, func(int, *event.Event) {})
		if st[0].Skipped != 0 {
			b.Fatal(st[0].Errors)
		}
	}
}
