package enrich

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/mamori-sec/mamori"
)

// Container Apps' workload profiles run on VMs it does not name:
// data/containerapps_profiles.csv gives each profile type the VM size of
// the same vCPUs, memory and GPUs, so that the size table judges it.
// The file is embedded and its every row tested (TestContainerAppsProfilesFile):
// one that did not parse would leave the table empty.
var profiles = sync.OnceValue(func() map[string]string {
	f, err := mamori.Data.Open("data/containerapps_profiles.csv")
	if err != nil {
		return nil
	}
	defer f.Close()
	m, _ := parseProfiles(f)
	return m
})

// ContainerAppsProfileSize returns the VM size a Container Apps workload
// profile type ("NC24-A100", "D8") runs on, "" for one not known.
func ContainerAppsProfileSize(profile string) string {
	return profiles()[strings.ToLower(strings.TrimSpace(profile))]
}

// parseProfiles reads the columns profile,size.
func parseProfiles(r io.Reader) (map[string]string, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = 2
	head, err := cr.Read()
	if err != nil {
		return nil, err
	}
	if strings.Join(head, ",") != "profile,size" {
		return nil, fmt.Errorf("data/containerapps_profiles.csv: unexpected header %q", strings.Join(head, ","))
	}
	out := map[string]string{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("data/containerapps_profiles.csv: %w", err)
		}
		out[strings.ToLower(rec[0])] = rec[1]
	}
}
