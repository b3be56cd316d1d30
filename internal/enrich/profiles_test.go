package enrich

import "testing"

// Every Container Apps profile type names a size the size table knows,
// with the GPUs the profile has.
func TestContainerAppsProfileSize(t *testing.T) {
	for _, c := range []struct {
		profile string
		gpus    float64 // -1: not a known profile
	}{
		{"NC24-A100", 1}, {"nc96-a100", 4}, {"Consumption-GPU-NC8as-T4", 1}, {"D8", 0}, {"E32", 0},
		{"Consumption", -1}, {"", -1}, {"NC24-B200", -1},
	} {
		size := ContainerAppsProfileSize(c.profile)
		if c.gpus < 0 {
			if size != "" {
				t.Errorf("%q: size %q, want none", c.profile, size)
			}
			continue
		}
		info, ok := SizeOf(size)
		if !ok || info.GPUs != c.gpus {
			t.Errorf("%q: size %q (%+v, %v), want one with %v GPUs", c.profile, size, info, ok, c.gpus)
		}
	}
}

// The size table knows a profile type by the VM it runs on: a rule on
// enrich.size.gpus judges NC24-A100 as it judges Standard_NC24ads_A100_v4.
func TestSizeOfAProfileType(t *testing.T) {
	vm, _ := SizeOf("Standard_NC24ads_A100_v4")
	if got, ok := SizeOf("nc24-a100"); !ok || got != vm {
		t.Errorf("SizeOf(nc24-a100) = %+v, %v; want %+v", got, ok, vm)
	}
	if _, ok := SizeOf("Consumption"); ok {
		t.Error("Consumption has a size")
	}
	// "D4" is also what the legacy Standard_D4 (8 vCPUs) folds to: a
	// profile type is its profile's VM (4 vCPUs), and the legacy size
	// keeps its prefix.
	d4s, _ := SizeOf("Standard_D4s_v5")
	if got, ok := SizeOf("D4"); !ok || got != d4s {
		t.Errorf("SizeOf(D4) = %+v, %v; want the D4 profile's %+v", got, ok, d4s)
	}
	if got, _ := SizeOf("Standard_D4"); got.VCPUs != 8 {
		t.Errorf("SizeOf(Standard_D4) = %+v; want the legacy size, 8 vCPUs", got)
	}
}

// The size table knows an App Service plan SKU by its workers' VM: a rule
// on enrich.size.vcpus judges a P5mv3 plan's 32 vCPUs. The tiers with no
// workers of their own have no size.
func TestSizeOfAPlanSKU(t *testing.T) {
	for _, c := range []struct {
		sku   string
		vcpus int // 0: no size
	}{
		{"P5mv3", 32}, {"p5MV3", 32}, {" I6v2 ", 64}, {"EP3", 4}, {"P1v3", 2},
		{"Y1", 0}, {"FC1", 0}, {"", 0},
	} {
		info, ok := SizeOf(c.sku)
		if c.vcpus == 0 {
			if ok || AppServicePlanSize(c.sku) != "" {
				t.Errorf("%q: size %+v, want none", c.sku, info)
			}
			continue
		}
		if !ok || info.VCPUs != c.vcpus || info.GPUs != 0 {
			t.Errorf("%q: %+v, %v; want %d vCPUs and no GPU", c.sku, info, ok, c.vcpus)
		}
	}
	// Free and Shared share machines: no plan size, whatever legacy VM
	// (Standard_F1, Standard_D1) the name folds to.
	for _, sku := range []string{"F1", "D1"} {
		if got := AppServicePlanSize(sku); got != "" {
			t.Errorf("%s: plan size %q, want none", sku, got)
		}
	}
}
