package enrich

import (
	"bytes"
	"flag"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mamori-sec/mamori/internal/event"
)

var updateCompact = flag.Bool("update-compact-tags", false, "rewrite servicetags.compact from the newest built-in Service Tags file")

// readEmbeddedTags returns the newest built-in Service Tags file, unzipped.
func readEmbeddedTags() (string, []byte, error) {
	name, gz, err := embeddedTagsFile()
	if err != nil {
		return name, nil, err
	}
	b, err := gunzip(gz)
	return name, b, err
}

// TestCompactTagsMatchTheJSON checks that the compact table built in is
// exactly what parsing the newest built-in Service Tags JSON gives, so the
// fast start answers every address as the parse would. With
// -update-compact-tags (go generate) it rewrites the table instead.
func TestCompactTagsMatchTheJSON(t *testing.T) {
	name, gz, err := embeddedTagsFile()
	if err != nil {
		t.Fatal(err)
	}
	js, err := gunzip(gz)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := parseServiceTags(js)
	if err != nil {
		t.Fatal(err)
	}
	want := encodeTags(parsed, name, checksum(gz))
	if *updateCompact {
		if err := os.WriteFile("servicetags.compact", want, 0o644); err != nil {
			t.Fatal(err)
		}
		compactTags = want
	}
	if !bytes.Equal(compactTags, want) {
		t.Fatalf("servicetags.compact is not the table of %s: run go generate ./internal/enrich", name)
	}
	got, src, sum, err := decodeTags(compactTags)
	if err != nil {
		t.Fatal(err)
	}
	if src != name || sum != checksum(gz) {
		t.Errorf("compact table names %s (crc %08x), want %s (crc %08x)", src, sum, name, checksum(gz))
	}
	if got.meta != parsed.meta {
		t.Errorf("meta = %+v, want %+v", got.meta, parsed.meta)
	}
	// The decoded table must answer as the parsed one at every interval
	// edge and just outside it, whatever the numbering of the tag facts.
	var probes []netip.Addr
	r := parsed.ranges
	for i := range r.v4start {
		for _, x := range []uint32{r.v4start[i], r.v4end[i], r.v4start[i] - 1, r.v4end[i] + 1} {
			probes = append(probes, netip.AddrFrom4([4]byte{byte(x >> 24), byte(x >> 16), byte(x >> 8), byte(x)}))
		}
	}
	for i := range r.v6start {
		for _, x := range []u128{r.v6start[i], r.v6end[i], {r.v6start[i].hi, r.v6start[i].lo - 1}, {r.v6end[i].hi, r.v6end[i].lo + 1}} {
			var b [16]byte
			for k := range 8 {
				b[k], b[8+k] = byte(x.hi>>(56-8*k)), byte(x.lo>>(56-8*k))
			}
			probes = append(probes, netip.AddrFrom16(b))
		}
	}
	for _, a := range probes {
		if g, w := got.lookup(a), parsed.lookup(a); g != w {
			t.Fatalf("lookup(%s) = %+v from the compact table, %+v from the JSON", a, g, w)
		}
	}
	// The built-in loader takes the compact table (same answers, same meta).
	loaded, err := loadTags("")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(got.meta, loaded.meta); diff != "" {
		t.Errorf("loadTags meta differs from the compact table (-compact +loaded):\n%s", diff)
	}
	if len(loaded.ranges.v4start) != len(got.ranges.v4start) || len(loaded.ranges.v6start) != len(got.ranges.v6start) {
		t.Errorf("loadTags did not return the compact table")
	}
}

// TestDecodeTagsRejectsDamage cuts and flips the real table: each damaged
// copy is an error or a table, never a panic, and a cut one is an error.
func TestDecodeTagsRejectsDamage(t *testing.T) {
	t.Parallel()
	if _, _, _, err := decodeTags([]byte("{}")); err == nil || !strings.Contains(err.Error(), "not a compact") {
		t.Errorf("decodeTags(JSON) error = %v, want not a compact table", err)
	}
	for _, n := range []int{len(compactMagic), len(compactMagic) + 5, len(compactTags) / 3, len(compactTags) - 1} {
		if _, _, _, err := decodeTags(compactTags[:n]); err == nil {
			t.Errorf("decodeTags(first %d of %d bytes) gave no error", n, len(compactTags))
		}
	}
	for _, at := range []int{len(compactMagic) + 2, len(compactTags) / 2, len(compactTags) - 2} {
		b := bytes.Clone(compactTags)
		b[at] ^= 0xff
		decodeTags(b) // must not panic
	}
}

func FuzzDecodeTags(f *testing.F) {
	f.Add(compactTags[:200])
	f.Add([]byte(compactMagic + "\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x01\x05"))
	f.Fuzz(func(t *testing.T, b []byte) {
		tt, _, _, err := decodeTags(b)
		if err == nil {
			tt.lookup(netip.MustParseAddr("40.71.0.1"))
			tt.lookup(netip.MustParseAddr("2603:1030:210::1"))
		}
	})
}

// BenchmarkStartTags compares the two ways the built-in Service Tags can
// be made ready at start-up.
func BenchmarkStartTags(b *testing.B) {
	b.Run("compact", func(b *testing.B) {
		for b.Loop() {
			if _, _, _, err := decodeTags(compactTags); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json", func(b *testing.B) {
		for b.Loop() {
			_, js, err := readEmbeddedTags()
			if err != nil {
				b.Fatal(err)
			}
			if _, err := parseServiceTags(js); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestStaleCompactTagsFallBackToTheJSON: a compact table made from another
// file, or damaged, is not used; the built-in JSON is parsed instead.
func TestStaleCompactTagsFallBackToTheJSON(t *testing.T) {
	t.Parallel()
	name, gz, err := embeddedTagsFile()
	if err != nil {
		t.Fatal(err)
	}
	// A small table that answers differently from the real file.
	small, err := parseServiceTags([]byte(tagsJSON(1, "Public", "40.71.0.0/16")))
	if err != nil {
		t.Fatal(err)
	}
	probe := netip.MustParseAddr("40.71.0.1")
	tests := []struct {
		name    string
		compact []byte
	}{
		{"made from an older file", encodeTags(small, "data/servicetags/ServiceTags_Public_20200101.json.gz", checksum(gz))},
		{"same name, other content", encodeTags(small, name, checksum(gz)^1)},
		{"damaged", compactTags[:len(compactTags)/2]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := builtinTags(tt.compact, name, gz)
			if err != nil {
				t.Fatal(err)
			}
			want := event.IPInfo{ServiceTag: "AzureCloud.eastus", Region: "eastus", Azure: true}
			if info := got.lookup(probe); info != want {
				t.Errorf("lookup(%s) = %+v, want %+v (the real file's answer)", probe, info, want)
			}
			if got.meta.Prefixes < 10000 {
				t.Errorf("meta = %+v: not the real file's", got.meta)
			}
		})
	}
	// The same small table, named as the file in use, is taken as it is:
	// this is what shows the fallback above was needed.
	got, err := builtinTags(encodeTags(small, name, checksum(gz)), name, gz)
	if err != nil {
		t.Fatal(err)
	}
	if got.meta.Prefixes != 1 {
		t.Errorf("a matching compact table was not used: meta %+v", got.meta)
	}
}
