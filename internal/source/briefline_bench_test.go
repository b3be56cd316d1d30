package source

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/mamori-sec/mamori"
	"github.com/mamori-sec/mamori/internal/benchdata"
	"github.com/mamori-sec/mamori/internal/engine"
	"github.com/mamori-sec/mamori/internal/enrich"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/rules"
)

// BenchmarkReadFileBrief is BenchmarkReadFile as a hunt with the built-in
// catalogue reads the file: the records no rule wants (engine.Wants) are
// read briefly, the others decoded in full, none evaluated.
func BenchmarkReadFileBrief(b *testing.B) {
	set, err := rules.Load(rules.Options{Builtin: mamori.Rules})
	if err != nil {
		b.Fatal(err)
	}
	enr, err := enrich.Load(enrich.Options{})
	if err != nil {
		b.Fatal(err)
	}
	eng, err := engine.New(set, 2, set.Correlations())
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Close()
	eng.SourceAzure = enr.Azure
	var buf bytes.Buffer
	if _, err := benchdata.Write(&buf, 64<<20, 1, 0); err != nil {
		b.Fatal(err)
	}
	p := filepath.Join(b.TempDir(), "al.jsonl")
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		b.Fatal(err)
	}
	for _, mapped := range []bool{true, false} {
		name := "streamed"
		if mapped {
			name = "mapped"
		}
		b.Run(name, func(b *testing.B) {
			in := fileInput(p, int64(buf.Len()))
			in.plain = mapped
			b.SetBytes(int64(buf.Len()))
			for b.Loop() {
				st := Read(context.Background(), []Input{in}, Options{Wants: eng.Wants}, func(int, *event.Event) {})
				if st[0].Skipped != 0 {
					b.Fatal(st[0].Errors)
				}
			}
		})
	}
}
