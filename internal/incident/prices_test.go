package incident

import (
	"bytes"
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mamori-sec/mamori"
	"github.com/mamori-sec/mamori/internal/enrich"
)

// TestPriceTableLint checks data/prices/prices.csv row by row against
// itself and against data/vmsizes.csv.
func TestPriceTableLint(t *testing.T) {
	t.Parallel()
	rows, err := readEmbeddedPrices()
	if err != nil {
		t.Fatal(err) // ParsePrices already refuses bad numbers, methods, duplicates
	}
	p := NewPrices(rows)
	for _, r := range rows {
		at := r.Size + " in " + r.Region
		info, ok := enrich.SizeOf(r.Size)
		if !ok {
			t.Errorf("%s: size unknown to data/vmsizes.csv", at)
			continue
		}
		if !strings.HasPrefix(r.Size, "Standard_") {
			t.Errorf("%s: write the canonical Standard_ name", at)
		}
		if r.Verified != strings.Contains(r.Source, "+") {
			t.Errorf("%s: verified=%v but source %q (verified means two sources, a+b)", at, r.Verified, r.Source)
		}
		switch r.Method {
		case "retail-api":
			if !strings.HasPrefix(r.Source, "skypilot") && r.Source != "retail-api" {
				t.Errorf("%s: retail-api row from %q", at, r.Source)
			}
		case "published":
			switch r.Source {
			case "datareceipts", "datameaning", "energycost":
			default:
				t.Errorf("%s: published row from unknown source %q (add it to data/prices/README.md)", at, r.Source)
			}
		case "estimated":
			checkEstimate(t, p, r, info.GPUs, info.VCPUs)
		}
	}
	// Every GPU size has a price: the cost of a cryptojacking incident is
	// mostly GPUs, and an unpriced GPU size would read as a cheap incident.
	for _, size := range gpuSizes(t) {
		if _, b := p.Lookup(size, DefaultRegion); b == BasisUnknown {
			t.Errorf("GPU size %s has no price", size)
		}
	}
	// The sizes attacks use most are priced in eastus itself.
	for _, size := range []string{"Standard_NC24ads_A100_v4", "Standard_ND96asr_v4", "Standard_NC6s_v3", "Standard_ND40rs_v2",
		"Standard_NV36ads_A10_v5", "Standard_NC4as_T4_v3", "Standard_NC64as_T4_v3", "Standard_HB120rs_v3", "Standard_F72s_v2",
		"Standard_ND96isr_H100_v5", "Standard_NC40ads_H100_v5"} {
		if r, b := p.Lookup(size, DefaultRegion); b != BasisExact || r.Method == "estimated" {
			t.Errorf("%s: no listed eastus price (%s, %s)", size, b, r.Method)
		}
	}
}

// checkEstimate: an estimate is the named size's price scaled by GPUs
// (per-gpu) or vCPUs (per-vcpu), from a size that is itself priced.
func checkEstimate(t *testing.T, p *Prices, r Price, gpus float64, vcpus int) {
	at := r.Size + " in " + r.Region
	kind, basis, ok := strings.Cut(r.Source, ":")
	if !ok || r.Region != DefaultRegion || r.Verified {
		t.Errorf("%s: estimate with source %q: want per-gpu:SIZE or per-vcpu:SIZE, in %s, unverified", at, r.Source, DefaultRegion)
		return
	}
	base, b := p.Lookup(basis, "")
	binfo, known := enrich.SizeOf(basis)
	if b == BasisUnknown || base.Method == "estimated" || !known {
		t.Errorf("%s: estimated from %s, which has no price of its own", at, basis)
		return
	}
	var want float64
	switch kind {
	case "per-gpu":
		want = base.USD * gpus / binfo.GPUs
	case "per-vcpu":
		want = base.USD * float64(vcpus) / float64(binfo.VCPUs)
	default:
		t.Errorf("%s: unknown estimate %q", at, kind)
		return
	}
	if math.Abs(want-r.USD) > 0.0001 {
		t.Errorf("%s: estimated at %v, but %s of %s ($%v) gives %.4f", at, r.USD, kind, basis, base.USD, want)
	}
}

