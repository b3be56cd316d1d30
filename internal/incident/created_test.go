package incident

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/event"
)

// TestIncidentPricedFromEveryCreate: an incident whose only alert is a
// principal's first deployment is priced from every create that
// principal made in its span and the hour after, each create once (its
// Start and Success records, told once per base rule that matched), not
// from the one create the alert carries; another principal's creates and
// the principal's own two hours later are not its.
func TestIncidentPricedFromEveryCreate(t *testing.T) {
	t.Parallel()
	vm := func(i int) string {
		return fmt.Sprintf("/subscriptions/%s/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm%d", subA, i)
	}
	first := mk("azure.compute.first_time_deployer", alert.Medium, at(0), principal(eve), pids(eve, "oid-eve"),
		compute("vm", "Standard_D96as_v5", 1, "eastus", vm(0), "corr-0"))
	var created []Created
	for i := range 39 {
		c := alert.Compute{Service: "vm", Size: "Standard_D96as_v5", Count: 1, Region: "eastus", Resource: vm(i), Operation: fmt.Sprintf("corr-%d", i)}
		when := at(time.Duration(i) * time.Minute)
		for range 2 { // Start and Success; compute_created and compute_requested
			created = append(created, Created{Tenant: tenantA, Time: when, Principals: []string{eve, "oid-eve"}, Compute: c})
			created = append(created, Created{Tenant: tenantA, Time: when.Add(time.Second), Principals: []string{"oid-eve"}, Compute: c})
		}
	}
	other := alert.Compute{Service: "vm", Size: "Standard_D96as_v5", Count: 1, Region: "eastus", Resource: vm(100)}
	created = append(created,
		Created{Tenant: tenantA, Time: at(time.Minute), Principals: []string{trent}, Compute: other},
		Created{Tenant: tenantB, Time: at(time.Minute), Principals: []string{eve}, Compute: alert.Compute{Size: "Standard_D96as_v5", Count: 1, Resource: vm(101)}},
		Created{Tenant: tenantA, Time: at(3 * time.Hour), Principals: []string{eve}, Compute: alert.Compute{Size: "Standard_D96as_v5", Count: 1, Resource: vm(102)}},
		Created{Tenant: tenantA, Time: at(-time.Minute), Principals: []string{eve}, Compute: alert.Compute{Size: "Standard_D96as_v5", Count: 1, Resource: vm(103)}},
	)
	p, _ := BuiltinPrices()
	unit, _ := p.Lookup("Standard_D96as_v5", "eastus")
	alone := Build([]alert.Alert{first}, Options{})[0]
	if n := alone.Cost.Lines[0].Count; n != 1 {
		t.Fatalf("from the alert alone: %d instances, want 1", n)
	}
	in := Build([]alert.Alert{first}, Options{Created: created})[0]
	if len(in.Cost.Lines) != 1 || in.Cost.Lines[0].Count != 39 {
		t.Fatalf("cost %+v, want one line of 39 instances", in.Cost)
	}
	if want := roundUSD(39 * unit.USD); in.Cost.USDPerHour != want {
		t.Errorf("cost $%v per hour, want $%v", in.Cost.USDPerHour, want)
	}
	if !strings.Contains(in.Summary(), fmt.Sprintf("$%.2f/h", in.Cost.USDPerHour)) {
		t.Errorf("summary %q lacks the cost", in.Summary())
	}
}

// TestSeverityFloorFromCost: an incident of low alerts whose compute
// costs $500 an hour or more is high, $2,000 critical (data/prices/
// severity.csv); below, its alerts' severity stands.
func TestSeverityFloorFromCost(t *testing.T) {
	t.Parallel()
	p := NewPrices([]Price{{Size: "Standard_ND96isr_H100_v5", Region: "eastus", USD: 98.32, Method: "retail-api", Source: "x"}})
	for _, tc := range []struct {
		n    int
		want alert.Severity
	}{{1, alert.Low}, {5, alert.Low}, {6, alert.High}, {20, alert.High}, {21, alert.Critical}} {
		a := mk("azure.compute.gpu_created", alert.Low, at(0), principal(mallory),
			compute("vmss", "Standard_ND96isr_H100_v5", tc.n, "eastus", "/subscriptions/x/vmss/a", "c"))
		in := Build([]alert.Alert{a}, Options{Prices: p})[0]
		if in.Severity != tc.want {
			t.Errorf("%d × ND96isr_H100_v5 ($%v/h): %s, want %s", tc.n, in.Cost.USDPerHour, in.Severity, tc.want)
		}
	}
	// A floor never lowers: a critical chain costing nothing stays critical.
	a := mk("azure.identity.elevate_access", alert.Critical, at(0), principal(mallory))
	if in := Build([]alert.Alert{a}, Options{Prices: p})[0]; in.Severity != alert.Critical {
		t.Errorf("critical alert alone: %s", in.Severity)
	}
}

