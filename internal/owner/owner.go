// Package owner says whose a record that names no tenant is, when the data
// holds several tenants (over one, it is that one's). Flow logs, a
// firewall's DNS lookups and a host's process log name no tenant; a
// service over many tenants, or a responder hunting several tenants'
// exports together, got their alerts with none: each an incident of its
// own, outside the attack it belongs to (alerts of different tenants
// never meet), and correlated with the records of every other tenant that
// named none. The hunt counts, among the records that do name their
// tenant, which tenants each subscription's and each folder's name
// (Sightings), and decides from those counts (Table):
//
//   - A subscription belongs to one tenant: a flow log's or a firewall's
//     record names its subscription in its resource id.
//   - A host's log names neither, but a service keeps each tenant's
//     exports in a folder of its own: the nearest folder above the file
//     that holds records naming a tenant tells whose it is, when they name
//     one (a folder of several tenants' logs tells nothing).
package owner

import (
	"maps"
	"path/filepath"
	"slices"
	"strings"
)

// Share is the share of a subscription's or a folder's records that must
// name one tenant for it to be that tenant's. Not all: a partner's
// delegated administrator acts in a customer's subscription with a token
// of the partner's tenant, a few records among the tenant's own; a folder
// of two tenants' exports is split far more evenly.
const Share = 0.9

// Sightings count, per subscription (lower case) and per folder (as
// filepath.Dir gives it, and each folder above it), the records that
// named each tenant. A service adds each cycle's to those of the cycles
// before (the store keeps them), so that it decides as one hunt over all
// the data would.
type Sightings struct {
	Subscriptions map[string]map[string]int64 // subscription → tenant → records
	Folders       map[string]map[string]int64 // folder → tenant → records
}

// Subscription counts n records of subscription sub that named tenant.
func (s *Sightings) Subscription(sub, tenant string, n int64) {
	count(&s.Subscriptions, strings.ToLower(sub), tenant, n)
}

// Folder counts n records read in folder dir that named tenant, for dir
// and every folder above it. Standard input, and a file named without its
// folder, have none.
func (s *Sightings) Folder(dir, tenant string, n int64) {
	if dir == "" || dir == "." {
		return
	}
	for d := dir; ; d = filepath.Dir(d) {
		count(&s.Folders, d, tenant, n)
		if d == "." || d == filepath.Dir(d) {
			return
		}
	}
}

// Add adds o's counts to s's.
func (s *Sightings) Add(o Sightings) {
	for key, ts := range o.Subscriptions {
		for t, n := range ts {
			count(&s.Subscriptions, key, t, n)
		}
	}
	for key, ts := range o.Folders {
		for t, n := range ts {
			count(&s.Folders, key, t, n)
		}
	}
}

func count(m *map[string]map[string]int64, key, tenant string, n int64) {
	if *m == nil {
		*m = map[string]map[string]int64{}
	}
	if (*m)[key] == nil {
		(*m)[key] = map[string]int64{}
	}
	(*m)[key][tenant] += n
}

// Table is what the sightings decide: each subscription's and folder's
// tenant, or "" for one whose records name several (no one's: a record
// stays unattributed rather than guessed into one).
type Table struct {
	subs, folders map[string]string
}

// Decide makes the table of s.
func (s Sightings) Decide() *Table {
	return &Table{subs: decide(s.Subscriptions), folders: decide(s.Folders)}
}

// decide gives each key the tenant that at least Share of its records
// name, or "" when none does.
func decide(m map[string]map[string]int64) map[string]string {
	out := make(map[string]string, len(m))
	for key, byTenant := range m {
		var all, top int64
		var who string
		for t, n := range byTenant {
			all += n
			if n > top || n == top && t < who {
				top, who = n, t
			}
		}
		if float64(top) < Share*float64(all) {
			who = ""
		}
		out[key] = who
	}
	return out
}

// Of returns the tenant of a record that names none, read from file, of
// subscription sub (either may be ""): "" when the table does not say. A
// subscription decides alone: one the table does not know is not placed
// by its folder (it names one tenant, and not necessarily the folder's).
func (t *Table) Of(sub, file string) string {
	if t == nil {
		return ""
	}
	if sub != "" {
		return t.subs[strings.ToLower(sub)]
	}
	if file == "" || file == "-" {
		return ""
	}
	return t.OfFolder(filepath.Dir(file))
}

// OfFolder returns the tenant of a record that names none, read from a
// file in folder dir: that of the nearest folder from dir up that holds
// records naming a tenant, "" when there is none or it is no one's.
func (t *Table) OfFolder(dir string) string {
	if t == nil || len(t.folders) == 0 {
		return ""
	}
	for d := dir; ; d = filepath.Dir(d) {
		if who, ok := t.folders[d]; ok {
			return who
		}
		if d == "." || d == filepath.Dir(d) {
			return ""
		}
	}
}

// Tenants are the tenants that own a subscription or a folder: those
// whose exports are in the input.
func (t *Table) Tenants() []string {
	if t == nil {
		return nil
	}
	seen := map[string]bool{}
	for _, m := range []map[string]string{t.subs, t.folders} {
		for _, who := range m {
			if who != "" {
				seen[who] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(seen))
}
