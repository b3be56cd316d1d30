package network

import "testing"

func TestResourceType(t *testing.T) {
	t.Parallel()
	for id, want := range map[string]string{
		"/subscriptions/s/resourcegroups/rg/providers/microsoft.network/azurefirewalls/hub-fw":                      "microsoft.network/azurefirewalls",
		"/subscriptions/s/resourcegroups/rg/providers/microsoft.network/azurefirewalls/hub-fw/":                     "microsoft.network/azurefirewalls",
		"/subscriptions/s/providers//microsoft.network/networksecuritygroups/nsg":                                   "microsoft.network/networksecuritygroups",
		"/subscriptions/s/providers/microsoft.network/networkwatchers/nw_eastus/flowlogs/fl1":                       "microsoft.network/networkwatchers/flowlogs",
		"/subscriptions/s/providers/microsoft.network/networkwatchers":                                              "microsoft.network/networkwatchers",
		"/subscriptions/s/providers/microsoft.resources/deployments/x/providers/microsoft.network/azurefirewalls/f": "microsoft.network/azurefirewalls",
		"/subscriptions/s/resourcegroups/rg":                                                                        "",
		"/subscriptions/s/providers/microsoft.network":                                                              "",
		"/providers/": "",
	} {
		if got := resourceType(id); got != want {
			t.Errorf("resourceType(%q) = %q, want %q", id, got, want)
		}
	}
}
