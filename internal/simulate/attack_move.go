package simulate

import (
	"fmt"
	"strings"
	"time"
)

// Built-in role definition ids.
const (
	roleOwner       = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
	roleReader      = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
	roleContributor = "b24988ac-6180-42a0-ab88-20f7382dd24c"
)

// assignRole writes a role assignment of role to principal at the
// subscription's scope and returns its resource id.
func (g *gen) assignRole(at time.Time, by actor, role, principal string) string {
	t := g.t
	ra := map[string]any{"properties": map[string]any{
		"roleDefinitionId": "/subscriptions/" + t.Sub + "/providers/Microsoft.Authorization/roleDefinitions/" + role,
		"principalId":      principal, "principalType": "User", "scope": "/subscriptions/" + t.Sub}}
	rid := "/SUBSCRIPTIONS/" + strings.ToUpper(t.Sub) + "/PROVIDERS/MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/" + strings.ToUpper(guid(g.r))
	g.arm(at, by, "MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE", rid, armOpts{Body: ra})
	return rid
}

// invite writes the audit record of admin inviting an external user, and
// returns the guest: name@partner.example as the tenant spells it.
func (g *gen) invite(at time.Time, admin person, ip string) person {
	name := pick(g.r, firstNames) + "." + pick(g.r, lastNames)
	partner := pick(g.r, []string{"partner", "consult", "vendorlabs", "extsupport", "auditors"})
	guest := person{Name: name, UPN: fmt.Sprintf("%s_%s.example#EXT#@%s", name, partner, g.t.Domain), OID: guid(g.r), Guest: true}
	g.audit(at, admin, ip, "Invite external user", "UserManagement", "Add", "Invited Users", guest,
		[]any{map[string]any{"key": "invitedUserEmailAddress", "value": name + "@" + partner + ".example"}})
	return guest
}

// guestOwner is how the attacks that take over a subscription begin: the
// Global Administrator's stolen session, from an Azure address the tenant
// does not own, invites a guest and makes it Owner of the subscription. It
// returns the guest, the assignment and when it was done.
func (g *gen) guestOwner(at time.Time, ip string) (admin, guest person, assignment string, now time.Time) {
	t := g.t
	admin = t.People[t.Admin]
	g.signIn(at, signin{UPN: admin.UPN, OID: admin.OID, IP: ip, App: "Azure Portal", AppID: appPortal, MFA: true, Risk: "medium", RiskState: "atRisk", Country: "US"})
	now = at.Add(3*time.Minute + g.jitter(time.Minute))
	guest = g.invite(now, admin, ip)
	now = now.Add(3*time.Minute + g.jitter(2*time.Minute))
	assignment = g.assignRole(now, g.user(admin, ip, true), roleOwner, guest.OID)
	return admin, guest, assignment, now
}

