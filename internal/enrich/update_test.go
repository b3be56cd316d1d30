package enrich

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mamori-sec/mamori/internal/samples"
)

// tagsJSON builds a small Service Tags file: one regional tag over one range.
func tagsJSON(change int, cloud, prefix string) string {
	return `{"changeNumber": ` + strconv.Itoa(change) + `, "cloud": "` + cloud + `", "values": [
	  {"name": "AzureCloud.testregion", "id": "AzureCloud.testregion",
	   "properties": {"changeNumber": 1, "region": "testregion", "platform": "Azure", "systemService": "",
	                  "addressPrefixes": ["` + prefix + `"]}}]}`
}

func TestUpdateServiceTagsRealFile(t *testing.T) {
	t.Parallel()
	_, real, err := readEmbeddedTags()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	sum, err := Update(dir, "servicetags", bytes.NewReader(real))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sum, "changeNumber 375") || !strings.Contains(sum, "cloud Public") {
		t.Errorf("summary %q", sum)
	}
	e, err := Load(Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.IP(netip.MustParseAddr("40.71.0.1")); got.Region != "eastus" {
		t.Errorf("after update, IP = %+v", got)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != userTagsFile {
		t.Errorf("data folder holds %v, want only %s", entries, userTagsFile)
	}
}

func TestUpdateServiceTagsPrecedenceAndAge(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := Update(dir, "servicetags", strings.NewReader(tagsJSON(900, "Public", "198.51.100.0/24"))); err != nil {
		t.Fatal(err)
	}
	e, err := Load(Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.IP(netip.MustParseAddr("198.51.100.1")); got.Region != "testregion" || !got.Azure {
		t.Errorf("installed file not used: %+v", got)
	}
	if got := e.IP(netip.MustParseAddr("40.71.0.1")); got.Azure {
		t.Errorf("built-in file still used: %+v", got)
	}
	// The built-in file (375) is now older than the one in use (900).
	_, real, _ := readEmbeddedTags()
	_, err = Update(dir, "servicetags", bytes.NewReader(real))
	if err == nil || !strings.Contains(err.Error(), "changeNumber 375 is older than the 900 in use") {
		t.Fatalf("older file: err %v", err)
	}
	_, err = Update(dir, "servicetags", strings.NewReader(tagsJSON(950, "China", "198.51.100.0/24")))
	if err == nil || !strings.Contains(err.Error(), "China cloud") {
		t.Fatalf("other cloud: err %v", err)
	}
	if _, err := Update(dir, "servicetags", bytes.NewReader(real), Force); err != nil {
		t.Fatalf("forced: %v", err)
	}
	e, err = Load(Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.IP(netip.MustParseAddr("40.71.0.1")); got.Region != "eastus" {
		t.Errorf("forced install not used: %+v", got)
	}
}

func TestUpdateServiceTagsRejects(t *testing.T) {
	t.Parallel()
	good := `{"name": "A", "properties": {"region": "", "systemService": "", "addressPrefixes": ["10.0.0.0/8"]}}`
	tests := []struct{ name, in, want string }{
		{"not JSON", "<html>", "not JSON"},
		{"no changeNumber", `{"cloud": "Public", "values": []}`, "no numeric changeNumber"},
		{"changeNumber as a string", `{"changeNumber": "375", "cloud": "Public", "values": []}`, "no numeric changeNumber"},
		{"no cloud", `{"changeNumber": 999, "values": []}`, "no cloud"},
		{"values not an array", `{"changeNumber": 999, "cloud": "Public", "values": {}}`, "no values array"},
		{"a value without a name", `{"changeNumber": 999, "cloud": "Public", "values": [{"properties": {}}]}`, "values[0]: no name"},
		{"a value without prefixes", `{"changeNumber": 999, "cloud": "Public", "values": [` + good + `, {"name": "B", "properties": {}}]}`, `values[1] ("B"): no properties.addressPrefixes array`},
		{"a bad prefix", `{"changeNumber": 999, "cloud": "Public", "values": [` + good + `, {"name": "B", "properties": {"addressPrefixes": ["1.2.3.0/24", "10.0.0.0/40"]}}]}`, `values[1] ("B"): addressPrefixes[1]: bad prefix "10.0.0.0/40"`},
		{"a number as prefix", `{"changeNumber": 999, "cloud": "Public", "values": [{"name": "B", "properties": {"addressPrefixes": [7]}}]}`, `addressPrefixes[0] is not a string`},
		{"no prefixes at all", `{"changeNumber": 999, "cloud": "Public", "values": []}`, "no address prefixes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			_, err := Update(dir, "servicetags", strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v, want %q", err, tt.want)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("a rejected file left %v", entries)
			}
		})
	}
}

