package enrich

import (
	"slices"
	"testing"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/fields"
	"github.com/mamori-sec/mamori/internal/sigma"
)

// TestComputeTotals reads compute.gpus_total and compute.vcpus_total as a
// rule does, after Apply: the machines times their size's GPUs and vCPUs,
// and absent (not 0) when the size is unknown, so the volume correlations
// never call an unjudged request small.
func TestComputeTotals(t *testing.T) {
	t.Parallel()
	e, err := builtin()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		c           event.Compute
		vcpus, gpus []string // nil: absent
	}{
		{"39 H100 VMs of 8 GPUs each", event.Compute{Service: "vmss", Size: "Standard_ND96isr_H100_v5", Count: 39}, []string{"3744"}, []string{"312"}},
		{"CPU scale set: 0 GPUs, present", event.Compute{Service: "vmss", Size: "standard_f64as_v6", Count: 39}, []string{"2496"}, []string{"0"}},
		{"partial GPUs add up", event.Compute{Service: "vm", Size: "Standard_NV6ads_A10_v5", Count: 12}, []string{"72"}, []string{"2"}},
		{"a Container Apps profile by its VM", event.Compute{Service: "aca", Size: "NC24-A100", Count: 4}, []string{"96"}, []string{"4"}},
		// A newer size is estimated from its name (estimateSize): its GPUs are
		// at least one each, so the sum is a floor, never an overstatement.
		{"a newer size, estimated from its name", event.Compute{Service: "vmss", Size: "Standard_ND128isr_B300_v7", Count: 39}, []string{"4992"}, []string{"39"}},
		{"size nothing knows", event.Compute{Service: "vmss", Size: "Custom_GPU_Box", Count: 39}, nil, nil},
		{"Instance Mix names no real size", event.Compute{Service: "vmss", Size: "Mix", Count: 39}, nil, nil},
		{"no size at all (an autoscale setting)", event.Compute{Service: "vmss", Count: 200, Target: "/subscriptions/s/x"}, nil, nil},
		{"container group's own requests", event.Compute{Service: "aci", Count: 1, CPUs: 4, GPUs: 2}, []string{"4"}, []string{"2"}},
		{"container group without a body", event.Compute{Service: "aci", Count: 1, NoBody: true}, nil, nil},
		{"autoscaled pool of unknown count", event.Compute{Service: "batch", Size: "Standard_ND96asr_v4"}, []string{"0"}, []string{"0"}},
	}
	r := fields.New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := tt.c
			ev := &event.Event{Kind: event.KindActivity, Operation: "microsoft.compute/virtualmachinescalesets/write", Compute: &c}
			e.Apply(ev)
			fe := r.NewEvent()
			fe.Reset(ev)
			for _, f := range []struct {
				name string
				want []string
			}{{"compute.vcpus_total", tt.vcpus}, {"compute.gpus_total", tt.gpus}} {
				fi, err := r.Resolve(f.name)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				present, _ := fe.Field(fi.ID, func(v sigma.Value) bool {
					got = append(got, v.String())
					return false
				})
				if present != (f.want != nil) || !slices.Equal(got, f.want) {
					t.Errorf("%s = %q (present %v), want %q", f.name, got, present, f.want)
				}
			}
		})
	}
}

// TestTotals is what the end of the hunt asks of a request settled late.
func TestTotals(t *testing.T) {
	t.Parallel()
	if v, g, ok := Totals("Standard_NC24ads_A100_v4", 29); !ok || v != 696 || g != 29 {
		t.Errorf("Totals(NC24ads_A100_v4, 29) = %v, %v, %v; want 696, 29, true", v, g, ok)
	}
	if _, _, ok := Totals("", 29); ok {
		t.Error("a size not learned has totals")
	}
}
