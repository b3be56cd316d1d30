package posture

import (
	"strings"
	"testing"

	"github.com/mamori-sec/mamori/internal/posture/capture"
)

// vmCapture is the fixture tenant with its two VM lists replaced by the
// pages given (each list may span pages, as the API pages them).
func vmCapture(t *testing.T, plain, status []string) *capture.Capture {
	t.Helper()
	c := loadTenant(t, "tenant-good")
	for key, pages := range map[string][]string{
		capture.Key(capture.KeyVirtualMachines, subProd):        plain,
		capture.Key(capture.KeyVirtualMachineStatuses, subProd): status,
	} {
		ds := &capture.Dataset{Key: key, Status: capture.OK}
		for _, p := range pages {
			ds.Pages = append(ds.Pages, []byte(p))
		}
		c.Datasets[key] = ds
	}
	return c
}

const vmPrefix = `/subscriptions/` + subProd + `/resourceGroups/ml/providers/Microsoft.Compute/virtualMachines/`

// listed is a VM list item (VirtualMachine) of a size.
func listed(name, location, size string) string {
	return `{"id":"` + vmPrefix + name + `","name":"` + name + `","type":"Microsoft.Compute/virtualMachines","location":"` + location +
		`","properties":{"vmId":"6a1e0c1e-0000-4000-8000-000000000001","hardwareProfile":{"vmSize":"` + size + `"},"provisioningState":"Succeeded"}}`
}

// powered is a statusOnly item (its instance view) in a power state.
func powered(name, location, power string) string {
	return `{"id":"` + vmPrefix + name + `","name":"` + name + `","type":"Microsoft.Compute/virtualMachines","location":"` + location +
		`","properties":{"instanceView":{"statuses":[{"code":"ProvisioningState/succeeded","level":"Info","displayStatus":"Provisioning succeeded"},` +
		`{"code":"PowerState/` + power + `","level":"Info","displayStatus":"VM ` + power + `"}]}}}`
}

func list(items ...string) string { return `{"value":[` + strings.Join(items, ",") + `]}` }

// TestVMListsJoinByID: the parser joins the VM list and its statusOnly
// twin (read over two pages, IDs in another casing) into one VM each.
func TestVMListsJoinByID(t *testing.T) {
	t.Parallel()
	c := vmCapture(t,
		[]string{list(listed("gpu-1", "East US", "Standard_ND96asr_v4"))},
		[]string{list(), list(strings.ReplaceAll(powered("gpu-1", "eastus", "deallocated"), "/resourceGroups/ml/", "/resourcegroups/ML/"))})
	sub := build(t, c).Subscriptions[subProd]
	if len(sub.VMs) != 1 {
		t.Fatalf("VMs = %v; want the two lists joined into one", sub.VMs)
	}
	for _, v := range sub.VMs {
		if v.Name != "gpu-1" || v.Location != "eastus" || v.Size != "Standard_ND96asr_v4" || v.Power != "deallocated" || !v.Listed || !v.StatusListed {
			t.Errorf("VM = %+v", v)
		}
	}
}

