package incident

import (
	"testing"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/event"
)

func builtinForTest(t *testing.T) *Prices {
	t.Helper()
	p, err := BuiltinPrices()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCost(t *testing.T) {
	t.Parallel()
	p := builtinForTest(t)
	for _, tc := range []struct {
		name      string
		items     []alert.Compute
		total     float64
		complete  bool
		estimated bool
		line      CostLine // the first (dearest) line
	}{{
		name:     "40 × NC24ads_A100_v4 in eastus",
		items:    []alert.Compute{{Service: "vmss", Size: "Standard_NC24ads_A100_v4", Count: 40, Region: "eastus"}},
		total:    146.92,
		complete: true,
		line: CostLine{Service: "vmss", Size: "Standard_NC24ads_A100_v4", Region: "eastus", Count: 40, Priced: true,
			UnitUSD: 3.673, USDPerHour: 146.92, Basis: BasisExact, Method: "retail-api"},
	}, {
		name:     "an unknown size is reported unpriced, not free",
		items:    []alert.Compute{{Service: "vm", Size: "Standard_Imaginary9_v9", Count: 5, Region: "eastus"}},
		total:    0,
		complete: false,
		line:     CostLine{Service: "vm", Size: "Standard_Imaginary9_v9", Region: "eastus", Count: 5, Basis: BasisUnknown},
	}, {
		name: "a known size next to an unknown one: the total covers the known one only",
		items: []alert.Compute{{Service: "vm", Size: "Standard_Imaginary9_v9", Count: 5, Region: "eastus"},
			{Service: "vm", Size: "standard_nc6s_v3", Count: 2, Region: "East US"}},
		total:    6.12,
		complete: false,
		line: CostLine{Service: "vm", Size: "standard_nc6s_v3", Region: "eastus", Count: 2, Priced: true,
			UnitUSD: 3.06, USDPerHour: 6.12, Basis: BasisExact, Method: "retail-api"},
	}, {
		name:      "a region the table lacks is priced as eastus and says so",
		items:     []alert.Compute{{Service: "vm", Size: "Standard_ND96asr_v4", Count: 1, Region: "japaneast"}},
		total:     27.197,
		complete:  true,
		estimated: true,
		line: CostLine{Service: "vm", Size: "Standard_ND96asr_v4", Region: "japaneast", Count: 1, Priced: true,
			UnitUSD: 27.197, USDPerHour: 27.197, PriceRegion: "eastus", Basis: BasisFallback, Method: "retail-api", Estimated: true},
	}, {
		name:      "a size not sold in eastus takes the cheapest listed region",
		items:     []alert.Compute{{Service: "vm", Size: "Standard_NC8ads_A10_v4", Count: 3, Region: "eastus"}},
		total:     3.3,
		complete:  true,
		estimated: true,
		line: CostLine{Service: "vm", Size: "Standard_NC8ads_A10_v4", Region: "eastus", Count: 3, Priced: true,
			UnitUSD: 1.1, USDPerHour: 3.3, PriceRegion: "westus3", Basis: BasisFallback, Method: "retail-api", Estimated: true},
	}, {
		name:     "spot at the spot price",
		items:    []alert.Compute{{Service: "batch", Size: "Standard_NC6s_v3", Count: 10, Region: "westus2", Spot: true}},
		total:    3.5343,
		complete: true,
		line: CostLine{Service: "batch", Size: "Standard_NC6s_v3", Region: "westus2", Count: 10, Spot: true, Priced: true,
			UnitUSD: 0.35343, USDPerHour: 3.5343, Basis: BasisExact, Method: "retail-api"},
	}, {
		name:      "spot without a spot price is priced pay-as-you-go and marked estimated",
		items:     []alert.Compute{{Service: "vmss", Size: "Standard_ND96isr_H100_v5", Count: 2, Region: "eastus", Spot: true}},
		total:     196.64,
		complete:  true,
		estimated: true,
		line: CostLine{Service: "vmss", Size: "Standard_ND96isr_H100_v5", Region: "eastus", Count: 2, Spot: true, Priced: true,
			UnitUSD: 98.32, USDPerHour: 196.64, Basis: BasisExact, Method: "retail-api", Estimated: true},
	}, {
		name:      "an estimated row is an estimate",
		items:     []alert.Compute{{Service: "vm", Size: "NV6ads_A10_v5", Count: 6, Region: "eastus"}},
		total:     3.1998,
		complete:  true,
		estimated: true,
		line: CostLine{Service: "vm", Size: "NV6ads_A10_v5", Region: "eastus", Count: 6, Priced: true,
			UnitUSD: 0.5333, USDPerHour: 3.1998, Basis: BasisExact, Method: "estimated", Estimated: true},
	}, {
		name:     "a container group has no size and no price",
		items:    []alert.Compute{{Service: "aci", Count: 4, Region: "eastus"}},
		complete: false,
		line:     CostLine{Service: "aci", Region: "eastus", Count: 4, Basis: BasisUnknown},
	}, {
		name: "the same size and region add up; no count is one, a hostile count is bounded",
		items: []alert.Compute{{Service: "vm", Size: "Standard_F72s_v2", Count: 0}, {Service: "vmss", Size: "Standard_F72s_v2", Count: -7},
			{Service: "vm", Size: "Standard_F72s_v2", Count: 1 << 62, Region: "westus2"}},
		total:    304506.09,
		complete: true,
		line: CostLine{Size: "Standard_F72s_v2", Region: "westus2", Count: maxCount, Service: "vm", Priced: true,
			UnitUSD: 3.045, USDPerHour: 304500, Basis: BasisExact, Method: "retail-api"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := p.Cost(tc.items)
			if c.USDPerHour != tc.total || c.Complete != tc.complete || c.Estimated != tc.estimated {
				t.Errorf("total %v complete %v estimated %v, want %v %v %v", c.USDPerHour, c.Complete, c.Estimated, tc.total, tc.complete, tc.estimated)
			}
			if len(c.Lines) == 0 || c.Lines[0] != tc.line {
				t.Errorf("first line %+v\nwant       %+v", c.Lines, tc.line)
			}
			unpriced := 0
			for _, l := range c.Lines {
				if !l.Priced {
					unpriced++
					if l.USDPerHour != 0 || l.UnitUSD != 0 {
						t.Errorf("unpriced line carries a price: %+v", l)
					}
				}
			}
			if unpriced != c.Unpriced {
				t.Errorf("Unpriced %d, counted %d", c.Unpriced, unpriced)
			}
		})
	}
}

func TestComputeOfCountsEachCreateOnce(t *testing.T) {
	t.Parallel()
	ss := vmss(subA, "ss1")
	a := mk("azure.compute.gpu_created", alert.Medium, at(0), compute("vmss", "Standard_NC24ads_A100_v4", 10, "eastus", ss, "c1"),
		compute("vmss", "Standard_NC24ads_A100_v4", 10, "eastus", ss, "c1"))
	b := mk("azure.compute.mass_deployment", alert.High, at(1), compute("vmss", "Standard_NC24ads_A100_v4", 40, "eastus", ss, "c2"),
		compute("vm", "Standard_NC6s_v3", 1, "eastus", "", "c3"), compute("vm", "Standard_NC6s_v3", 1, "eastus", "", "C3"),
		compute("aci", "", 1, "eastus", "", ""), compute("aci", "", 1, "eastus", "", ""))
	got := ComputeOf([]*alert.Alert{&a, &b})
	if len(got) != 4 || got[0].Count != 40 || got[1].Size != "Standard_NC6s_v3" || got[2].Service != "aci" || got[3].Service != "aci" {
		t.Errorf("got %+v, want the scale set once at its largest count (40), the VM once, both container groups", got)
	}
	// An Azure Databricks cluster's driver on demand and its 40 workers of
	// the same size on Spot are two lines of one resource, priced apart:
	// the driver is not taken for the workers' largest count.
	cl := "/subscriptions/" + subA + "/resourcegroups/rg/providers/microsoft.databricks/workspaces/w/clusters/1123-021504-x7k2mq9a"
	spot := func(a *alert.Alert) { a.Compute[len(a.Compute)-1].Spot = true }
	d := mk("azure.compute.gpu_created", alert.Low, at(0), compute("databricks", "Standard_NC24ads_A100_v4", 1, "eastus", cl, "r1"),
		compute("databricks", "Standard_NC24ads_A100_v4", 40, "eastus", cl, "r1"), spot)
	got = ComputeOf([]*alert.Alert{&d, &d})
	if len(got) != 2 || got[0].Count != 1 || got[0].Spot || got[1].Count != 40 || !got[1].Spot {
		t.Errorf("got %+v, want the driver (1, on demand) and the workers (40, Spot) once each", got)
	}
	// Any other resource's are its largest count, Spot if any is: a Spot
	// scale set of 10 and an autoscale setting's floor of 200 priced as
	// its machines (the setting names no priority) are 200, not 210.
	set := mk("azure.compute.mass_deployment", alert.High, at(0), compute("vmss", "Standard_F16s_v2", 10, "eastus", ss, "w"), spot,
		compute("vmss", "Standard_F16s_v2", 200, "eastus", ss, "setting"))
	got = ComputeOf([]*alert.Alert{&set})
	if len(got) != 1 || got[0].Count != 200 || !got[0].Spot {
		t.Errorf("got %+v, want the scale set once, at 200, Spot", got)
	}
	// A pool of unknown count named twice, once with why (its autoscale
	// formula) and once without, stays of unknown count, in either order;
	// a firm count beside a formula's estimate of the same stays firm.
	pool := "/subscriptions/" + subA + "/resourcegroups/rg/providers/microsoft.batch/batchaccounts/b/pools/p"
	note := func(n string) func(*alert.Alert) {
		return func(a *alert.Alert) { a.Compute[len(a.Compute)-1].CountNote = n }
	}
	for _, order := range [][2]string{{event.CountFormulaUnknown, ""}, {"", event.CountFormulaUnknown}} {
		u := mk("azure.compute.gpu_created", alert.Medium, at(0), compute("batch", "Standard_ND96asr_v4", 0, "eastus", pool, "p1"), note(order[0]),
			compute("batch", "Standard_ND96asr_v4", 0, "eastus", pool, "p2"), note(order[1]))
		if got = ComputeOf([]*alert.Alert{&u}); len(got) != 1 || got[0].CountNote != event.CountFormulaUnknown {
			t.Errorf("notes %q: got %+v, want one pool of unknown count", order, got)
		}
	}
	for _, order := range [][2]string{{event.CountFormula, ""}, {"", event.CountFormula}} {
		f := mk("azure.compute.gpu_created", alert.Medium, at(0), compute("batch", "Standard_ND96asr_v4", 8, "eastus", pool, "p1"), note(order[0]),
			compute("batch", "Standard_ND96asr_v4", 8, "eastus", pool, "p2"), note(order[1]))
		if got = ComputeOf([]*alert.Alert{&f}); len(got) != 1 || got[0].CountNote != "" {
			t.Errorf("notes %q: got %+v, want one pool of 8, firm", order, got)
		}
	}
}

func TestPricesLookup(t *testing.T) {
	t.Parallel()
	p := NewPrices([]Price{
		{Size: "Standard_X1", Region: "westus", USD: 2, Method: "published", Source: "s"},
		{Size: "Standard_X1", Region: "northeurope", USD: 1, Method: "published", Source: "s"},
		{Size: "Standard_X1", Region: "westus", USD: 3, Method: "published", Source: "override"},
	})
	if r, b := p.Lookup("x1", "WestUS"); r.USD != 3 || b != BasisExact {
		t.Errorf("a later row should override: %+v %s", r, b)
	}
	if r, b := p.Lookup("STANDARD_X1", "eastus"); r.Region != "northeurope" || b != BasisFallback {
		t.Errorf("without eastus the cheapest region stands in: %+v %s", r, b)
	}
	if _, b := p.Lookup("Standard_Y", "eastus"); b != BasisUnknown {
		t.Errorf("unknown size gave basis %s", b)
	}
	// A Container Apps profile type is priced as the VM it runs on.
	a100 := NewPrices([]Price{{Size: "Standard_NC24ads_A100_v4", Region: "westus3", USD: 3.67, Method: "published", Source: "s"}})
	if r, b := a100.Lookup("NC24-A100", "westus3"); r.USD != 3.67 || b != BasisExact {
		t.Errorf("NC24-A100: %+v %s, want the price of Standard_NC24ads_A100_v4", r, b)
	}
	// An App Service plan SKU is priced as the VM of its workers' vCPUs
	// and memory (P5mv3: Standard_E32s_v5), an estimate.
	e32 := NewPrices([]Price{{Size: "Standard_E32s_v5", Region: "westus3", USD: 2.016, Method: "published", Source: "s"}})
	if r, b := e32.Lookup("P5mv3", "westus3"); r.USD != 2.016 || b != BasisExact {
		t.Errorf("P5mv3: %+v %s, want the price of Standard_E32s_v5", r, b)
	}
	// D4 is a profile type before the legacy Standard_D4 it also folds to.
	d4 := NewPrices([]Price{{Size: "Standard_D4", Region: "eastus", USD: 0.5, Method: "published", Source: "s"},
		{Size: "Standard_D4s_v5", Region: "eastus", USD: 0.192, Method: "published", Source: "s"}})
	if r, _ := d4.Lookup("D4", "eastus"); r.USD != 0.192 {
		t.Errorf("D4: %+v, want the price of Standard_D4s_v5", r)
	}
	if r, _ := d4.Lookup("Standard_D4", "eastus"); r.USD != 0.5 {
		t.Errorf("Standard_D4: %+v, want its own price", r)
	}
	var none *Prices
	if _, b := none.Lookup("Standard_X1", "eastus"); b != BasisUnknown || none.Len() != 0 {
		t.Error("a nil table knows nothing")
	}
}
