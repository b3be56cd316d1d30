package owner

import (
	"slices"
	"testing"
)

func TestTableOf(t *testing.T) {
	t.Parallel()
	var s Sightings
	s.Subscription("AAAAAAAA-0000-0000-0000-000000000001", "tenant-a", 100)
	s.Subscription("bbbbbbbb-0000-0000-0000-000000000002", "tenant-a", 50)
	s.Subscription("bbbbbbbb-0000-0000-0000-000000000002", "tenant-b", 50)
	s.Folder("/srv/logs/a/activity", "tenant-a", 100)
	s.Folder("/srv/logs/b", "tenant-b", 100)
	tab := s.Decide()
	for _, tc := range []struct{ sub, file, want string }{
		// A subscription decides, whatever the folder; in any case.
		{"aaaaaaaa-0000-0000-0000-000000000001", "/elsewhere/flows.json", "tenant-a"},
		// One of several tenants' records: no one's.
		{"bbbbbbbb-0000-0000-0000-000000000002", "/srv/logs/a/flows.json", ""},
		// An unknown subscription is not placed by its folder.
		{"cccccccc-0000-0000-0000-000000000003", "/srv/logs/a/flows.json", ""},
		// No subscription: the nearest folder that read a tenant's records.
		{"", "/srv/logs/a/hosts/vm-1/audit.log", "tenant-a"},
		{"", "/srv/logs/b/audit.log", "tenant-b"},
		// The nearest is of several tenants: it says nothing, and no
		// folder above it is asked.
		{"", "/srv/logs/hosts/vm-1/audit.log", ""},
		{"", "/other/audit.log", ""},
		{"", "audit.log", ""},
		{"", "-", ""},
		{"", "", ""},
	} {
		if got := tab.Of(tc.sub, tc.file); got != tc.want {
			t.Errorf("Of(%q, %q) = %q, want %q", tc.sub, tc.file, got, tc.want)
		}
	}
	var none *Table
	if got := none.Of("s", "/a/b"); got != "" {
		t.Errorf("nil table: %q", got)
	}
}

func TestOwnersNeedNineInTen(t *testing.T) {
	t.Parallel()
	got := decide(map[string]map[string]int64{
		"own":     {"a": 1000},
		"partner": {"a": 950, "p": 50}, // a delegated administrator's few records
		"shared":  {"a": 600, "b": 400},
		"even":    {"a": 5, "b": 5},
	})
	want := map[string]string{"own": "a", "partner": "a", "shared": "", "even": ""}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %q, want %q", k, got[k], w)
		}
	}
}

// TestSightingsAddUp: counts of two cycles decide as those of one hunt
// over both: a folder one tenant's records filled first, then another's,
// is no one's.
func TestSightingsAddUp(t *testing.T) {
	t.Parallel()
	var first, second, whole Sightings
	first.Folder("/srv/logs", "tenant-a", 100)
	second.Folder("/srv/logs", "tenant-b", 100)
	whole.Folder("/srv/logs", "tenant-a", 100)
	whole.Folder("/srv/logs", "tenant-b", 100)
	if got := second.Decide().Of("", "/srv/logs/x/audit.log"); got != "tenant-b" {
		t.Fatalf("the second cycle alone: %q", got)
	}
	first.Add(second)
	for _, s := range []Sightings{first, whole} {
		if got := s.Decide().Of("", "/srv/logs/x/audit.log"); got != "" {
			t.Errorf("both cycles: %q, want no one", got)
		}
	}
}

// TestTenantsAreThoseThatOwnSomething: a partner's few records in a
// customer's subscription make it no owner; a folder of two tenants
// neither.
func TestTenantsAreThoseThatOwnSomething(t *testing.T) {
	t.Parallel()
	var s Sightings
	s.Subscription("s1", "customer", 950)
	s.Subscription("s1", "partner", 50)
	s.Folder("/logs/customer", "customer", 950)
	s.Folder("/logs/customer", "partner", 50)
	s.Folder("/logs/other", "other", 10)
	if got := s.Decide().Tenants(); !slices.Equal(got, []string{"customer", "other"}) {
		t.Errorf("owners %v, want customer and other", got)
	}
	var none *Table
	if none.Tenants() != nil {
		t.Error("a nil table has owners")
	}
}