// TestDormantCapacity: only a deallocated VM with GPUs or high_core_limit
// vCPUs counts. A running one is in use, a small one is no prize, and a
// stopped one (still allocated, still billed) is running cost already,
// not dormant capacity.
func TestDormantCapacity(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		plain, status []string
		status_       Status
		summary       string
		evidence      []string
	}{
		{"deallocated GPU VM", []string{list(listed("gpu-1", "eastus", "Standard_ND96asr_v4"))},
			[]string{list(powered("gpu-1", "eastus", "deallocated"))}, Fail,
			"1 deallocated GPU or high-core VM, each one start action from running: 8 GPUs, 96 vCPUs, $27.20/h if started",
			[]string{"ml/gpu-1: Standard_ND96asr_v4 in eastus (8 GPUs, 96 vCPUs), deallocated; $27.20/h if started"}},
		{"running GPU VM", []string{list(listed("gpu-1", "eastus", "Standard_ND96asr_v4"))},
			[]string{list(powered("gpu-1", "eastus", "running"))}, Pass, "no deallocated GPU VM or VM of 100+ vCPUs among 1 VM", nil},
		{"stopped, still allocated GPU VM", []string{list(listed("gpu-1", "eastus", "Standard_NC24ads_A100_v4"))},
			[]string{list(powered("gpu-1", "eastus", "stopped"))}, Pass, "no deallocated", nil},
		{"deallocated small VM", []string{list(listed("web-1", "eastus", "Standard_D4s_v5"))},
			[]string{list(powered("web-1", "eastus", "deallocated"))}, Pass, "no deallocated", nil},
		{"deallocated high-core VM, no GPU", []string{list(listed("hpc-1", "eastus", "Standard_HB120rs_v3"))},
			[]string{list(powered("hpc-1", "eastus", "deallocated"))}, Fail, "120 vCPUs, $3.60/h", nil},
		{"GPU VM with no power state", []string{list(listed("gpu-1", "eastus", "Standard_ND96asr_v4"))},
			[]string{list()}, NotAssessed, "not assessed: 1 VM whose size or power state was not read not judged",
			[]string{"ml/gpu-1: Standard_ND96asr_v4: no power state in the statusOnly list, not judged"}},
		{"deallocated VM missing from the VM list", []string{list()},
			[]string{list(powered("gpu-1", "eastus", "deallocated"))}, NotAssessed, "not assessed",
			[]string{"ml/gpu-1: deallocated, size unknown (not in the VM list), not judged"}},
		{"a failure stands beside what was not judged",
			[]string{list(listed("gpu-1", "eastus", "Standard_ND96asr_v4"), listed("gpu-2", "eastus", "Standard_ND96asr_v4"))},
			[]string{list(powered("gpu-1", "eastus", "deallocated"))}, Fail, "; 1 VM whose size or power state was not read not judged", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := findingFor(t, Run(build(t, vmCapture(t, tc.plain, tc.status)), testConfig()), "posture.quota.dormant_capacity", prodScope)
			if f.Status != tc.status_ || !strings.Contains(f.Summary, tc.summary) {
				t.Errorf("%s: %s; want %s containing %q", f.Status, f.Summary, tc.status_, tc.summary)
			}
			for _, want := range tc.evidence {
				found := false
				for _, e := range f.Evidence {
					found = found || e.Text() == want
				}
				if !found {
					t.Errorf("no evidence %q in %v", want, f.Evidence)
				}
			}
			if tc.status_ == Pass && len(f.Evidence) != 0 {
				t.Errorf("a pass with evidence: %v", f.Evidence)
			}
		})
	}
}

// TestDormantCapacityNeedsBothLists: without the statusOnly list there is
// no telling a deallocated VM from a running one, and without the VM list
// no size: either denied leaves the check not assessed, never "none".
func TestDormantCapacityNeedsBothLists(t *testing.T) {
	t.Parallel()
	for _, key := range []string{capture.KeyVirtualMachines, capture.KeyVirtualMachineStatuses} {
		c := loadTenant(t, "tenant-good", "tenant-bad")
		deny(c, "Microsoft.Compute/virtualMachines/read", capture.Key(key, subProd))
		f := findingFor(t, Run(build(t, c), testConfig()), "posture.quota.dormant_capacity", prodScope)
		if f.Status != NotAssessed || !strings.Contains(f.Summary, "missing permission Microsoft.Compute/virtualMachines/read") {
			t.Errorf("%s denied: %s: %s", key, f.Status, f.Summary)
		}
		c = loadTenant(t, "tenant-good", "tenant-bad")
		delete(c.Datasets, capture.Key(key, subProd))
		f = findingFor(t, Run(build(t, c), testConfig()), "posture.quota.dormant_capacity", prodScope)
		if f.Status != NotAssessed || !strings.Contains(f.Summary, "not collected") {
			t.Errorf("%s not collected: %s: %s", key, f.Status, f.Summary)
		}
	}
}
