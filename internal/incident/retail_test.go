package incident

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// page1Rows is what testdata/retail_page1.json holds for mamori: the
// Linux pay-as-you-go meters, with the spot meter (NC24ads) or, lacking
// one, the low-priority meter (NC6s_v3) as the spot price.
var page1Rows = []Price{
	{Size: "Standard_NC24ads_A100_v4", Region: "eastus", USD: 3.673, SpotUSD: 0.444433, Method: "retail-api", Verified: true, Source: "retail-api"},
	{Size: "Standard_NC6s_v3", Region: "westus2", USD: 3.06, SpotUSD: 0.612, Method: "retail-api", Verified: true, Source: "retail-api"},
	{Size: "Standard_F2s_v2", Region: "eastus", USD: 0.0846, Method: "retail-api", Verified: true, Source: "retail-api"},
}

func TestParseRetailPricesKeepsLinuxPayAsYouGo(t *testing.T) {
	t.Parallel()
	got, err := ParseRetailPrices(bytes.NewReader(readTestdata(t, "retail_page1.json")))
	if err != nil {
		t.Fatal(err)
	}
	// Windows, the reservation, dev/test, Cloud Services, the zero price and
	// the storage meter are dropped; the primary meter region beats the
	// other; the later effective date beats the earlier.
	if !reflect.DeepEqual(got, page1Rows) {
		t.Errorf("got  %+v\nwant %+v", got, page1Rows)
	}
}

func TestParseRetailPricesReadsSeveralPages(t *testing.T) {
	t.Parallel()
	p1, p2 := readTestdata(t, "retail_page1.json"), readTestdata(t, "retail_page2.json")
	nd := Price{Size: "Standard_ND96asr_v4", Region: "eastus", USD: 27.197, Method: "retail-api", Verified: true, Source: "retail-api"}
	want := append(append([]Price{}, page1Rows...), nd)
	for name, in := range map[string][]byte{
		"concatenated": append(append(append([]byte("\ufeff"), p1...), '\n'), p2...),
		"as an array":  append(append(append(append([]byte("[\n"), p1...), ','), p2...), ']'),
	} {
		got, err := ParseRetailPrices(bytes.NewReader(in))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %+v", name, got)
		}
	}
}

func TestParseRetailPricesErrors(t *testing.T) {
	t.Parallel()
	item := func(fields string) string {
		return `{"currencyCode":"USD","armRegionName":"eastus","armSkuName":"Standard_D2s_v5","productName":"Virtual Machines Dsv5 Series",` +
			`"skuName":"D2s v5","meterName":"D2s v5","serviceName":"Virtual Machines","type":"Consumption","unitOfMeasure":"1 Hour"` + fields + `}`
	}
	page := func(items ...string) string {
		return `{"BillingCurrency":"USD","Items":[` + strings.Join(items, ",") + `],"NextPageLink":null}`
	}
	good := item(`,"retailPrice":0.096,"unitPrice":0.096`)
	for _, tc := range []struct{ name, in, want string }{
		{"empty input", "", "empty input"},
		{"not JSON", "<html>", "not a Retail Prices response"},
		{"an object without Items", `{"value":[]}`, "no Items"},
		{"a negative price names its item", page(good, good, item(`,"retailPrice":-1`)), "page 1 item 2: retailPrice -1"},
		{"a price as a string", page(item(`,"retailPrice":"0.1"`)), "page 1 item 0: field retailPrice"},
		{"an item that is not an object", page(good, `42`), "page 1 item 1: a JSON number, not an object"},
		{"no price", page(item(``)), "page 1 item 0: no retailPrice"},
		{"another currency", page(item(`,"retailPrice":0.1,"currencyCode":"EUR"`)), `item 0: currencyCode "EUR"`},
		{"another billing currency", `{"BillingCurrency":"EUR","Items":[]}`, "BillingCurrency"},
		{"an absurd price", page(item(`,"retailPrice":1e9`)), "item 0: retailPrice 1e+09 per hour"},
		{"a size name with spaces", page(`{"currencyCode":"USD","armRegionName":"eastus","armSkuName":"D2s v5","productName":"Virtual Machines","serviceName":"Virtual Machines","type":"Consumption","unitOfMeasure":"1 Hour","retailPrice":1}`), "not a VM size name"},
		{"the second page is broken", page(good) + "\n{", "page 2: not a Retail Prices response"},
		{"only Windows prices", page(item(`,"retailPrice":0.1,"productName":"Virtual Machines Dsv5 Series Windows"`)), "no Linux pay-as-you-go"},
	} {
		_, err := ParseRetailPrices(strings.NewReader(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to contain %q", tc.name, err, tc.want)
		}
	}
}

func TestUpdatePricesInstallsWhatLoadPricesReads(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "mamori")
	in := bytes.NewReader(readTestdata(t, "retail_page1.json"))
	summary, err := UpdatePrices(dir, in, time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(summary, "3 prices (3 sizes, 2 regions, 2 with a spot price)") {
		t.Errorf("summary %q", summary)
	}
	b, err := os.ReadFile(filepath.Join(dir, PricesFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), "# source: Azure Retail Prices API") || !strings.Contains(string(b), "on 2026-11-30") {
		t.Errorf("file header:\n%s", b)
	}
	p, err := LoadPrices(dir)
	if err != nil {
		t.Fatal(err)
	}
	if r, b := p.Lookup("Standard_NC6s_v3", "westus2"); r.SpotUSD != 0.612 || r.Source != "retail-api" || b != BasisExact {
		t.Errorf("installed row not used: %+v", r)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("left behind %d files in the data folder", len(entries))
	}
	if _, err := UpdatePrices(dir, strings.NewReader("junk"), time.Now()); err == nil {
		t.Error("junk installed")
	}
	if _, err := UpdatePrices("", bytes.NewReader(readTestdata(t, "retail_page1.json")), time.Now()); err == nil {
		t.Error("no data folder accepted")
	}
	if r, _ := mustLoad(t, dir).Lookup("Standard_F2s_v2", "eastus"); r.USD != 0.0846 {
		t.Errorf("a failed update must leave the installed file alone: %+v", r)
	}
}

func mustLoad(t *testing.T, dir string) *Prices {
	t.Helper()
	p, err := LoadPrices(dir)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func FuzzParseRetailPrices(f *testing.F) {
	f.Add(readTestdata(f, "retail_page1.json"))
	f.Add(readTestdata(f, "retail_page2.json"))
	f.Add([]byte(`[{"Items":[{"retailPrice":1,"armSkuName":"Standard_X","armRegionName":"eastus","serviceName":"Virtual Machines","type":"Consumption","unitOfMeasure":"1 Hour"}]}]`))
	f.Add([]byte(`{"Items":[null,{},[],"x",1e400]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		rows, err := ParseRetailPrices(bytes.NewReader(b))
		if err != nil {
			return
		}
		for _, r := range rows {
			if !validSize(r.Size) || !validRegion(r.Region) || r.USD <= 0 || r.SpotUSD < 0 || r.SpotUSD > r.USD {
				t.Fatalf("invalid row %+v", r)
			}
		}
		// What it accepts, the price table format reads back unchanged.
		var buf bytes.Buffer
		if err := WritePrices(&buf, rows, "source: fuzz"); err != nil {
			t.Fatal(err)
		}
		back, err := ParsePrices(&buf)
		if err != nil {
			t.Fatalf("written table does not parse: %v\n%s", err, buf.String())
		}
		if len(back) != len(rows) {
			t.Fatalf("%d rows written, %d read", len(rows), len(back))
		}
	})
}
