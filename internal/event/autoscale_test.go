package event

import (
	"strings"
	"testing"
)

// TestAutoscaleTargets: the targets whose instances count are the four
// compute types, by their write; API Management's units, a scale set's
// child and a read are not.
func TestAutoscaleTargets(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		op      string
		service string
	}{
		{"microsoft.compute/virtualmachinescalesets/write", "vmss"},
		{"microsoft.web/serverfarms/write", "appservice"},
		{"microsoft.servicefabric/managedclusters/nodetypes/write", "sf"},
		{"microsoft.machinelearningservices/workspaces/onlineendpoints/deployments/write", "aml"},
		{"microsoft.apimanagement/service/write", ""},
		{"microsoft.compute/virtualmachinescalesets/extensions/write", ""},
		{"microsoft.compute/virtualmachinescalesets/read", ""},
		{"microsoft.compute/virtualmachinescalesets", ""},
	} {
		if got := WritesAutoscaleTarget(c.op); got != (c.service != "") {
			t.Errorf("WritesAutoscaleTarget(%q) = %v", c.op, got)
		}
		typ, _ := strings.CutSuffix(c.op, "/write")
		if got := AutoscaleService(typ); c.service != "" && got != c.service {
			t.Errorf("AutoscaleService(%q) = %q, want %q", typ, got, c.service)
		}
	}
}
