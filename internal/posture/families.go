package posture

import (
	_ "embed"
	"strings"
)

// gpuFamiliesText is the GPU family list, derived from data/vmsizes.csv so
// the hunt's VM-size table and the quota check agree on what is a GPU.
//
//go:embed gpufamilies.txt
var gpuFamiliesText string

// gpuFamilies is the embedded list, normalised by familyKey.
var gpuFamilies = parseFamilies(gpuFamiliesText)

// parseFamilies reads one family per line, skipping comments and blanks.
func parseFamilies(text string) map[string]bool {
	out := map[string]bool{}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out[familyKey(line)] = true
	}
	return out
}

// familyKey normalises a quota family name for comparison: the APIs write
// the same family as "Standard NCASv3_T4 Family" and
// "standardNCASv3_T4Family", so case and spaces are dropped.
func familyKey(name string) string {
	return strings.ToLower(strings.ReplaceAll(name, " ", ""))
}

// IsGPUFamily reports whether a quota family (a usage's name.value) holds
// GPU sizes, by the embedded list or the config's extra families.
func (c *Config) IsGPUFamily(name string) bool {
	k := familyKey(name)
	if gpuFamilies[k] {
		return true
	}
	for _, f := range c.Quota.ExtraGPUFamilies {
		if familyKey(f) == k {
			return true
		}
	}
	return false
}
