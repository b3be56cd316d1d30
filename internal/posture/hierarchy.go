package posture

import (
	"encoding/json"
	"strings"
)

// The management group hierarchy, from the entities list (POST
// /providers/Microsoft.Management/getEntities): which groups lie above
// each subscription. An activity log alert rule on a group watches none
// of them (check_alerts.go); the hierarchy names the rules aimed at a
// subscription from a group above it, so a team sees why they do not count.

// mgPrefix is a management group's ARM ID without its name, lower-cased.
const mgPrefix = "/providers/microsoft.management/managementgroups/"

// maxDepth bounds a walk up the hierarchy: Azure allows six levels below
// the root group, and a saved folder may hold a loop.
const maxDepth = 16

// Entity is one subscription or management group of the hierarchy.
type Entity struct {
	// ID is "/subscriptions/{id}" or mgPrefix+"{name}", lower-cased.
	ID string
	// Parent is the lower-cased name of the group directly above; "" for
	// the tenant root group, or when the API did not say.
	Parent string
	// Chain names the groups from the tenant root group down to Parent,
	// lower-cased, when the API gave them (parentNameChain).
	Chain    []string
	TenantID string
}

func parseEntity(s *Snapshot, _ []string, item json.RawMessage) error {
	var raw struct {
		ID         flexString `json:"id"`
		Name       flexString `json:"name"`
		Type       flexString `json:"type"`
		Properties struct {
			TenantID flexString `json:"tenantId"`
			Parent   struct {
				ID flexString `json:"id"`
			} `json:"parent"`
			ParentNameChain flexStrings `json:"parentNameChain"`
		} `json:"properties"`
	}
	err := decodeItem(item, &raw)
	if fatal(err) {
		return err
	}
	id := strings.ToLower(strings.TrimRight(string(raw.ID), "/"))
	name := strings.ToLower(string(raw.Name))
	typ := strings.ToLower(string(raw.Type))
	switch {
	case id != "":
	case name == "":
		return errNoID
	case strings.HasSuffix(typ, "subscriptions"): // "/subscriptions"
		id = "/subscriptions/" + name
	case typ == "microsoft.management/managementgroups":
		id = mgPrefix + name
	}
	rest, isSub := strings.CutPrefix(id, "/subscriptions/")
	if !isSub {
		rest, _ = strings.CutPrefix(id, mgPrefix)
	}
	if rest == id || rest == "" || strings.Contains(rest, "/") {
		return nil // another kind of entity: no part of the hierarchy read here
	}
	p := raw.Properties
	e := &Entity{ID: id, TenantID: strings.ToLower(string(p.TenantID))}
	if parent, ok := strings.CutPrefix(strings.ToLower(string(p.Parent.ID)), mgPrefix); ok {
		e.Parent = parent
	}
	for _, g := range p.ParentNameChain {
		e.Chain = append(e.Chain, strings.ToLower(g))
	}
	s.Entities[id] = e
	return err
}

// Ancestry is what the entities list tells of the management groups
// above one subscription.
type Ancestry struct {
	// Groups are the lower-cased names of the groups known to be above it.
	Groups map[string]bool
	// Complete says Groups reach the tenant root group: a group not among
	// them is not above the subscription.
	Complete bool
}

// Under reports whether the management group (its name) lies above the
// subscription, and whether that is known at all.
func (a Ancestry) Under(group string) (under, known bool) {
	if a.Groups[strings.ToLower(group)] {
		return true, true
	}
	return false, a.Complete
}

// Ancestry returns the management groups above a subscription: its own
// parent chain, or its parent's, followed up through the groups the list
// holds. A subscription the list does not hold has none known.
func (s *Snapshot) Ancestry(sub string) Ancestry {
	a := Ancestry{Groups: map[string]bool{}}
	// Every subscription lies under its home tenant's root group, which
	// is named for the tenant: an alert scoped to it covers them all,
	// whether or not the hierarchy could be read. (Not the tenant the
	// snapshot was read in: a subscription delegated from another
	// tenant lies under that one's.)
	if sb := s.Subscriptions[strings.ToLower(sub)]; sb != nil && sb.Tenant != "" {
		a.Groups[sb.Tenant] = true
	}
	e := s.Entities["/subscriptions/"+strings.ToLower(sub)]
	for depth := 0; e != nil && depth < maxDepth; depth++ {
		for _, g := range e.Chain {
			a.Groups[g] = true
		}
		if e.Parent != "" {
			a.Groups[e.Parent] = true
		}
		root := e.TenantID
		if root == "" {
			root = strings.ToLower(s.TenantID)
		}
		switch {
		case len(e.Chain) > 0 || e.Parent != "" && e.Parent == root:
			// A chain runs from the root group down, and the root group
			// (named for the tenant) has nothing above it.
			a.Complete = true
			return a
		case e.Parent == "":
			// Only the root group has no parent; for anything else the
			// API did not say.
			a.Complete = e.ID == mgPrefix+root && root != ""
			return a
		}
		e = s.Entities[mgPrefix+e.Parent]
	}
	return a
}
