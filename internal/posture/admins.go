package posture

import (
	"sort"
	"strings"
)

// Who holds which admin role, and which accounts are break-glass: the
// identity checks share these.

// adminRoles returns the role template IDs treated as admin roles: the
// configured list, plus (with GraphPrivileged) every role Graph marks
// privileged that someone holds, since an unlisted privileged role with
// members is as much a way in.
func (e *env) adminRoles() map[string]bool {
	out := map[string]bool{}
	for _, id := range e.cfg.AdminRoles {
		out[strings.ToLower(id)] = true
	}
	if !e.cfg.GraphPrivileged {
		return out
	}
	for _, a := range e.assignments() {
		if r := e.s.DirectoryRoles[a.RoleDefinitionID]; r != nil && r.Privileged {
			out[r.TemplateID] = true
		}
	}
	return out
}

// assignments are the active and eligible directory role assignments.
func (e *env) assignments() []DirectoryAssignment {
	out := append([]DirectoryAssignment(nil), e.s.DirectoryActive...)
	return append(out, e.s.DirectoryEligible...)
}

// roleTemplate maps a role definition ID to its template ID (the same for
// built-in roles, which is what assignments usually carry).
func (e *env) roleTemplate(id string) string {
	if r := e.s.DirectoryRoles[id]; r != nil {
		return r.TemplateID
	}
	return id
}

// roleName names a role for evidence: the tenant's own definition when
// it was read, else the built-in role's name, else its ID.
func (e *env) roleName(id string) string {
	if r := e.s.DirectoryRoles[id]; r != nil && r.DisplayName != "" {
		return r.DisplayName
	}
	if n := entraRoleNames[strings.ToLower(id)]; n != "" {
		return n
	}
	return id
}

// entraRoleNames names the built-in Entra roles of the default admin
// list by template ID (the IDs are the same in every tenant).
var entraRoleNames = map[string]string{
	globalAdministrator:                    "Global Administrator",
	privilegedRoleAdmin:                    "Privileged Role Administrator",
	"9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3": "Application Administrator",
	"c4e39bd9-1100-46d3-8c65-fb160da0071f": "Authentication Administrator",
	"b0f54661-2d74-4c50-afa3-1ec803f12efe": "Billing Administrator",
	"158c047a-c907-4556-b7ef-446551a6b5f7": "Cloud Application Administrator",
	"b1be1c3e-b65d-4f19-8427-f6fa0d97feb9": "Conditional Access Administrator",
	"29232cdf-9323-42fd-ade2-1d097af3e4de": "Exchange Administrator",
	"729827e3-9c14-49f7-bb1b-9608f156bbb8": "Helpdesk Administrator",
	"966707d0-3269-4727-9be2-8c3a10f19b9d": "Password Administrator",
	"7be44c8a-adaf-4e2a-84d6-ab2649e08a13": "Privileged Authentication Administrator",
	"194ae4cb-b126-40b2-bd5b-6091b380977d": "Security Administrator",
	"f28a1f50-f6e7-4571-818b-6a12f2af6b6c": "SharePoint Administrator",
	"fe930be7-5e62-47db-91af-98c3a49a38b1": "User Administrator",
}

// adminHolders maps each principal holding an admin role (actively or
// eligibly, at any directory scope) to the names of those roles, sorted.
func (e *env) adminHolders() map[string][]string {
	admin := e.adminRoles()
	out := map[string][]string{}
	for _, a := range e.assignments() {
		if !admin[e.roleTemplate(a.RoleDefinitionID)] {
			continue
		}
		name := e.roleName(a.RoleDefinitionID)
		if a.Eligible {
			name += " (eligible)"
		}
		if !containsFold(out[a.PrincipalID], name) {
			out[a.PrincipalID] = append(out[a.PrincipalID], name)
		}
	}
	for _, roles := range out {
		sort.Strings(roles)
	}
	return out
}

// breakGlass resolves the configured break-glass entries (UPNs or object
// IDs) to a set holding both forms, lower-cased.
func (e *env) breakGlass() map[string]bool {
	out := map[string]bool{}
	for _, b := range e.cfg.BreakGlass {
		b = strings.ToLower(strings.TrimSpace(b))
		out[b] = true
		if u := e.s.UserByUPN[b]; u != nil {
			out[u.ID] = true
		}
	}
	return out
}

// principalName names a principal for evidence: a user's UPN when known.
func (e *env) principalName(id string) string {
	if u := e.s.Users[strings.ToLower(id)]; u != nil {
		return u.Name()
	}
	return id
}
