package posture

import (
	"fmt"
	"sort"
	"strings"

	"github.com/mamori-sec/mamori/internal/plural"
	"github.com/mamori-sec/mamori/internal/posture/capture"
)

var checkMFARegistration = &check{
	name:     "posture.identity.mfa_registration",
	title:    "Users without an MFA method",
	severity: "critical",
	why: "Almost every cryptojacking incident starts with a password-only account: a sprayed or phished " +
		"password is enough to sign in to the portal and create VMs. An account with no MFA method " +
		"registered cannot be asked for MFA, and the first attacker to sign in can register their own.",
	fix: "Require registration: Entra admin center > Protection > Authentication methods > Registration campaign, " +
		"and a conditional access policy requiring MFA for all users; list who is missing with " +
		"`az rest --url https://graph.microsoft.com/v1.0/reports/authenticationMethods/userRegistrationDetails " +
		"--query \"value[?!isMfaRegistered].userPrincipalName\"`. Disable accounts nobody uses.",
	required: []string{capture.KeyUsers, capture.KeyRegistrationDetails},
	tenant:   mfaRegistration,
}

func mfaRegistration(e *env) Finding {
	// Role data only splits out the privileged users; without it the check
	// still stands, so it is not required.
	rolesKnown := e.need(nil, capture.KeyDirectoryRoles, capture.KeyDirectoryAssignments).empty()
	holders := e.adminHolders()
	var users []*User
	for _, u := range e.s.Users {
		if (u.Enabled || !u.EnabledKnown) && (!u.Guest() || e.cfg.MFA.IncludeGuests) {
			users = append(users, u)
		}
	}
	sort.Slice(users, func(i, j int) bool { return users[i].Name() < users[j].Name() })
	var privEv, userEv []Evidence
	privTotal := 0
	for _, u := range users {
		roles := holders[u.ID]
		if len(roles) > 0 {
			privTotal++
		}
		r := e.s.Registration[u.ID]
		if r != nil && r.MFARegistered {
			continue
		}
		detail := "no MFA method registered"
		if r == nil {
			detail = "no registration record (never registered)"
		} else if len(r.Methods) > 0 {
			detail += "; registered: " + strings.Join(r.Methods, ", ")
		}
		if len(roles) > 0 {
			privEv = append(privEv, Evidence{Subject: u.Name(), Detail: "privileged (" + strings.Join(roles, ", ") + "): " + detail})
		} else {
			userEv = append(userEv, Evidence{Subject: u.Name(), Detail: detail})
		}
	}
	missing := len(privEv) + len(userEv)
	summary := fmt.Sprintf("%d of %d enabled users %s no MFA method registered", missing, len(users), plural.Verb(missing, "has", "have"))
	if rolesKnown {
		summary += fmt.Sprintf(", %d of them privileged (of %d privileged users)", len(privEv), privTotal)
	} else {
		summary += " (directory roles not readable: privileged users not told apart)"
	}
	return e.result(nil, missing > 0, summary, append(privEv, userEv...))
}
