package incident

import (
	"cmp"
	"math"
	"slices"
	"strings"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// Cost is what the compute of an incident costs per hour at list price.
// Lines the table cannot price are kept, marked unpriced, and left out of
// the total: an unknown size is unknown, never free.
type Cost struct {
	USDPerHour float64    `json:"usd_per_hour"` // sum of the priced lines
	Lines      []CostLine `json:"lines,omitempty"`
	Unpriced   int        `json:"unpriced,omitempty"`  // lines without a price
	Complete   bool       `json:"complete"`            // every line priced
	Estimated  bool       `json:"estimated,omitempty"` // a price estimated, from another region, or spot at pay-as-you-go
}

// CostLine is the instances of one size in one region.
type CostLine struct {
	Service     string  `json:"service,omitempty"` // vm, vmss, aml, batch, aci; empty when mixed
	Size        string  `json:"size"`              // as the logs wrote it; empty for a container group
	Region      string  `json:"region"`
	Count       int     `json:"count"`
	Spot        bool    `json:"spot,omitempty"`
	Priced      bool    `json:"priced"`
	UnitUSD     float64 `json:"unit_usd_per_hour,omitempty"`
	USDPerHour  float64 `json:"usd_per_hour,omitempty"`
	PriceRegion string  `json:"price_region,omitempty"` // the region whose price was used, when another
	Basis       Basis   `json:"basis"`
	Method      string  `json:"method,omitempty"` // of the price row: retail-api, published, estimated
	Estimated   bool    `json:"estimated,omitempty"`
	// CountUnknown: some of the line's instances are an autoscaled pool
	// whose formula bounds nothing (event.CountFormulaUnknown): Count
	// holds only the known ones, and the price is theirs. A count an
	// autoscale formula bounds (event.CountFormula) is an estimate.
	CountUnknown bool `json:"count_unknown,omitempty"`
	// Why says why the count is unknown: event.CountFormulaUnknown or
	// event.CountCapacityUnknown.
	Why string `json:"count_unknown_why,omitempty"`
}

// UnknownText says, for people, which of the lines' counts are unknown
// and why ("" when none): "autoscale formula: count unknown", "count
// unknown (capacity not in the write)".
func UnknownText(lines []CostLine) string {
	var out []string
	for _, l := range lines {
		if !l.CountUnknown {
			continue
		}
		t := l.Why
		if t != event.CountFormulaUnknown {
			t = "count unknown (" + cmp.Or(t, "?") + ")"
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return strings.Join(out, ", ")
}

// maxCount bounds the instances one item may claim: a scale set holds at
// most 1,000, and a hostile count must not overflow the sums.
const maxCount = 100000

// Cost prices items: each is a size, a count of instances, a region and
// whether they are spot. Items of the same size, region and priority are
// summed into one line; an empty region is read as DefaultRegion. Items
// are taken as given: deduplicate creates seen in several records first
// (ComputeOf does).
func (p *Prices) Cost(items []alert.Compute) Cost {
	type key struct {
		size, region string
		spot         bool
	}
	byKey := map[key]int{}
	var lines []CostLine
	for _, it := range items {
		region := record.Region(it.Region)
		if region == "" {
			region = DefaultRegion
		}
		n := min(max(it.Count, 1), maxCount)
		unknown := (it.CountNote == event.CountFormulaUnknown || it.CountNote == event.CountCapacityUnknown) && it.Count <= 0
		if unknown {
			n = 0 // not one instance: unknown
		}
		k := key{sizeKey(it.Size), region, it.Spot}
		if i, ok := byKey[k]; ok {
			l := &lines[i]
			l.Count = min(l.Count+n, maxCount*1000)
			if l.Service != it.Service {
				l.Service = ""
			}
			if unknown && !l.CountUnknown {
				l.CountUnknown, l.Why = true, it.CountNote
			}
			l.Estimated = l.Estimated || it.CountNote == event.CountFormula
			continue
		}
		byKey[k] = len(lines)
		lines = append(lines, CostLine{Service: it.Service, Size: it.Size, Region: region, Count: n, Spot: it.Spot,
			CountUnknown: unknown, Estimated: it.CountNote == event.CountFormula})
		if unknown {
			lines[len(lines)-1].Why = it.CountNote
		}
	}
	var c Cost
	for i := range lines {
		l := &lines[i]
		p.price(l)
		if !l.Priced {
			c.Unpriced++
			continue
		}
		c.USDPerHour += l.USDPerHour
		c.Estimated = c.Estimated || l.Estimated
	}
	c.USDPerHour = roundUSD(c.USDPerHour)
	c.Complete = c.Unpriced == 0
	// Dearest first: the line that matters is the one a reader sees first.
	slices.SortStableFunc(lines, func(a, b CostLine) int {
		return cmp.Or(cmp.Compare(b.USDPerHour, a.USDPerHour), strings.Compare(sizeKey(a.Size), sizeKey(b.Size)),
			strings.Compare(a.Region, b.Region))
	})
	c.Lines = lines
	return c
}

// price fills the price fields of one line.
func (p *Prices) price(l *CostLine) {
	l.Basis = BasisUnknown
	countEstimated := l.Estimated // a formula's bound, set by Cost
	defer func() { l.Estimated = l.Estimated || countEstimated && l.Priced }()
	if l.Size == "" {
		return
	}
	row, basis := p.Lookup(l.Size, l.Region)
	if basis == BasisUnknown {
		return
	}
	l.Priced, l.Basis, l.Method = true, basis, row.Method
	if row.Region != l.Region {
		l.PriceRegion = row.Region
	}
	l.UnitUSD = row.USD
	l.Estimated = row.Method == "estimated" || basis != BasisExact
	if l.Spot {
		if row.SpotUSD > 0 {
			l.UnitUSD = row.SpotUSD
		} else {
			// Spot priced at pay-as-you-go: an upper bound, said to be one.
			l.Estimated = true
		}
	}
	l.USDPerHour = roundUSD(l.UnitUSD * float64(l.Count))
}

// roundUSD keeps a hundredth of a cent, so 40 × 3.673 reads 146.92.
func roundUSD(v float64) float64 { return math.Round(v*1e4) / 1e4 }

// ComputeOf gathers the compute the alerts created, once per resource:
// the Start, Accept and Succeeded records of one create, and the alerts of
// several rules on it (GPU created, mass deployment), name the same scale
// set; its largest requested count is what ran. An Azure Databricks
// cluster's machines of one size on demand and on Spot are two items (its
// driver on demand, its workers on Spot: two events of one request),
// priced each at its rate; any other resource's are one, Spot if any is
// (an autoscale setting's floor is priced as its target's machines, whose
// priority the setting does not name). Items without a resource count
// once per correlation id, and those with neither once each.
func ComputeOf(alerts []*alert.Alert) []alert.Compute {
	var all []alert.Compute
	for _, a := range alerts {
		all = append(all, OwnCompute(a)...)
	}
	return mergeCompute(all)
}

// OwnCompute is the compute an alert's incident is to price and stop: the
// alert's, but none of a correlation over the whole tenant, which carries
// everyone's compute of its window (a team's training run beside the
// attack's); the creates of the incident's actors are its own
// (Options.Created).
func OwnCompute(a *alert.Alert) []alert.Compute {
	if a.WholeTenant {
		return nil
	}
	return a.Compute
}

// mergeCompute counts each create of items once, as ComputeOf says.
func mergeCompute(items []alert.Compute) []alert.Compute {
	type key struct {
		id, size string
		spot     bool // for a Databricks cluster only
	}
	at := map[key]int{}
	var out []alert.Compute
	for _, c := range items {
		var k key
		spot := c.Spot && c.Service == "databricks"
		switch {
		case c.Resource != "":
			k = key{"r|" + strings.ToLower(c.Resource), sizeKey(c.Size), spot}
		case c.Operation != "":
			k = key{"o|" + strings.ToLower(c.Operation), sizeKey(c.Size), spot}
		default:
			out = append(out, c)
			continue
		}
		if i, ok := at[k]; ok {
			// The note of the count kept. Of two equal counts a firm one
			// wins over a formula's estimate; of two unknown (0), the one
			// that says why, or the create would be priced as one machine.
			switch {
			case c.Count > out[i].Count,
				c.Count == out[i].Count && c.Count > 0 && c.CountNote == "",
				c.Count == out[i].Count && c.Count <= 0 && out[i].CountNote == "":
				out[i].CountNote = c.CountNote
			}
			out[i].Count = max(out[i].Count, c.Count)
			out[i].Spot = out[i].Spot || c.Spot
			if out[i].Region == "" {
				out[i].Region = c.Region
			}
			continue
		}
		at[k] = len(out)
		out = append(out, c)
	}
	return out
}
