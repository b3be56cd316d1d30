package enrich

import "testing"

// A size newer than the table reads from its name: a next-generation GPU
// size is a GPU size (how many GPUs unknown, so at least one), a CPU
// size has the vCPUs its name says; both are marked estimated. Names that
// are no "Standard_" VM size stay unknown.
func TestSizeOfEstimatesASizeTheTableLacks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, size string
		vcpus      int
		gpus       float64
	}{
		{"future ND GPU size", "Standard_ND128isr_B300_v7", 128, 1},
		{"future NC GPU size, lower case", "standard_nc80adis_b200_v7", 80, 1},
		{"future NV GPU size", "Standard_NV48ads_X900_v6", 48, 1},
		{"future confidential NCC size", "Standard_NCC96ads_H200_v6", 96, 1},
		{"future NG size", "Standard_NG64ads_V900_v2", 64, 1},
		{"future CPU size", "Standard_F192as_v8", 192, 0},
		{"constrained vCPUs", "Standard_E128-32ds_v8", 32, 0},
		{"FPGA NP is no GPU", "Standard_NP80s_v2", 80, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := SizeOf(tt.size)
			if !ok || !got.Estimated || got.VCPUs != tt.vcpus || got.GPUs != tt.gpus || got.Size != tt.size {
				t.Errorf("SizeOf(%q) = %+v, %v; want estimated, %d vCPUs, %g GPUs", tt.size, got, ok, tt.vcpus, tt.gpus)
			}
		})
	}
	// A size the table knows is never estimated.
	if got, _ := SizeOf("Standard_ND96isr_H100_v5"); got.Estimated || got.GPUs != 8 {
		t.Errorf("a known size: %+v", got)
	}
	for _, s := range []string{"Mix", "Standard_Mix", "Standard_ZZ99_v9", "NC6s_v3_extra", "ND128isr_B300_v7",
		"Standard_ND", "Standard_ND99999s", "Standard_ND0s", "Standard_ND96 isr", "Standard_ND96isr_\u00e9", "P9zv9", "Basic_A9"} {
		if got, ok := SizeOf(s); ok {
			t.Errorf("SizeOf(%q) = %+v, want not found", s, got)
		}
	}
}

// FuzzSizeOf: any name, the caller's text, is looked up without a panic,
// and an estimate stays within what a name can say.
func FuzzSizeOf(f *testing.F) {
	for _, s := range []string{"Standard_ND128isr_B300_v7", "Standard_E128-32ds_v8", "Standard_NCC96ads_H200_v6", "Standard_N", "Standard_A0000",
		"Standard_M99999", "standard_nd1-", "Standard_ND96isr_H100_v5", "Mix", "STANDARD_Nv9999-9999", "Standard_\xff1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		info, ok := SizeOf(name)
		if !ok || !info.Estimated {
			return
		}
		if info.VCPUs <= 0 || info.VCPUs > maxEstimatedVCPUs || (info.GPUs != 0 && info.GPUs != 1) || info.Family != "" || info.GPUModel != "" {
			t.Errorf("SizeOf(%q) = %+v", name, info)
		}
	})
}
