package incident

import (
	"fmt"
	"strings"

	"github.com/mamori-sec/mamori/internal/enrich"
	"github.com/mamori-sec/mamori/internal/record"
)

// A size the price table does not list is estimated from its vCPUs
// (data/vmsizes.csv), which is how Azure prices the sizes of one series:
// a D96as_v5 costs twice a D48as_v5. The rate is the per-vCPU price of a
// priced size of the same quota family (one series: standardDASv5Family)
// in the line's region, else in DefaultRegion, else the cheapest region
// listed; a size with no GPUs whose family nothing prices (a series newer
// than the table, most of Dv6, Fasv6, Ev6: 652 of the 717 CPU sizes of 32
// vCPUs or more in November 2026) takes the cheapest per-vCPU price of any
// CPU size the table prices (the HB HPC sizes' $0.03 in eastus), a lower
// bound: the dollar figure a responder reads first is never $0 for
// thousands of vCPUs, and never more than they cost. A GPU size whose
// family nothing prices stays unpriced: a CPU rate would say nothing of
// its GPUs. Only rows the sources priced (not "estimated" ones) make a
// rate, and an estimate is always marked so (method "estimated").

// rate is a per-vCPU price and the row it came from.
type rate struct {
	usd  float64 // per vCPU per hour
	from Price
}

// rates are the per-vCPU prices NewPrices learns from its rows.
type rates struct {
	family  map[string]map[string]rate // family (lower case) -> region -> cheapest rate
	generic rate                       // the cheapest rate of a size with no GPUs; zero when none
}

// learn notes one row's per-vCPU price.
func (rs *rates) learn(p Price) {
	if p.Method == "estimated" {
		return
	}
	p.Region = record.Region(p.Region)
	si, ok := enrich.SizeOf(p.Size)
	if !ok || si.VCPUs <= 0 || si.Family == "" {
		return
	}
	r := rate{usd: p.USD / float64(si.VCPUs), from: p}
	fam := strings.ToLower(si.Family)
	if rs.family == nil {
		rs.family = map[string]map[string]rate{}
	}
	if rs.family[fam] == nil {
		rs.family[fam] = map[string]rate{}
	}
	if old, ok := rs.family[fam][p.Region]; !ok || r.usd < old.usd {
		rs.family[fam][p.Region] = r
	}
	if si.GPUs == 0 && (rs.generic.usd == 0 || r.usd < rs.generic.usd) {
		rs.generic = r
	}
}

// estimate prices size in region from its vCPUs, as the package comment
// says; ok is false when nothing can.
func (rs *rates) estimate(size, region string) (Price, Basis, bool) {
	si, ok := enrich.SizeOf(size)
	if !ok || si.VCPUs <= 0 {
		return Price{}, BasisUnknown, false
	}
	est := func(r rate, how string) (Price, Basis, bool) {
		p := Price{Size: size, Region: r.from.Region, USD: roundUSD(r.usd * float64(si.VCPUs)), Method: "estimated",
			Source: fmt.Sprintf("per-vcpu:%s:%s", how, r.from.Size)}
		if r.from.Region == region {
			return p, BasisExact, true
		}
		return p, BasisFallback, true
	}
	if byRegion := rs.family[strings.ToLower(si.Family)]; len(byRegion) > 0 {
		if r, ok := byRegion[region]; ok {
			return est(r, "family")
		}
		if r, ok := byRegion[DefaultRegion]; ok {
			return est(r, "family")
		}
		var best rate
		for _, r := range byRegion {
			if best.usd == 0 || r.usd < best.usd || r.usd == best.usd && r.from.Region < best.from.Region {
				best = r
			}
		}
		return est(best, "family")
	}
	if si.GPUs == 0 && rs.generic.usd > 0 {
		return est(rs.generic, "generic")
	}
	return Price{}, BasisUnknown, false
}
