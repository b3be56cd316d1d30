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
}
