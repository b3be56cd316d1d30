package enrich

import (
	"strconv"
	"strings"

	"github.com/mamori-sec/mamori/internal/event"
)

// Azure names its VM sizes by a pattern (Learn, "Virtual machine sizes
// overview", its naming conventions: family, sub-family, number of vCPUs,
// constrained vCPUs, additive features, accelerator type, version), so a
// size newer than data/vmsizes.csv still says its family
// and its vCPUs: Standard_ND128isr_B300_v7 is an N-series size of 128
// vCPUs. Read as unknown, a next-generation GPU size was neither GPU nor
// priced, and no GPU rule saw it.
const (
	// sizeFamilies are the first letters of the families Azure sells
	// (A, B, D, E, F, H, L, M, N; G is retired): a name starting
	// otherwise is no VM size the pattern can vouch for.
	sizeFamilies = "abdefhlmn"
	// gpuSubFamilies follow N in a GPU family (NC, ND, NG, NV, and NCC,
	// the confidential NC); NP is FPGA, not GPU. The quota rules match
	// GPU families the same way (n[cdgv]).
	gpuSubFamilies = "cdgv"
	// maxEstimatedVCPUs bounds a number read from a name: the largest
	// sizes today have under a thousand vCPUs (M-series, 896 and 832).
	maxEstimatedVCPUs = 2048
)

// estimateSize reads a size the table does not know from its name: vCPUs
// from the number after the family letters (the constrained count after a
// hyphen when there is one: E64-32ds has 32 active), GPUs of 1 ("at least
// one, how many unknown") for an N-series GPU family, marked Estimated.
// Only names with the "Standard_" prefix Azure gives every size it sells
// are read, and only of letters, digits, "_" and "-": a workload profile,
// an App Service SKU or an AML instance type is no VM size, and a name that
// does not fit the pattern is left unknown (ok false), as before.
func estimateSize(name string) (info event.SizeInfo, ok bool) {
	name = strings.TrimSpace(name)
	if len(name) < 10 || len(name) > maxSizeKey || !strings.EqualFold(name[:9], "standard_") {
		return info, false
	}
	rest := name[9:]
	for i := 0; i < len(rest); i++ {
		c := rest[i] | 0x20
		if !(c >= 'a' && c <= 'z' || rest[i] >= '0' && rest[i] <= '9' || rest[i] == '_' || rest[i] == '-') {
			return info, false
		}
	}
	letters := 0
	for letters < len(rest) && rest[letters]|0x20 >= 'a' && rest[letters]|0x20 <= 'z' {
		letters++
	}
	if letters == 0 || letters > 4 || !strings.ContainsRune(sizeFamilies, rune(rest[0]|0x20)) {
		return info, false
	}
	vcpus, end := leadingInt(rest[letters:])
	if end == 0 {
		return info, false
	}
	if tail := rest[letters+end:]; strings.HasPrefix(tail, "-") {
		if n, e := leadingInt(tail[1:]); e > 0 && n > 0 && n < vcpus {
			vcpus = n
		}
	}
	if vcpus <= 0 || vcpus > maxEstimatedVCPUs {
		return info, false
	}
	info = event.SizeInfo{Size: name, VCPUs: vcpus, Estimated: true}
	if rest[0]|0x20 == 'n' && letters >= 2 && strings.ContainsRune(gpuSubFamilies, rune(rest[1]|0x20)) {
		info.GPUs = 1
	}
	return info, true
}

// leadingInt reads the decimal digits s starts with (at most four) and
// how many bytes they take; 0, 0 when it starts with none.
func leadingInt(s string) (n, end int) {
	for end < len(s) && end < 5 && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	if end == 0 || end > 4 {
		return 0, 0
	}
	n, _ = strconv.Atoi(s[:end])
	return n, end
}
