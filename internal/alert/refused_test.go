package alert

import "testing"

func TestRefusedSummary(t *testing.T) {
	const rid = "/subscriptions/s/resourcegroups/rg/providers/microsoft.compute/virtualmachinescalesets/probe-0"
	tests := []struct {
		name, summary string
		quota         bool
		want          string
	}{
		{"the verb before the resource", "eve created providers/microsoft.compute/virtualmachinescalesets/probe-0 in eastus: 20 × Standard_NC4as_T4_v3", true,
			"eve asked for providers/microsoft.compute/virtualmachinescalesets/probe-0 in eastus: 20 × Standard_NC4as_T4_v3; Azure refused it on quota, no machine ran"},
		{"another failure", "eve created providers/microsoft.compute/virtualmachinescalesets/probe-0 in eastus", false,
			"eve asked for providers/microsoft.compute/virtualmachinescalesets/probe-0 in eastus; Azure refused it, no machine ran"},
		// A principal may be named anything: its own words stay.
		{"the name of who asked is left", "ops created things created providers/microsoft.compute/virtualmachinescalesets/probe-0 in eastus", false,
			"ops created things asked for providers/microsoft.compute/virtualmachinescalesets/probe-0 in eastus; Azure refused it, no machine ran"},
		{"another summary gets the refusal only", "eve scaled probe-0", false, "eve scaled probe-0; Azure refused it, no machine ran"},
		{"said once", "eve asked for providers/microsoft.compute/virtualmachinescalesets/probe-0 in eastus; Azure refused it on quota, no machine ran", false,
			"eve asked for providers/microsoft.compute/virtualmachinescalesets/probe-0 in eastus; Azure refused it on quota, no machine ran"},
	}
	for _, tc := range tests {
		if got := RefusedSummary(tc.summary, rid, tc.quota); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
	if got := ShortID(""); got != "?" {
		t.Errorf("ShortID(\"\") = %q, want ?", got)
	}
}
