package enrich

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"sync"
)

// Container Apps' workload profiles run on VMs it does not name:
// data/containerapps_profiles.csv gives each profile type the VM size of
// the same vCPUs, memory and GPUs, so that the size table judges it.
// The file is embedded and its every row tested (TestContainerAppsProfilesFile):
// one that did not parse would leave the table empty.
var profiles = sync.OnceValue(func() map[string]string {
	m, _ := readEmbedded("data/containerapps_profiles.csv", parseProfiles)
	return m
})

// ContainerAppsProfileSize returns the VM size a Container Apps workload
// profile type ("NC24-A100", "D8") runs on, "" for one not known.
// SizeOf asks it of every size: the key is folded on the stack (the map
// index does not allocate), not with strings.ToLower.
func ContainerAppsProfileSize(profile string) string {
	var buf [maxSizeKey]byte
	key := buf[:0]
	for _, c := range []byte(strings.TrimSpace(profile)) {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		key = append(key, c)
	}
	return profiles()[string(key)]
}

// parseProfiles reads the columns profile,size.
func parseProfiles(r io.Reader) (map[string]string, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = 2
	recs, err := cr.ReadAll()
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 || strings.Join(recs[0], ",") != "profile,size" {
		return nil, fmt.Errorf("want header profile,size")
	}
	out := make(map[string]string, len(recs)-1)
	for _, rec := range recs[1:] {
		out[strings.ToLower(rec[0])] = rec[1]
	}
	return out, nil
}
