package enrich

import (
	"encoding/csv"
	"fmt"
	"io"
	"maps"
	"strings"
	"sync"

	"github.com/mamori-sec/mamori"
)

// Container Apps' workload profiles and App Service plans run on VMs
// they do not name: data/containerapps_profiles.csv and
// data/appservice_plans.csv give each profile type and plan SKU the VM
// size of the same vCPUs, memory and GPUs, so that the size table judges
// it. The files are embedded and their every row tested
// (TestContainerAppsProfilesFile, TestAppServicePlansFile): one that did
// not parse would leave its table empty.
var (
	profiles = sync.OnceValue(func() map[string]string {
		m, _ := mamori.ReadData("data/containerapps_profiles.csv", parseProfiles)
		return m
	})
	planSKUs = sync.OnceValue(func() map[string]string {
		m, _ := mamori.ReadData("data/appservice_plans.csv", parsePlanSKUs)
		return m
	})
	// synapseNodes are Synapse Spark pools' node sizes
	// (data/synapse_nodes.csv): Small to XXXLarge, as the E-series VM of
	// the same vCores and memory.
	synapseNodes = sync.OnceValue(func() map[string]string {
		m, _ := mamori.ReadData("data/synapse_nodes.csv", parseSynapseNodes)
		return m
	})
	// platforms is every such table in one, so that SizeOf pays one look-up
	// for a name that is neither (nearly every size it is asked). The
	// data test keeps their names apart.
	platforms = sync.OnceValue(func() map[string]string {
		m := maps.Clone(planSKUs())
		maps.Copy(m, profiles())
		maps.Copy(m, synapseNodes())
		return m
	})
)

// ContainerAppsProfileSize returns the VM size a Container Apps workload
// profile type ("NC24-A100", "D8") runs on, "" for one not known.
func ContainerAppsProfileSize(profile string) string {
	return lookupFolded(profiles(), profile)
}

// AppServicePlanSize returns the VM size of an App Service plan SKU's
// workers ("P5mv3": 32 vCPUs and 256 GiB, as Standard_E32s_v5), "" for a
// SKU not known or one with no workers of its own (Free, Shared,
// Consumption).
func AppServicePlanSize(sku string) string {
	return lookupFolded(planSKUs(), sku)
}

// SynapseNodeSize returns the VM size of a Synapse Spark pool's
// memory-optimized node size ("XXLarge": 64 vCores and 432 GB, as
// Standard_E64s_v3), "" for one not known.
func SynapseNodeSize(node string) string {
	return lookupFolded(synapseNodes(), node)
}

// PlatformSize returns the VM size a Container Apps profile type, an
// App Service plan SKU or a Synapse node size runs on, "" for a name that
// is none of them. SizeOf and
// the prices ask it of every size.
func PlatformSize(name string) string {
	return lookupFolded(platforms(), name)
}

// lookupFolded looks name up in m, lower case and trimmed: the key is
// folded on the stack (the map index does not allocate), not with
// strings.ToLower.
func lookupFolded(m map[string]string, name string) string {
	var buf [maxSizeKey]byte
	key := buf[:0]
	for _, c := range []byte(strings.TrimSpace(name)) {
		if len(key) == len(buf) {
			return "" // no platform name is this long
		}
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		key = append(key, c)
	}
	return m[string(key)]
}

// parseProfiles reads the columns profile,size.
func parseProfiles(r io.Reader) (map[string]string, error) {
	return parseSizeMap(r, "profile,size", 2, 1)
}

// parseSynapseNodes reads the columns node_size,size.
func parseSynapseNodes(r io.Reader) (map[string]string, error) {
	return parseSizeMap(r, "node_size,size", 2, 1)
}

// parsePlanSKUs reads the columns sku,vcpus,memory_gib,size,verified: the
// vCPUs and memory are there for the data test to check the size against.
func parsePlanSKUs(r io.Reader) (map[string]string, error) {
	return parseSizeMap(r, "sku,vcpus,memory_gib,size,verified", 5, 3)
}

// parseSizeMap reads a CSV of header's columns into a map from its first
// column, lower case, to its column sizeCol.
func parseSizeMap(r io.Reader, header string, columns, sizeCol int) (map[string]string, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = columns
	recs, err := cr.ReadAll()
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 || strings.Join(recs[0], ",") != header {
		return nil, fmt.Errorf("want header %s", header)
	}
	out := make(map[string]string, len(recs)-1)
	for _, rec := range recs[1:] {
		out[strings.ToLower(rec[0])] = rec[sizeCol]
	}
	return out, nil
}
