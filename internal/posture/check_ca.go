package posture

import (
	"fmt"
	"sort"
	"strings"

	"github.com/mamori-sec/mamori/internal/plural"
	"github.com/mamori-sec/mamori/internal/posture/capture"
)

var checkAdminConditionalAccess = &check{
	name:     "posture.identity.admin_conditional_access",
	title:    "MFA enforced for admins and Azure management",
	severity: "critical",
	why: "An attacker with an admin's or any user's password who reaches the Azure portal, CLI or ARM API " +
		"without MFA can grant themselves roles and create GPU VMs within minutes. Conditional access that " +
		"requires MFA for every admin role and for the Azure management app closes that door; every " +
		"excluded account is a door left open.",
	fix: "Entra admin center > Protection > Conditional Access > Create new policy from template: " +
		"\"Require multifactor authentication for admins\" and \"Require multifactor authentication for Azure management\" " +
		"(or target Microsoft Azure Management, app 797f4846-ba00-4fd7-ba43-dac1f8f63013), state On; exclude only the " +
		"break-glass accounts, and list them under break_glass in the posture config.",
	required: []string{capture.KeyConditionalAccess, capture.KeyDirectoryRoles},
	optional: []string{capture.KeyDirectoryAssignments, capture.KeyUsers},
	tenant:   adminConditionalAccess,
}

var checkRiskPolicies = &check{
	name:     "posture.identity.risk_policies",
	title:    "Sign-in and user risk policies enforced",
	severity: "high",
	why: "Token theft, password spray and leaked credentials show up as sign-in and user risk before the " +
		"attacker's first VM is created. Without risk-based policies those detections only fill a report; " +
		"with them a risky sign-in must pass MFA and a leaked password must be changed.",
	fix: "Entra admin center > Protection > Conditional Access > Create new policy from template: " +
		"\"Require multifactor authentication for risky sign-ins\" (sign-in risk high and medium, grant MFA) and " +
		"\"Require password change for high-risk users\" (user risk high, grant MFA and password change), all users, state On. " +
		"Needs Entra ID P2.",
	required: []string{capture.KeyConditionalAccess},
	tenant:   riskPolicies,
}

// exclusions lists what a policy excludes beyond the break-glass accounts.
func exclusions(p *CAPolicy, bg map[string]bool, e *env) []string {
	var out []string
	for _, u := range p.ExcludeUsers {
		if !bg[u] {
			out = append(out, "user "+e.principalName(u))
		}
	}
	for _, g := range p.ExcludeGroups {
		if !bg[g] {
			out = append(out, "group "+g)
		}
	}
	return out
}

// allApps reports whether the policy covers every cloud app with no app
// carved out.
func allApps(p *CAPolicy) bool {
	return containsFold(p.IncludeApps, "all") && len(p.ExcludeApps) == 0
}

// coversAzureManagement reports whether the policy covers the Azure
// management app (directly or through All) without excluding it.
func coversAzureManagement(p *CAPolicy) bool {
	if containsFold(p.ExcludeApps, azureManagementApp) {
		return false
	}
	return containsFold(p.IncludeApps, "all") || containsFold(p.IncludeApps, azureManagementApp)
}

// coversRole reports whether the policy's users include holders of role.
func coversRole(p *CAPolicy, role string) bool {
	if containsFold(p.ExcludeRoles, role) {
		return false
	}
	return containsFold(p.IncludeUsers, "all") || containsFold(p.IncludeRoles, role)
}