// gpuSizes lists the sizes of data/vmsizes.csv with GPUs.
func gpuSizes(t *testing.T) []string {
	t.Helper()
	b, err := mamori.Data.ReadFile("data/vmsizes.csv")
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(bytes.NewReader(b))
	r.Comment = '#'
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, rec := range recs[1:] {
		if rec[2] != "0" {
			out = append(out, rec[0])
		}
	}
	if len(out) < 50 {
		t.Fatalf("only %d GPU sizes in data/vmsizes.csv", len(out))
	}
	return out
}

func TestParsePricesErrors(t *testing.T) {
	t.Parallel()
	const head = pricesHeader + "\n"
	for _, tc := range []struct{ name, in, want string }{
		{"wrong header", "size,region,usd\n", "header"},
		{"empty", "", "header"},
		{"negative price", head + "Standard_X,eastus,-1,,published,false,s\n", "line 2: usd_per_hour"},
		{"not a number", head + "Standard_X,eastus,abc,,published,false,s\n", "line 2: usd_per_hour: bad number"},
		{"infinite", head + "Standard_X,eastus,Inf,,published,false,s\n", "line 2: usd_per_hour: bad number"},
		{"spot above pay-as-you-go", head + "Standard_X,eastus,1,2,published,false,s\n", "line 2: spot price"},
		{"display region name", head + "Standard_X,East US,1,,published,false,s\n", "line 2: bad region"},
		{"unknown method", head + "Standard_X,eastus,1,,guessed,false,s\n", "line 2: method"},
		{"bad verified", head + "Standard_X,eastus,1,,published,yes,s\n", "line 2: verified"},
		{"no source", head + "Standard_X,eastus,1,,published,false,\n", "line 2: no source"},
		{"bad size", head + "Standard X!,eastus,1,,published,false,s\n", "line 2: bad size"},
		{"duplicate in another casing", head + "# c\nStandard_X,eastus,1,,published,false,s\nstandard_x,eastus,2,,published,false,s\n", "line 4: standard_x in eastus listed twice"},
		{"short row", head + "Standard_X,eastus,1\n", "wrong number of fields"},
	} {
		_, err := ParsePrices(strings.NewReader(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to contain %q", tc.name, err, tc.want)
		}
	}
}

func TestWritePricesRoundTrips(t *testing.T) {
	t.Parallel()
	rows := []Price{
		{Size: "Standard_NC6s_v3", Region: "westus2", USD: 3.06, SpotUSD: 0.35343, Method: "retail-api", Verified: true, Source: "retail-api"},
		{Size: "Standard_B2s", Region: "eastus", USD: 0.0416, Method: "retail-api", Source: "retail-api"},
	}
	var buf bytes.Buffer
	if err := WritePrices(&buf, rows, "source: a test\nsecond line"); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "# source: a test\n# second line\n"+pricesHeader+"\n") {
		t.Errorf("header:\n%s", buf.String())
	}
	got, err := ParsePrices(&buf)
	if err != nil {
		t.Fatal(err)
	}
	want := []Price{rows[1], rows[0]} // sorted by size
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

func TestLoadPricesPrefersTheDataFolder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p, err := LoadPrices(dir)
	if err != nil {
		t.Fatalf("a folder without prices.csv: %v", err)
	}
	if r, _ := p.Lookup("Standard_NC24ads_A100_v4", "eastus"); r.USD != 3.673 {
		t.Fatalf("built-in price %v", r.USD)
	}
	csv := pricesHeader + "\nStandard_NC24ads_A100_v4,eastus,4.5,,retail-api,true,retail-api\n"
	if err := os.WriteFile(filepath.Join(dir, PricesFile), []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err = LoadPrices(dir)
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := p.Lookup("Standard_NC24ads_A100_v4", "eastus"); r.USD != 4.5 {
		t.Errorf("updated price not preferred: %v", r.USD)
	}
	if r, _ := p.Lookup("Standard_NC6s_v3", "eastus"); r.USD != 3.06 {
		t.Errorf("built-in rows should remain: %v", r.USD)
	}
	if err := os.WriteFile(filepath.Join(dir, PricesFile), []byte("junk\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadPrices(dir); err == nil || !strings.Contains(err.Error(), PricesFile) {
		t.Errorf("an invalid update should fail naming the file: %v", err)
	}
}
