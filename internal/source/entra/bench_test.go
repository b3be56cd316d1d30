package entra

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// BenchmarkDecode measures parse, detect and decode of a realistic
// diagnostic sign-in (the bulk of any Entra export).
func BenchmarkDecode(b *testing.B) {
	for _, name := range []string{"signin_diag_user_failed.json", "signin_la_csv_risky.json", "audit_diag_role_add.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			var p fastjson.Parser
			var sc record.Scratch
			out := make([]event.Event, 0, 1)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				v, err := p.ParseBytes(data)
				if err != nil {
					b.Fatal(err)
				}
				shape, ok := Detect(v, jsonHint)
				if !ok {
					b.Fatal("not detected")
				}
				if out, err = Decode(&sc, v, shape, out[:0]); err != nil {
					b.Fatal(err)
				}
				sc.Reset()
			}
		})
	}
}
