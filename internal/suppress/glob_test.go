package suppress

import (
	"testing"

	"github.com/mamori-sec/mamori/internal/glob"
)

func TestGlobMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pat, s string
		want   bool
	}{
		{"azure.compute.*", "azure.compute.gpu_vm_created", true},
		{"azure.compute.*", "azure.compute.", true},
		{"azure.compute.*", "azure.computer.x", false},
		{"azure.*", "azure.compute.gpu_vm_created", true},
		{"*.gpu_*", "azure.compute.gpu_vm_created", true},
		{"*created", "azure.compute.gpu_vm_created", true},
		{"*created", "azure.compute.gpu_vm_created_again", false},
		{"a*b*c", "aXbYbZc", true},
		{"a*b*c", "aXbYcZ", false},
		{"exact", "exact", true},
		{"exact", "exactly", false},
		{"", "", true},
		{"*", "", true},
	}
	for _, tt := range tests {
		if got := glob.Match(tt.pat, tt.s); got != tt.want {
			t.Errorf("glob.Match(%q, %q) = %v, want %v", tt.pat, tt.s, got, tt.want)
		}
	}
}

func TestMatchResource(t *testing.T) {
	t.Parallel()
	const id = "/subscriptions/s1/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm1"
	tests := []struct {
		name, pat, id string
		want          bool
	}{
		{"exact id", id, id, true},
		{"exact id with a trailing slash in the pattern", id + "/", id, true},
		{"** at the end takes the rest", "/subscriptions/s1/**", id, true},
		{"** alone in the middle takes several segments", "/subscriptions/s1/**/vm1", id, true},
		{"** takes zero segments", "/subscriptions/s1/**/resourcegroups/rg/**", "/subscriptions/s1/resourcegroups/rg/x", true},
		{"two ** in one pattern", "/**/resourcegroups/**/virtualmachines/*", id, true},
		{"* takes exactly one segment", "/subscriptions/*/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm1", id, true},
		{"* does not take two segments", "/subscriptions/*/providers/microsoft.compute/virtualmachines/vm1", id, false},
		{"* within a segment", "/subscriptions/s1/resourcegroups/r*/**", id, true},
		{"* within a segment must match the whole segment", "/subscriptions/s1/resourcegroups/x*/**", id, false},
		{"upper-case id matches", "/subscriptions/s1/**/virtualmachines/vm1", "/SUBSCRIPTIONS/S1/resourceGroups/RG/providers/Microsoft.Compute/virtualMachines/VM1", true},
		{"prefix without ** does not match a longer id", "/subscriptions/s1", id, false},
		{"other subscription", "/subscriptions/s2/**", id, false},
		{"non-ARM resource", "graph.microsoft.com", "Graph.Microsoft.com", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			segs, err := compileResource(tt.pat)
			if err != nil {
				t.Fatalf("compileResource(%q): %v", tt.pat, err)
			}
			if got := matchResource(segs, tt.id); got != tt.want {
				t.Errorf("matchResource(%q, %q) = %v, want %v", tt.pat, tt.id, got, tt.want)
			}
		})
	}
}
