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
