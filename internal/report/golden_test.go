package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden with the current output")

// TestGolden writes the fixture alerts in every format and compares the
// bytes with testdata/<name>.golden (go test -update rewrites them).
func TestGolden(t *testing.T) {
	t.Parallel()
	product := ProductInfo{Name: "mamori", Version: "0.2.0-test"}
	cases := []struct {
		name   string
		format Format
		opts   Options
	}{
		{"table", Table, Options{}},
		{"table_color", Table, Options{Color: true}},
		{"table_width80", Table, Options{Width: 80}},
		{"table_width200", Table, Options{Width: 200}},
		{"jsonl", JSONL, Options{}},
		{"json", JSON, Options{}},
		{"csv", CSV, Options{}},
		{"ocsf", OCSF, Options{Product: product}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if err := Write(&buf, c.format, fixtureAlerts(), c.opts); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", c.name+".golden")
			if *update {
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("%s output differs from %s (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", c.format, path, buf.Bytes(), want)
			}
		})
	}
}
