package posture

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mamori-sec/mamori/internal/posture/capture"
)

func TestSortFindings(t *testing.T) {
	t.Parallel()
	in := []Finding{
		{Check: "posture.b", Status: Pass, Severity: "critical", Scope: "tenant"},
		{Check: "posture.a", Status: NotAssessed, Severity: "low", Scope: "tenant"},
		{Check: "posture.c", Status: Fail, Severity: "medium", Scope: "/subscriptions/2"},
		{Check: "posture.c", Status: Fail, Severity: "medium", Scope: "/subscriptions/1"},
		{Check: "posture.z", Status: Fail, Severity: "critical", Scope: "tenant"},
		{Check: "posture.a", Status: Fail, Severity: "medium", Scope: "tenant"},
	}
	SortFindings(in)
	var got []string
	for _, f := range in {
		got = append(got, string(f.Status)+" "+f.Check+" "+f.Scope)
	}
	want := []string{
		"fail posture.z tenant",
		"fail posture.a tenant",
		"fail posture.c /subscriptions/1",
		"fail posture.c /subscriptions/2",
		"not_assessed posture.a tenant",
		"pass posture.b tenant",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestScores(t *testing.T) {
	t.Parallel()
	f := []Finding{
		{Area: "rbac", Status: Pass, Severity: "high"},     // 4
		{Area: "rbac", Status: Fail, Severity: "critical"}, // 8
		{Area: "rbac", Status: NotAssessed, Severity: "low"},
		{Area: "identity", Status: Pass, Severity: "low"},
		{Area: "policy", Status: NotAssessed, Severity: "medium"},
	}
	want := []AreaScore{
		{Area: "identity", Score: 100, Passed: 1},
		{Area: "rbac", Score: 33, Passed: 1, Failed: 1, NotAssessed: 1},
		{Area: "policy", Score: -1, NotAssessed: 1},
	}
	if diff := cmp.Diff(want, Scores(f)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestRequirements: every check needs something, and every pattern is one
// Build reads and one with a documented permission.
func TestRequirements(t *testing.T) {
	t.Parallel()
	req := Requirements()
	if len(req) != len(Checks()) {
		t.Fatalf("%d requirements for %d checks", len(req), len(Checks()))
	}
	for name, pats := range req {
		if len(pats) == 0 {
			t.Errorf("%s needs nothing", name)
		}
		for _, p := range pats {
			if r, _ := readerFor(p); r == nil || r.pattern != p {
				t.Errorf("%s: %s is not a pattern Build reads", name, p)
			}
			if strings.HasPrefix(capture.Permission(p), "read access to") {
				t.Errorf("%s: %s has no permission named", name, p)
			}
		}
	}
	if !cmp.Equal(req["posture.quota.unused_headroom"], []string{capture.KeyComputeUsages}) {
		t.Errorf("quota requirements = %v", req["posture.quota.unused_headroom"])
	}
}

func TestWildcardMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern, action string
		want            bool
	}{
		{"*", "Microsoft.Compute/virtualMachines/write", true},
		{"Microsoft.Compute/*", "microsoft.compute/virtualmachines/write", true},
		{"Microsoft.Compute/*/write", "Microsoft.Compute/virtualMachines/write", true},
		{"*/write", "Microsoft.Compute/virtualMachines/write", true},
		{"*/read", "Microsoft.Compute/virtualMachines/write", false},
		{"Microsoft.Compute/virtualMachines/*", "Microsoft.Compute/virtualMachineScaleSets/write", false},
		{"Microsoft.Compute/virtualMachines*", "Microsoft.Compute/virtualMachineScaleSets/write", true},
		{"Microsoft.Network/*", "Microsoft.Compute/virtualMachines/write", false},
		{"", "x", false},
		{"**a*b*c", "xxaxxbxxc", true},
	}
	for _, tc := range tests {
		if got := anyActionMatch([]string{tc.pattern}, tc.action); got != tc.want {
			t.Errorf("%q ~ %q = %v, want %v", tc.pattern, tc.action, got, tc.want)
		}
	}
}

// TestGPUFamiliesMatchVMSizes keeps the embedded list equal to the GPU
// families of data/vmsizes.csv (which the hunt's enrichment uses).
func TestGPUFamiliesMatchVMSizes(t *testing.T) {
	t.Parallel()
	f, err := os.Open(filepath.Join("..", "..", "data", "vmsizes.csv"))
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	want := map[string]bool{}
	sc := bufio.NewScanner(f)
	header := true
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		if header {
			header = false
			continue
		}
		cols := strings.Split(line, ",")
		if len(cols) < 5 {
			t.Fatalf("vmsizes.csv line %q", line)
		}
		if gpus, err := strconv.ParseFloat(cols[2], 64); err == nil && gpus > 0 {
			want[familyKey(cols[4])] = true
		}
	}
	if diff := cmp.Diff(want, gpuFamilies); diff != "" {
		t.Errorf("gpufamilies.txt is stale; regenerate it (-csv +embedded):\n%s", diff)
	}
	cfg := DefaultConfig()
	if !cfg.IsGPUFamily("standardNCASv3_T4Family") || !cfg.IsGPUFamily("Standard NCASv3_T4 Family") || cfg.IsGPUFamily("standardDSv5Family") {
		t.Error("family spelling variants")
	}
}
