package mamori_test

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"io"
	"io/fs"
	"path"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/mamori-sec/mamori"
	"github.com/mamori-sec/mamori/internal/enrich"
)

// TestDataProvenance: every data file states where it comes from, in a
// "# source:" header or in a README.md of its folder or the folder above.
func TestDataProvenance(t *testing.T) {
	err := fs.WalkDir(mamori.Data, "data", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Base(p) == "README.md" {
			return err
		}
		b, err := fs.ReadFile(mamori.Data, p)
		if err != nil {
			return err
		}
		if strings.HasPrefix(string(b), "# source:") {
			return nil
		}
		dir := path.Dir(p)
		for _, readme := range []string{path.Join(dir, "README.md"), path.Join(path.Dir(dir), "README.md")} {
			if r, err := fs.ReadFile(mamori.Data, readme); err == nil &&
				(strings.Contains(string(r), path.Base(p)) || strings.Contains(string(r), path.Base(dir)+"/")) {
				return nil
			}
		}
		t.Errorf("%s: no \"# source:\" header and no README.md naming it", p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestDataLoads: the enrichment loader accepts every built-in file (it
// checks each row of the pool lists, ports, schemes and Service Tags).
func TestDataLoads(t *testing.T) {
	if _, err := enrich.Load(enrich.Options{}); err != nil {
		t.Fatal(err)
	}
}

// readCSV returns the rows of a built-in CSV after checking its header.
func readCSV(t *testing.T, name, header string) [][]string {
	t.Helper()
	f, err := mamori.Data.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comment = '#'
	recs, err := r.ReadAll() // also checks every row has the header's column count
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(recs) < 2 || strings.Join(recs[0], ",") != header {
		t.Fatalf("%s: want header %s and rows", name, header)
	}
	return recs[1:]
}

var sizeName = regexp.MustCompile(`^Standard_[A-Za-z0-9_-]+$`)

func TestVMSizesFile(t *testing.T) {
	rows := readCSV(t, "data/vmsizes.csv", "size,vcpus,gpus,gpu_model,family,verified,source")
	seen := map[string]bool{}
	for i, r := range rows {
		at := "data/vmsizes.csv row " + strconv.Itoa(i+1) + " (" + r[0] + ")"
		key := strings.ToLower(r[0])
		if seen[key] {
			t.Errorf("%s: duplicate size", at)
		}
		seen[key] = true
		if !sizeName.MatchString(r[0]) {
			t.Errorf("%s: bad size name", at)
		}
		if n, err := strconv.Atoi(r[1]); err != nil || n <= 0 {
			t.Errorf("%s: bad vcpus %q", at, r[1])
		}
		gpus := gpuCount(t, at, r[2])
		if (gpus > 0) != (r[3] != "") {
			t.Errorf("%s: gpus %s with gpu_model %q", at, r[2], r[3])
		}
		if strings.HasPrefix(r[0], "Standard_N") && !strings.HasPrefix(r[0], "Standard_NP") && gpus == 0 {
			t.Errorf("%s: an N-series size without GPUs", at)
		}
		if r[4] == "" || (r[5] != "true" && r[5] != "false") {
			t.Errorf("%s: family %q verified %q", at, r[4], r[5])
		}
		switch r[6] {
		case "skus", "learn", "learn+skus", "mamori":
		default:
			t.Errorf("%s: unknown source %q", at, r[6])
		}
	}
	// One size of every series the detections care about must be there.
	for _, s := range []string{
		"Standard_NC6", "Standard_NC6s_v2", "Standard_NC6s_v3", "Standard_NC4as_T4_v3", "Standard_NC24ads_A100_v4",
		"Standard_NC40ads_H100_v5", "Standard_NCC40ads_H100_v5", "Standard_ND6s", "Standard_ND40rs_v2",
		"Standard_ND96asr_v4", "Standard_ND96amsr_A100_v4", "Standard_ND96isr_H100_v5", "Standard_ND96isr_H200_v5",
		"Standard_ND96isr_MI300X_v5", "Standard_ND128isr_NDR_GB200_v6", "Standard_NV6", "Standard_NV12s_v3",
		"Standard_NV4as_v4", "Standard_NV6ads_A10_v5", "Standard_NG8ads_V620_v1", "Standard_NV4ads_V710_v5",
		"Standard_D64s_v3", "Standard_D96s_v5", "Standard_D96as_v5", "Standard_D96ds_v5", "Standard_E104is_v5",
		"Standard_F72s_v2", "Standard_FX48mds", "Standard_HB60rs", "Standard_HB120rs_v2", "Standard_HB120rs_v3",
		"Standard_HB176rs_v4", "Standard_HX176rs", "Standard_HC44rs", "Standard_M416ms_v2", "Standard_L80s_v3",
		"Standard_B20ms",
	} {
		if !seen[strings.ToLower(s)] {
			t.Errorf("data/vmsizes.csv lacks %s", s)
		}
	}
}

func gpuCount(t *testing.T, at, s string) float64 {
	num, den, frac := strings.Cut(s, "/")
	n, err := strconv.ParseFloat(num, 64)
	d := 1.0
	if frac {
		d, _ = strconv.ParseFloat(den, 64)
	}
	if err != nil || n < 0 || d <= 0 {
		t.Errorf("%s: bad gpus %q", at, s)
		return 0
	}
	return n / d
}

func TestPoolFiles(t *testing.T) {
	rows := readCSV(t, "data/mining/pools.csv", "indicator,match,ports,pool,confidence,sources")
	seen := map[string]bool{}
	for _, r := range rows {
		if seen[r[0]] {
			t.Errorf("pools.csv: %s listed twice", r[0])
		}
		seen[r[0]] = true
		for _, s := range strings.Split(r[5], ";") {
			// Only the permissively licensed sources of mining/README.md.
			if s != "adamyoung71" && s != "falco" && s != "sigmahq" {
				t.Errorf("pools.csv: %s has source %q", r[0], s)
			}
		}
	}
	parents := map[string]bool{}
	for _, r := range readCSV(t, "data/mining/shared_parents.csv", "domain,kind") {
		if parents[r[0]] {
			t.Errorf("shared_parents.csv: %s listed twice", r[0])
		}
		parents[r[0]] = true
	}
	ports := map[string][]string{}
	for _, r := range readCSV(t, "data/mining/ports.csv", "port,strength,pools,note") {
		if ports[r[0]] != nil {
			t.Errorf("ports.csv: %s listed twice", r[0])
		}
		ports[r[0]] = r
	}
	// ports.csv is generated from the reviewed pool ports: a review edited
	// without re-running the generator would not reach the hunts. A port
	// may be weaker in ports.csv (another review knows a shared service),
	// never stronger.
	for _, r := range readCSV(t, "data/mining/pool_ports.csv", "port,strength,pools,note") {
		got := ports[r[0]]
		switch {
		case got == nil:
			t.Errorf("pool_ports.csv: port %s is not in ports.csv; re-run go run ./internal/enrich/gen pools", r[0])
		case got[1] == "strong" && r[1] != "strong":
			t.Errorf("pool_ports.csv: port %s is %s, ports.csv says strong", r[0], r[1])
		case got[2] != r[2] || got[3] != r[3]:
			t.Errorf("pool_ports.csv: port %s pools %q, note %q; ports.csv has %q, %q", r[0], r[2], r[3], got[2], got[3])
		}
	}
	for _, name := range []string{"data/mining/browser_mining.txt", "data/mining/miners.txt", "data/mining/stratum.txt"} {
		lines := readList(t, name)
		if len(lines) == 0 {
			t.Errorf("%s is empty", name)
		}
		seen := map[string]bool{}
		for _, l := range lines {
			if seen[strings.TrimPrefix(l, "*.")] {
				t.Errorf("%s: %s listed twice", name, l)
			}
			seen[strings.TrimPrefix(l, "*.")] = true
		}
	}
}

func readList(t *testing.T, name string) []string {
	t.Helper()
	f, err := mamori.Data.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if s := strings.TrimSpace(sc.Text()); s != "" && !strings.HasPrefix(s, "#") {
			out = append(out, s)
		}
	}
	return out
}

func TestServiceTagsFiles(t *testing.T) {
	names, err := fs.Glob(mamori.Data, "data/servicetags/ServiceTags_*.json.gz")
	if err != nil || len(names) == 0 {
		t.Fatal("no Service Tags file")
	}
	for _, name := range names {
		f, err := mamori.Data.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b, err := io.ReadAll(zr)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var doc struct {
			ChangeNumber int    `json:"changeNumber"`
			Cloud        string `json:"cloud"`
			Values       []struct {
				Name       string `json:"name"`
				Properties struct {
					AddressPrefixes []string `json:"addressPrefixes"`
				} `json:"properties"`
			} `json:"values"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		names := map[string]bool{}
		for _, v := range doc.Values {
			if names[v.Name] {
				t.Errorf("%s: tag %s twice", name, v.Name)
			}
			names[v.Name] = true
		}
		if doc.ChangeNumber <= 0 || doc.Cloud == "" || !names["AzureCloud"] || !names["AzureCloud.eastus"] {
			t.Errorf("%s: changeNumber %d, cloud %q, %d tags", name, doc.ChangeNumber, doc.Cloud, len(doc.Values))
		}
	}
}

// Every App Service plan SKU is listed once and runs on a size the size
// table knows with the SKU's vCPUs (enrich.AppServicePlanSize reads this
// file). No SKU is also a VM size or a Container Apps profile type: the
// two platform tables are looked up as one, before the VM sizes.
func TestAppServicePlansFile(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range readCSV(t, "data/appservice_plans.csv", "sku,vcpus,memory_gib,size,verified") {
		at := "appservice_plans.csv: " + r[0]
		if seen[strings.ToLower(r[0])] {
			t.Errorf("%s listed twice", at)
		}
		seen[strings.ToLower(r[0])] = true
		vcpus, err := strconv.Atoi(r[1])
		if err != nil || vcpus <= 0 {
			t.Errorf("%s: bad vcpus %q", at, r[1])
		}
		if m, err := strconv.ParseFloat(r[2], 64); err != nil || m <= 0 {
			t.Errorf("%s: bad memory_gib %q", at, r[2])
		}
		if r[4] != "true" && r[4] != "false" {
			t.Errorf("%s: verified %q, want true or false", at, r[4])
		}
		if info, ok := enrich.SizeOf(r[3]); !ok || info.VCPUs != vcpus || enrich.AppServicePlanSize(r[0]) != r[3] {
			t.Errorf("%s runs on %s, which the size table does not know with %d vCPUs (%+v)", at, r[3], vcpus, info)
		}
		// Listed in the size table, not estimated from a name that looks
		// like one (enrich.estimateSize reads "Standard_B2" as 2 vCPUs).
		if info, ok := enrich.SizeOf("Standard_" + r[0]); ok && !info.Estimated || enrich.ContainerAppsProfileSize(r[0]) != "" {
			t.Errorf("%s is also a VM size or a Container Apps profile type", at)
		}
	}
}

// Every Container Apps profile type is listed once and runs on a size the
// size table knows (enrich.ContainerAppsProfileSize reads this file).
func TestContainerAppsProfilesFile(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range readCSV(t, "data/containerapps_profiles.csv", "profile,size") {
		if seen[strings.ToLower(r[0])] {
			t.Errorf("containerapps_profiles.csv: %s listed twice", r[0])
		}
		seen[strings.ToLower(r[0])] = true
		if _, ok := enrich.SizeOf(r[1]); !ok || enrich.ContainerAppsProfileSize(r[0]) != r[1] {
			t.Errorf("containerapps_profiles.csv: %s runs on %s, which the size table does not know", r[0], r[1])
		}
	}
}

// Every Synapse Spark node size is listed once, runs on a size the size
// table knows, and is no VM size, Container Apps profile type or App
// Service plan SKU: its name alone is the key PlatformSize looks up.
func TestSynapseNodesFile(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range readCSV(t, "data/synapse_nodes.csv", "node_size,size") {
		if seen[strings.ToLower(r[0])] {
			t.Errorf("synapse_nodes.csv: %s listed twice", r[0])
		}
		seen[strings.ToLower(r[0])] = true
		if _, ok := enrich.SizeOf(r[1]); !ok || enrich.SynapseNodeSize(r[0]) != r[1] || enrich.PlatformSize(r[0]) != r[1] {
			t.Errorf("synapse_nodes.csv: %s runs on %s, which the size table does not know", r[0], r[1])
		}
		if _, ok := enrich.SizeOf("Standard_" + r[0]); ok || enrich.ContainerAppsProfileSize(r[0]) != "" || enrich.AppServicePlanSize(r[0]) != "" {
			t.Errorf("synapse_nodes.csv: %s is also a VM size, a Container Apps profile type or an App Service plan SKU", r[0])
		}
	}
}