func TestUpdatePools(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	list := "# our own finds\n*.evilpool.example\nminer.badhost.example  # seen 2026-05\nfoo.duckdns.org\n203.0.113.9\n"
	sum, err := Update(dir, "pools", strings.NewReader(list))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sum, "installed 4 mining-pool indicators") {
		t.Errorf("summary %q", sum)
	}
	e, err := Load(Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]bool{
		"evilpool.example": true, "eu.evilpool.example": true, "miner.badhost.example": true,
		"other.badhost.example": false, "foo.duckdns.org": true, "bar.duckdns.org": false,
		"pool.supportxmr.com": true, // the built-in lists still apply
	} {
		if _, ok := e.PoolDomain(q); ok != want {
			t.Errorf("PoolDomain(%q) = %v, want %v", q, ok, want)
		}
	}
	if m, ok := e.PoolEndpoint(netip.MustParseAddr("203.0.113.9"), 80); !ok || m.Kind != KindIP {
		t.Errorf("installed address: %+v, %v", m, ok)
	}
	// The CSV form replaces the earlier update.
	csv := "indicator,match,ports,pool,confidence,sources\nother.example,exact,3333,Other,candidate,me\n"
	if _, err := Update(dir, "pools", strings.NewReader(csv)); err != nil {
		t.Fatal(err)
	}
	e, err = Load(Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if m, ok := e.PoolDomain("other.example"); !ok || m.Kind != KindCandidate || m.Pool != "Other" {
		t.Errorf("CSV entry: %+v, %v", m, ok)
	}
	if _, ok := e.PoolDomain("evilpool.example"); ok {
		t.Error("the earlier pools update still applies")
	}
}

func TestUpdatePoolsRejects(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"a dyn-DNS parent", "good.example\nduckdns.org\n", "line 2: duckdns.org is a shared parent domain (dyndns)"},
		{"a suffix below a dyn-DNS parent", "*.foo.duckdns.org\n", "line 1: foo.duckdns.org is below the dyndns parent duckdns.org"},
		{"a public suffix", "*.co.uk\n", "line 1: co.uk is a shared parent domain (suffix)"},
		{"a single label", "*.com\n", `line 1: "com" is not a host name`},
		{"not a host name", "ok.example\n\nbad host.example\n", `line 3: "bad host.example" is not a host name`},
		{"a private address", "10.1.2.3\n", `line 1: "10.1.2.3": not a public unicast address`},
		{"a suffix address", "*.1.2.3.4\n", `line 1: "1.2.3.4": an IP address cannot be a suffix`},
		{"nothing", "# empty\n\n", "no entries"},
		{"CSV with a bad match", "indicator,match,ports,pool,confidence,sources\na.example,exact,,,confirmed,\nb.example,prefix,,,confirmed,\n", `line 3: match must be exact or suffix, not "prefix"`},
		{"CSV with a bad port", "indicator,match,ports,pool,confidence,sources\na.example,exact,3333;99999,,confirmed,\n", `line 2: bad port "99999"`},
		{"CSV with a bad confidence", "indicator,match,ports,pool,confidence,sources\na.example,exact,,,sure,\n", `line 2: confidence must be`},
		{"CSV with a missing column", "indicator,match,ports,pool,confidence,sources\na.example,exact,,\n", "line 2"},
		{"CSV with another header", "indicator,match,ports\n", "want header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			_, err := Update(dir, "pools", strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v, want %q", err, tt.want)
			}
			if _, err := os.Stat(filepath.Join(dir, userPoolsFile)); err == nil {
				t.Error("a rejected list was installed")
			}
		})
	}
}

func TestUpdateArguments(t *testing.T) {
	t.Parallel()
	if _, err := Update(t.TempDir(), "coins", strings.NewReader("")); err == nil || !strings.Contains(err.Error(), `unknown intel kind "coins"`) {
		t.Errorf("unknown kind: %v", err)
	}
	if _, err := Update("", "pools", strings.NewReader("a.example\n")); err == nil {
		t.Error("empty data folder accepted")
	}
}

func TestLoadReportsBrokenUserFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, userPoolsFile), []byte("indicator,match,ports,pool,confidence,sources\nduckdns.org,exact,,,confirmed,\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(Options{DataDir: dir})
	if err == nil || !strings.Contains(err.Error(), userPoolsFile) || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("Load error %v", err)
	}
	dir = t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, userTagsFile), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(Options{DataDir: dir}); err == nil || !strings.Contains(err.Error(), userTagsFile) {
		t.Errorf("Load error %v", err)
	}
}

// TestUpdateChinaCloud installs Microsoft's real Azure China file from the
// shared corpus: refused as another cloud, accepted with Force.
func TestUpdateChinaCloud(t *testing.T) {
	t.Parallel()
	china, err := os.ReadFile(samples.File(t, "intel/ServiceTags_China_20260720.json"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := Update(dir, "servicetags", bytes.NewReader(china)); err == nil || !strings.Contains(err.Error(), "China cloud") {
		t.Fatalf("err %v, want a cloud refusal", err)
	}
	sum, err := Update(dir, "servicetags", bytes.NewReader(china), Force)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sum, "cloud China") {
		t.Errorf("summary %q", sum)
	}
	e, err := Load(Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.IP(netip.MustParseAddr("40.71.0.1")); got.Azure {
		t.Errorf("public address still Azure with the China file: %+v", got)
	}
}