// subscriptionMoved is the subscription hijack: a guest made Owner through
// the Global Administrator's stolen session asks for the subscription to
// change directory and completes the move into a tenant the attacker owns,
// which drops every role assignment of the victim's directory.
func (g *gen) subscriptionMoved(at time.Time) Attack {
	t := g.t
	ip := pick(g.r, attackerIPs)
	admin, guest, assignment, now := g.guestOwner(at, ip)
	a := Attack{Start: at, Principals: append(principalIDs(admin), principalIDs(guest)...)}
	now = now.Add(5*time.Minute + g.jitter(5*time.Minute))
	g.signIn(now, signin{UPN: guest.UPN, OID: guest.OID, IP: ip, App: "Azure Portal", AppID: appPortal, Guest: true, Country: "US"})
	ga := actor{UPN: guest.UPN, OID: guest.OID, AppID: appPortal, Name: guest.Name, IP: ip}
	dest := guid(g.r)
	sub := "/SUBSCRIPTIONS/" + strings.ToUpper(t.Sub)
	req := sub + "/PROVIDERS/MICROSOFT.SUBSCRIPTION/CHANGETENANTREQUEST/DEFAULT"
	now = g.arm(now.Add(2*time.Minute+g.jitter(time.Minute)), ga, "MICROSOFT.SUBSCRIPTION/CHANGETENANTREQUEST/WRITE", req,
		armOpts{Body: map[string]any{"properties": map[string]any{"destinationTenantId": dest, "destinationOwnerId": guid(g.r)}}})
	// The move itself is logged under Security; only the completed record's
	// message names both directories.
	now = now.Add(4*time.Minute + g.jitter(4*time.Minute))
	corr := guid(g.r)
	g.activity(now, g.diagIn("Security", now, ga, "MICROSOFT.SUBSCRIPTION/UPDATETENANT/ACTION", sub, "Start", "Started.", corr, "", nil), false)
	end := now.Add(30*time.Second + g.jitter(20*time.Second))
	msg := fmt.Sprintf("Subscription %s moved from tenant %s to tenant %s", t.Sub, t.ID, dest)
	g.activity(end, g.diagIn("Security", end, ga, "MICROSOFT.SUBSCRIPTION/UPDATETENANT/ACTION", sub, "Success", "Succeeded.Created", corr, "", map[string]any{"message": msg}), false)
	a.Resources = []string{strings.ToLower(assignment), strings.ToLower(req)}
	a.End = end
	a.MustFire = []string{
		"azure.signin.azure_ip_not_owned", "azure.signin.azure_ip_not_owned.arm",
		"azure.identity.privileged_role_assignment", "azure.identity.new_account_privileged",
		"azure.subscription.moved_to_other_tenant",
	}
	return a
}

// subscriptionTwin is finance's housekeeping: the Global Administrator, from
// the office with MFA, invites the external auditors' guest as Reader,
// renames the subscription and cancels a transfer request that was planned
// and then dropped.
func (g *gen) subscriptionTwin(at time.Time) Attack {
	t := g.t
	admin := t.People[t.Admin]
	ip := t.office(g.r)
	g.signIn(at, signin{UPN: admin.UPN, OID: admin.OID, IP: ip, App: "Azure Portal", AppID: appPortal, MFA: true})
	now := at.Add(3*time.Minute + g.jitter(time.Minute))
	guest := g.invite(now, admin, ip)
	ua := g.user(admin, ip, true)
	now = now.Add(3*time.Minute + g.jitter(2*time.Minute))
	assignment := g.assignRole(now, ua, roleReader, guest.OID)
	sub := "/SUBSCRIPTIONS/" + strings.ToUpper(t.Sub)
	now = g.arm(now.Add(4*time.Minute+g.jitter(3*time.Minute)), ua, "MICROSOFT.SUBSCRIPTION/RENAME/ACTION", sub,
		armOpts{Body: map[string]any{"subscriptionName": strings.Split(t.Domain, ".")[0] + "-prod-" + pick(g.r, []string{"finance", "platform", "shared"})}})
	req := sub + "/PROVIDERS/MICROSOFT.SUBSCRIPTION/CHANGETENANTREQUEST/DEFAULT"
	end := g.arm(now.Add(2*time.Minute+g.jitter(2*time.Minute)), ua, "MICROSOFT.SUBSCRIPTION/CHANGETENANTREQUEST/DELETE", req, armOpts{})
	return Attack{
		Start: at, End: end, Principals: append(principalIDs(admin), principalIDs(guest)...),
		Resources: []string{strings.ToLower(assignment), strings.ToLower(req)},
		MustNotFire: []string{
			"azure.signin.azure_ip_not_owned", "azure.signin.azure_ip_not_owned.arm", "azure.signin.risky_then_quota_or_compute",
			"azure.identity.elevate_access", "azure.identity.privileged_role_assignment", "azure.identity.new_account_privileged",
			"azure.subscription.moved_to_other_tenant",
		},
	}
}
