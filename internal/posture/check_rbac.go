package posture

import (
	"fmt"
	"sort"
	"strings"

	"github.com/mamori-sec/mamori/internal/plural"
	"github.com/mamori-sec/mamori/internal/posture/capture"
)

var checkComputeRoleHolders = &check{
	name:     "posture.rbac.compute_role_holders",
	title:    "Few principals can create VMs",
	severity: "high",
	why: "Every principal that can write Microsoft.Compute/virtualMachines is an account whose theft lets an " +
		"attacker start miners on the subscription's bill. Owners, Contributors and VM Contributors accumulate; " +
		"guests among them are accounts another organisation secures.",
	fix: "Review with `az role assignment list --subscription SUB --all --include-inherited -o table`, remove " +
		"standing Owner/Contributor/Virtual Machine Contributor assignments nobody needs " +
		"(`az role assignment delete --ids ID`), and make the rest PIM eligible (Entra admin center > Identity Governance > " +
		"Privileged Identity Management > Azure resources).",
	required:     []string{capture.KeyRoleAssignments, capture.KeyRoleDefinitions},
	optional:     []string{capture.KeyUsers},
	subscription: computeRoleHolders,
}

var checkRootUserAccessAdmin = &check{
	name:     "posture.rbac.root_user_access_admin",
	title:    "No standing User Access Administrator at root",
	severity: "critical",
	why: "User Access Administrator at root scope \"/\" (what \"elevate access\" leaves behind) can grant any role " +
		"on every subscription and management group in the tenant, including ones that hold no VM today: " +
		"one stolen account then mines everywhere.",
	fix: "Remove it: `az role assignment delete --assignee PRINCIPAL --role \"User Access Administrator\" --scope \"/\"`, " +
		"or as the Global Administrator turn off Entra admin center > Properties > Access management for Azure resources.",
	required: []string{capture.KeyRootRoleAssignments},
	tenant:   rootUserAccessAdmin,
}

// builtInRoleNames names the roles evidence mentions when the subscription's
// definitions list does not (definitions from a management group).
var builtInRoleNames = map[string]string{
	"8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
	"b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
	"9980e02c-c2be-4d73-94e8-173b1dc7cf3c": "Virtual Machine Contributor",
	userAccessAdminRole:                    "User Access Administrator",
}

// holder is one principal able to create VMs and how.
type holder struct {
	id, kind string
	roles    []string
}

func computeRoleHolders(e *env, sub *Subscription) Finding {
	by := map[string]*holder{}
	var unknown []string
	for _, a := range sub.RoleAssignments {
		def := sub.RoleDefinitions[a.RoleGUID()]
		if def == nil {
			if n, ok := builtInRoleNames[a.RoleGUID()]; ok && n != "User Access Administrator" {
				def = &RoleDefinition{Name: n, Permissions: []RolePermission{{Actions: []string{"*"}}}}
			} else {
				unknown = append(unknown, a.RoleGUID())
				continue
			}
		}
		if !allowsAny(def, e.cfg.ComputeRoles.Actions) {
			continue
		}
		h := by[a.PrincipalID]
		if h == nil {
			h = &holder{id: a.PrincipalID, kind: a.PrincipalType}
			by[a.PrincipalID] = h
		}
		role := def.Name
		if role == "" {
			role = def.GUID
		}
		if a.Scope != "" && !strings.EqualFold(a.Scope, sub.ResourceID()) {
			role += " at " + a.Scope
		}
		if !containsFold(h.roles, role) {
			h.roles = append(h.roles, role)
		}
	}
	list := make([]*holder, 0, len(by))
	for _, h := range by {
		list = append(list, h)
	}
	sort.Slice(list, func(i, j int) bool { return e.principalName(list[i].id) < e.principalName(list[j].id) })
	guests := 0
	var ev []Evidence
	for _, h := range list {
		kind := h.kind
		if u := e.s.Users[h.id]; u != nil && u.Guest() {
			guests++
			kind = "guest user"
		}
		if strings.EqualFold(kind, "Group") {
			kind = "group (every member counts)"
		}
		ev = append(ev, Evidence{Subject: e.principalName(h.id), Detail: kind + ": " + strings.Join(h.roles, ", ")})
	}
	summary := fmt.Sprintf("%s can create VMs (limit %d), %d of them guests (limit %d)",
		plural.Count(len(list), "principal", "principals"), e.cfg.ComputeRoles.Max, guests, e.cfg.ComputeRoles.MaxGuests)
	if len(unknown) > 0 {
		// A role defined above the subscription may or may not allow VM
		// writes: say so rather than guess.
		summary += "; " + plural.Count(len(unknown), "assignment uses a role definition", "assignments use role definitions") + " not readable here"
	}
	failed := len(list) > e.cfg.ComputeRoles.Max || guests > e.cfg.ComputeRoles.MaxGuests
	if !failed && len(unknown) > 0 {
		return e.notAssessed(sub, gap{reasons: []string{"role definitions " + strings.Join(unknown, ", ") + " not in the subscription's list"}})
	}
	return e.result(sub, failed, summary, ev)
}

// allowsAny reports whether the role allows any of the actions.
func allowsAny(def *RoleDefinition, actions []string) bool {
	for _, a := range actions {
		if def.Allows(a) {
			return true
		}
	}
	return false
}

func rootUserAccessAdmin(e *env) Finding {
	var ev []Evidence
	for _, a := range e.s.RootAssignments {
		if a.Scope != "/" && a.Scope != "" {
			continue // the list at root also returns assignments below it
		}
		if !containsFold(e.cfg.RootRoles, a.RoleGUID()) {
			continue
		}
		role := builtInRoleNames[a.RoleGUID()]
		if role == "" {
			role = a.RoleGUID()
		}
		ev = append(ev, Evidence{Subject: e.principalName(a.PrincipalID), Detail: a.PrincipalType + ": " + role + " at root scope /"})
	}
	sort.Slice(ev, func(i, j int) bool { return ev[i].Subject < ev[j].Subject })
	if len(ev) > 0 {
		return e.result(nil, true, plural.Count(len(ev), "standing root-scope User Access Administrator assignment", "standing root-scope User Access Administrator assignments"), ev)
	}
	return e.result(nil, false, "no standing User Access Administrator at root scope", nil)
}