func adminConditionalAccess(e *env) Finding {
	bg := e.breakGlass()
	var mfa []*CAPolicy
	for i := range e.s.ConditionalAccess {
		// A risk, location or platform condition means MFA only sometimes.
		if p := &e.s.ConditionalAccess[i]; p.Enforced() && p.RequiresMFA() && p.Unconditional() {
			mfa = append(mfa, p)
		}
	}
	var ev []Evidence
	// Each admin role needs one clean policy: all apps, MFA, no exclusion
	// beyond break-glass. A role only covered by policies with exclusions
	// fails, naming them.
	roles := sortedKeys(e.adminRoles())
	for _, role := range roles {
		clean, dirty := false, []string{}
		for _, p := range mfa {
			if !coversRole(p, role) || !allApps(p) {
				continue
			}
			if ex := exclusions(p, bg, e); len(ex) > 0 {
				dirty = append(dirty, fmt.Sprintf("%q excludes %s", p.DisplayName, strings.Join(ex, ", ")))
				continue
			}
			clean = true
		}
		switch {
		case clean:
		case len(dirty) > 0:
			ev = append(ev, Evidence{Subject: e.roleName(role), Detail: "only covered with exclusions: " + strings.Join(dirty, "; ")})
		default:
			ev = append(ev, Evidence{Subject: e.roleName(role), Detail: "no enabled policy requires MFA for this role on all cloud apps"})
		}
	}
	// Azure management: all users (not just admins), MFA, only break-glass out.
	clean, dirty := false, []string{}
	for _, p := range mfa {
		if !containsFold(p.IncludeUsers, "all") || !coversAzureManagement(p) {
			continue
		}
		ex := exclusions(p, bg, e)
		for _, r := range p.ExcludeRoles {
			ex = append(ex, "role "+e.roleName(r))
		}
		if len(ex) > 0 {
			dirty = append(dirty, fmt.Sprintf("%q excludes %s", p.DisplayName, strings.Join(ex, ", ")))
			continue
		}
		clean = true
	}
	if !clean {
		detail := "no enabled policy requires MFA for all users on Azure management"
		if len(dirty) > 0 {
			detail = "only covered with exclusions: " + strings.Join(dirty, "; ")
		}
		ev = append(ev, Evidence{Subject: "Azure management (" + azureManagementApp + ")", Detail: detail})
	}
	if len(ev) > 0 {
		return e.result(nil, true, fmt.Sprintf("%d of %d admin roles and Azure management %s an MFA policy without exclusions", len(ev), len(roles)+1, plural.Verb(len(ev), "lacks", "lack")), ev)
	}
	return e.result(nil, false, fmt.Sprintf("MFA is required for all %d admin roles and for Azure management", len(roles)), nil)
}

func riskPolicies(e *env) Finding {
	var signIn, user []string
	var ev []Evidence
	for i := range e.s.ConditionalAccess {
		p := &e.s.ConditionalAccess[i]
		if len(p.SignInRiskLevels) == 0 && len(p.UserRiskLevels) == 0 {
			continue
		}
		why := ""
		switch {
		case !p.Enforced():
			why = "state " + p.State
		case !containsFold(p.IncludeUsers, "all"):
			why = "does not target all users"
		}
		if len(p.SignInRiskLevels) > 0 {
			w := why
			if w == "" && !containsFold(p.SignInRiskLevels, "high") {
				w = "sign-in risk high not covered"
			}
			if w == "" && !p.RequiresMFA() {
				w = "does not require MFA or block"
			}
			if w == "" {
				signIn = append(signIn, p.DisplayName)
			} else {
				ev = append(ev, Evidence{Subject: p.DisplayName, Detail: "sign-in risk policy does not count: " + w})
			}
		}
		if len(p.UserRiskLevels) > 0 {
			w := why
			if w == "" && !containsFold(p.UserRiskLevels, "high") {
				w = "user risk high not covered"
			}
			if w == "" && !p.control("passwordChange") && !p.control("block") {
				w = "does not require a password change or block"
			}
			if w == "" {
				user = append(user, p.DisplayName)
			} else {
				ev = append(ev, Evidence{Subject: p.DisplayName, Detail: "user risk policy does not count: " + w})
			}
		}
	}
	var missing []string
	if len(signIn) == 0 {
		missing = append(missing, "sign-in risk")
	}
	if len(user) == 0 {
		missing = append(missing, "user risk")
	}
	for _, n := range signIn {
		ev = append(ev, Evidence{Subject: n, Detail: "enforced sign-in risk policy"})
	}
	for _, n := range user {
		ev = append(ev, Evidence{Subject: n, Detail: "enforced user risk policy"})
	}
	if len(missing) > 0 {
		return e.result(nil, true, "no enforced "+strings.Join(missing, " or ")+" policy for all users", ev)
	}
	return e.result(nil, false, "sign-in risk and user risk policies are enforced for all users", ev)
}

// sortedKeys returns a set's members in order.
func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