func TestParseFloor(t *testing.T) {
	t.Parallel()
	steps, err := BuiltinFloor()
	if err != nil || len(steps) != 2 || steps[0] != (FloorStep{500, alert.High}) || steps[1] != (FloorStep{2000, alert.Critical}) {
		t.Errorf("built-in floor %v, %v", steps, err)
	}
	for _, bad := range []string{
		"usd,severity\n500,high\n",
		"usd_per_hour,severity\n500,high\n400,critical\n",
		"usd_per_hour,severity\n500,high\n600,medium\n",
		"usd_per_hour,severity\n-1,high\n",
		"usd_per_hour,severity\n500,urgent\n",
		"usd_per_hour,severity\n",
	} {
		if _, err := ParseFloor(strings.NewReader(bad)); err == nil {
			t.Errorf("ParseFloor(%q) accepted", bad)
		} else if strings.Contains(bad, "\n5") && strings.Count(bad, "\n") > 2 && !strings.Contains(err.Error(), "line") {
			t.Errorf("ParseFloor(%q): %v names no line", bad, err)
		}
	}
}

// TestAutoscaleFormulaCount: a pool whose formula bounds its count is
// priced at the bound and marked estimated; one whose formula bounds
// nothing is priced at no node, said to be of unknown count, never one.
func TestAutoscaleFormulaCount(t *testing.T) {
	t.Parallel()
	p := NewPrices([]Price{{Size: "Standard_ND96asr_v4", Region: "eastus", USD: 27.197, Method: "retail-api", Source: "x"}})
	c := p.Cost([]alert.Compute{{Service: "batch", Size: "Standard_ND96asr_v4", Count: 500, Region: "eastus", CountNote: event.CountFormula}})
	if c.USDPerHour != roundUSD(500*27.197) || !c.Estimated || c.Lines[0].CountUnknown {
		t.Errorf("bounded formula: %+v, want 500 nodes, estimated", c)
	}
	c = p.Cost([]alert.Compute{{Service: "batch", Size: "Standard_ND96asr_v4", Count: 0, Region: "eastus", CountNote: event.CountFormulaUnknown}})
	if c.USDPerHour != 0 || c.Lines[0].Count != 0 || !c.Lines[0].CountUnknown {
		t.Errorf("unbounded formula: %+v, want no node priced, count unknown", c)
	}
	if s := c.describe(); !strings.Contains(s, "count unknown") {
		t.Errorf("describe = %q, want it to say the count is unknown", s)
	}
}

// TestCreatedSpansHoldWhatPricingReads: incidents built from only the
// creates their spans hold (CreatedSpans, as a hunt keeps them) are the
// incidents built from every create, on random tenants of several
// principals, alerts and creates over two days; and the spans leave most
// creates out, or the test would prove nothing.
func TestCreatedSpansHoldWhatPricingReads(t *testing.T) {
	t.Parallel()
	who := []string{eve, trent, "mallory@contoso.com", "oid-4", "oid-5"}
	rules := []string{"azure.compute.first_time_deployer", "azure.compute.gpu_created", "azure.quota.increase"}
	left, all := 0, 0
	for seed := range uint64(40) {
		r := rand.New(rand.NewPCG(seed, 7))
		var alerts []alert.Alert
		for i := range 2 + r.IntN(8) {
			p := who[r.IntN(len(who))]
			a := mk(rules[r.IntN(len(rules))], alert.Severity(1+r.IntN(3)), at(time.Duration(r.IntN(48*60))*time.Minute), principal(p), pids(p, "oid-"+p))
			a.ID = fmt.Sprintf("%s-%d", a.ID, i)
			if r.IntN(4) == 0 {
				a.Tenant = tenantB
			}
			alerts = append(alerts, a)
		}
		var created []Created
		for i := range 200 {
			p := who[r.IntN(len(who))]
			tn := tenantA
			if r.IntN(4) == 0 {
				tn = tenantB
			}
			created = append(created, Created{Tenant: tn, Time: at(time.Duration(r.IntN(50*60)) * time.Minute), Principals: []string{strings.ToLower(p), "oid-" + p},
				Compute: alert.Compute{Service: "vm", Size: "Standard_NC24ads_A100_v4", Count: 1 + r.IntN(3), Region: "eastus",
					Resource: fmt.Sprintf("/subscriptions/%s/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm%d", subA, i), Operation: fmt.Sprint(i)}})
		}
		marked := slices.Clone(alerts)
		spans := CreatedSpans(BuildMarked(marked, Options{}), marked, 0)
		var kept []Created
		for _, c := range created {
			if slices.ContainsFunc(c.Principals, func(p string) bool {
				return slices.ContainsFunc(spans[[2]string{c.Tenant, p}], func(s Span) bool { return s.Holds(c.Time) })
			}) {
				kept = append(kept, c)
			}
		}
		left, all = left+len(created)-len(kept), all+len(created)
		want := BuildMarked(slices.Clone(alerts), Options{Created: created})
		got := BuildMarked(slices.Clone(alerts), Options{Created: kept})
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("seed %d: %d of %d creates kept: incidents differ:\n got %+v\nwant %+v", seed, len(kept), len(created), got, want)
		}
	}
	if left < all/2 {
		t.Errorf("the spans left out %d of %d creates: too few to tell", left, all)
	}
}
