package incident

import (
	"bufio"
	"strings"
	"testing"

	"github.com/mamori-sec/mamori"
	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/enrich"
)

// TestEstimateUnpricedSizes: a size the table lacks is priced from its
// vCPUs at its family's rate in its region, else at the cheapest CPU rate
// the table knows, marked estimated; a GPU size of a family nothing prices
// stays unpriced.
func TestEstimateUnpricedSizes(t *testing.T) {
	t.Parallel()
	p := NewPrices([]Price{
		{Size: "Standard_D48as_v5", Region: "eastus", USD: 2.064, Method: "retail-api", Source: "x"},
		{Size: "Standard_D48as_v5", Region: "westeurope", USD: 2.4, Method: "retail-api", Source: "x"},
		{Size: "Standard_HB120rs_v3", Region: "eastus", USD: 3.6, Method: "retail-api", Source: "x"},
		// An estimate never makes a rate: were it read, F4s_v2's $1 a
		// vCPU would price the F family.
		{Size: "Standard_F4s_v2", Region: "eastus", USD: 4, Method: "estimated", Source: "per-vcpu:x"},
	})
	for _, tc := range []struct {
		size, region string
		usd          float64
		basis        Basis
		source       string
	}{
		// 96 vCPUs at D48as_v5's 0.043 a vCPU, in the region asked.
		{"Standard_D96as_v5", "eastus", 4.128, BasisExact, "per-vcpu:family:Standard_D48as_v5"},
		{"Standard_D96as_v5", "westeurope", 4.8, BasisExact, "per-vcpu:family:Standard_D48as_v5"},
		// A region the family is not priced in: eastus's rate.
		{"Standard_D96as_v5", "japaneast", 4.128, BasisFallback, "per-vcpu:family:Standard_D48as_v5"},
		// A family nothing prices (Fasv6): the cheapest CPU rate, HB's $0.03.
		{"Standard_F64as_v6", "eastus", 1.92, BasisExact, "per-vcpu:generic:Standard_HB120rs_v3"},
		{"Standard_F64s_v2", "eastus", 1.92, BasisExact, "per-vcpu:generic:Standard_HB120rs_v3"},
	} {
		got, basis := p.Lookup(tc.size, tc.region)
		if got.USD != tc.usd || basis != tc.basis || got.Method != "estimated" || got.Source != tc.source {
			t.Errorf("Lookup(%s, %s) = %+v %s, want $%v %s estimated from %s", tc.size, tc.region, got, basis, tc.usd, tc.basis, tc.source)
		}
	}
	if got, basis := p.Lookup("Standard_ND96asr_v4", "eastus"); basis != BasisUnknown {
		t.Errorf("a GPU size of an unpriced family: %+v %s, want unknown (a CPU rate says nothing of its GPUs)", got, basis)
	}
	c := p.Cost([]alert.Compute{{Service: "vmss", Size: "Standard_F64as_v6", Count: 200, Region: "eastus"}})
	if c.USDPerHour != 384 || !c.Estimated || !c.Complete || c.Lines[0].Method != "estimated" {
		t.Errorf("200 × F64as_v6: %+v, want $384 per hour, complete and estimated", c)
	}
	if s := c.describe(); !strings.Contains(s, "estimated") {
		t.Errorf("describe = %q, want it to say the price is estimated", s)
	}
}

// TestBuiltinPricesEveryCPUSize: with the built-in tables, every size of
// vmsizes.csv without GPUs has a price (652 of those of 32 vCPUs or
// more had none before estimates).
func TestBuiltinPricesEveryCPUSize(t *testing.T) {
	t.Parallel()
	p, err := BuiltinPrices()
	if err != nil {
		t.Fatal(err)
	}
	f, err := mamori.Data.Open("data/vmsizes.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var sizes []string
	for sc := bufio.NewScanner(f); sc.Scan(); {
		if l := sc.Text(); !strings.HasPrefix(l, "#") && !strings.HasPrefix(l, "size,") {
			sizes = append(sizes, strings.Split(l, ",")[0])
		}
	}
	if len(sizes) < 700 {
		t.Fatalf("read %d sizes", len(sizes))
	}
	for _, s := range sizes {
		si, ok := enrich.SizeOf(s)
		if !ok || si.GPUs > 0 {
			continue
		}
		got, basis := p.Lookup(s, "eastus")
		if basis == BasisUnknown || got.USD <= 0 {
			t.Errorf("%s: no price", s)
		}
	}
}
