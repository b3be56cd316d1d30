package enrich

import (
	"strings"
	"testing"
)

func TestSizeOf(t *testing.T) {
	t.Parallel()
	// Numbers checked against the Microsoft Learn size pages, independently of the table.
	tests := []struct {
		name, size, canonical, family, model string
		vcpus                                int
		gpus                                 float64
	}{
		{"NCv3 upper case with prefix", "STANDARD_NC6S_V3", "Standard_NC6s_v3", "standardNCSv3Family", "V100", 6, 1},
		{"NCv3 canonical", "Standard_NC24s_v3", "Standard_NC24s_v3", "standardNCSv3Family", "V100", 24, 4},
		{"NCv3 without prefix", "nc12s_v3", "Standard_NC12s_v3", "standardNCSv3Family", "V100", 12, 2},
		{"T4", "standard_nc4as_t4_v3", "Standard_NC4as_T4_v3", "Standard NCASv3_T4 Family", "T4", 4, 1},
		{"T4 largest", "Standard_NC64as_T4_v3", "Standard_NC64as_T4_v3", "Standard NCASv3_T4 Family", "T4", 64, 4},
		{"ND A100 v4", "Standard_ND96asr_v4", "Standard_ND96asr_v4", "Standard NDASv4_A100 Family", "A100", 96, 8},
		{"ND H100 v5", "standard_nd96isr_h100_v5", "Standard_ND96isr_H100_v5", "standardNDSH100v5Family", "H100", 96, 8},
		{"partial A10", "Standard_NV6ads_A10_v5", "Standard_NV6ads_A10_v5", "StandardNVADSA10v5Family", "A10", 6, 1.0 / 6},
		{"partial MI25", "NV4AS_V4", "Standard_NV4as_v4", "standardNVSv4Family", "MI25", 4, 1.0 / 8},
		{"K80 retired", "Standard_NC24r", "Standard_NC24r", "standardNCFamily", "K80", 24, 4},
		{"P40 retired", "Standard_ND6s", "Standard_ND6s", "standardNDSFamily", "P40", 6, 1},
		{"GB200", "Standard_ND128isr_NDR_GB200_v6", "Standard_ND128isr_NDR_GB200_v6", "standardNDISRGB200V6NDRFamily", "GB200", 128, 4},
		{"MI300X", "Standard_ND96isr_MI300X_v5", "Standard_ND96isr_MI300X_v5", "standardNDISv5MI300XFamily", "MI300X", 96, 8},
		{"CPU Fsv2 largest", "Standard_F72s_v2", "Standard_F72s_v2", "standardFSv2Family", "", 72, 0},
		{"CPU HBv3", "standard_hb120rs_v3", "Standard_HB120rs_v3", "standardHBv3Family", "", 120, 0},
		{"CPU Dasv5", "Standard_D96as_v5", "Standard_D96as_v5", "standardDASv5Family", "", 96, 0},
		{"CPU B-series", "Standard_B2s", "Standard_B2s", "standardBSFamily", "", 2, 0},
		{"spaces for underscores", "Standard NC6s v3", "Standard_NC6s_v3", "standardNCSv3Family", "V100", 6, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := SizeOf(tt.size)
			if !ok {
				t.Fatalf("SizeOf(%q) not found", tt.size)
			}
			if got.Size != tt.canonical || got.Family != tt.family || got.GPUModel != tt.model || got.VCPUs != tt.vcpus {
				t.Errorf("SizeOf(%q) = %+v", tt.size, got)
			}
			if d := got.GPUs - tt.gpus; d > 1e-9 || d < -1e-9 {
				t.Errorf("SizeOf(%q).GPUs = %v, want %v", tt.size, got.GPUs, tt.gpus)
			}
		})
	}
}

func TestSizeOfUnknown(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "Standard_", "Standard_ZZ99_v9", "NC6s_v3_extra", strings.Repeat("a", 500), "Standard_NC6s_v3\x00"} {
		if got, ok := SizeOf(s); ok {
			t.Errorf("SizeOf(%q) = %+v, want not found", s, got)
		}
	}
}

func TestGPUFamily(t *testing.T) {
	t.Parallel()
	tests := []struct {
		family, model string
		ok            bool
	}{
		{"standardNCSv3Family", "V100", true},
		{"Standard NCASv3_T4 Family", "T4", true},
		{"standardNCASv3_T4Family", "T4", true},
		{"Standard NDS Family vCPUs", "P40", true}, // the Usage API's localized name
		{"standardNCPromoFamily", "K80", true},
		{"StandardNCADSA100v4Family", "A100", true},
		{"standardDSv3Family", "", false},
		{"standardNPSFamily", "", false}, // FPGAs
		{"", "", false},
	}
	for _, tt := range tests {
		model, ok := GPUFamily(tt.family)
		if model != tt.model || ok != tt.ok {
			t.Errorf("GPUFamily(%q) = %q, %v; want %q, %v", tt.family, model, ok, tt.model, tt.ok)
		}
	}
}

func TestParseFraction(t *testing.T) {
	t.Parallel()
	good := map[string]float64{"0": 0, "2": 2, "1/2": 0.5, "0.25": 0.25}
	for s, want := range good {
		if got, err := parseFraction(s); err != nil || got != want {
			t.Errorf("parseFraction(%q) = %v, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "1/0", "-1", "a/b", "1/", "/2", "1/-3"} {
		if _, err := parseFraction(s); err == nil {
			t.Errorf("parseFraction(%q) accepted", s)
		}
	}
}

func BenchmarkSizeOf(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := SizeOf("STANDARD_NC24RS_V3"); !ok {
			b.Fatal("not found")
		}
	}
}
