package respond

import (
	"net/url"
	"strings"

	"github.com/mamori-sec/mamori/internal/plural"
)

// accountsStep cuts off every account the attack used. A user whose
// account was taken over is still cut off: her sessions are the
// attacker's until revoked, and she gets her account back once its
// password and MFA methods are hers again.
func accountsStep(f *facts) Step {
	s := Step{Action: "accounts", Title: "Cut off " + plural.Count(len(f.accounts), "account", "accounts") + " the attack used",
		Why: "Revoke their sessions (a stolen token outlives a password change) and disable them until their owners confirm what they did; " +
			"reset a user's password and MFA methods before enabling her again, and remove a service principal's credentials it should not have " +
			"(a guest invited during the attack is the attacker's: delete it once the evidence is kept). " +
			"Act from a break-glass account, not one of these: disabling the administrator you are signed in as locks you out."}
	for _, a := range f.accounts {
		s.Targets = append(s.Targets, a.String())
		id := Quote(a.id())
		revoke := "az rest --method post --url " + Quote("https://graph.microsoft.com/v1.0/users/"+url.PathEscape(a.id())+"/revokeSignInSessions")
		switch {
		case a.user() != "":
			s.Commands = append(s.Commands, revoke, "az ad user update --id "+id+" --account-enabled false")
		case a.servicePrincipal():
			s.Commands = append(s.Commands, "az ad sp update --id "+id+" --set accountEnabled=false", "az ad sp credential list --id "+id)
		default:
			// An object id alone (a Defender alert's): a user's, or a
			// service principal's. Each command fails on the other kind.
			s.Commands = append(s.Commands, revoke+" || az ad sp update --id "+id+" --set accountEnabled=false",
				"az ad user update --id "+id+" --account-enabled false || az ad sp credential list --id "+id)
		}
	}
	return s
}

// rootStep removes the User Access Administrator role at root scope that
// elevating access gives: it lets its holder grant itself anything in
// every subscription, and stays after the session ends.
func rootStep(f *facts) Step {
	s := Step{Action: "root_access", Title: "Remove the access elevated to the root scope",
		Why: "Elevating access gave User Access Administrator at / (every subscription and management group), and it stays until removed. " +
			"A Global Administrator may do it again: turn it off for each (Entra ID, Properties, Access management for Azure resources) and keep it for break-glass accounts."}
	for _, a := range f.elevated {
		s.Targets = append(s.Targets, a.String())
		s.Commands = append(s.Commands, "az role assignment delete --assignee "+Quote(a.id())+" --role 'User Access Administrator' --scope /")
	}
	return s
}

// assignmentsStep removes the roles the attack granted.
func assignmentsStep(f *facts) Step {
	s := Step{Action: "role_assignments", Title: "Remove " + plural.Count(len(f.assignments), "role assignment", "role assignments") + " made during the attack",
		Why: "Roles granted in the attack let its accounts come back after their sessions are revoked. Check each against a change the team asked for before removing it."}
	for _, id := range f.assignments {
		s.Targets = append(s.Targets, id)
		s.Commands = append(s.Commands, "az role assignment delete --ids "+Quote(id))
	}
	return s
}

// computeStep stops what the attack set running (created, or started:
// a stopped machine woken), and so costing.
// Deallocating keeps a machine's disks (the evidence), where deleting
// takes them; deleting is for after.
func computeStep(f *facts) Step {
	n := 0
	for _, c := range f.compute {
		n += c.Count
	}
	s := Step{Action: "compute", Title: "Stop the compute it ran (" + plural.Count(n, "instance", "instances") + ")",
		Why: "This is what costs by the hour. Deallocate machines and scale sets (their disks stay, for the evidence: delete them once it is kept); " +
			"Azure Machine Learning clusters, Batch pools and container groups are deleted or stopped. Check none is a team's own first."}
	for _, c := range f.compute {
		s.Targets = append(s.Targets, c.Resource)
		s.Commands = append(s.Commands, stopCommand(c.Service, c.Resource))
	}
	return s
}

// stopCommand stops one created resource.
func stopCommand(service, id string) string {
	low := strings.ToLower(id)
	switch {
	case strings.Contains(low, "/virtualmachinescalesets/") && !strings.Contains(low, "/virtualmachines/"):
		return "az vmss deallocate --ids " + Quote(id)
	case isMachine(id):
		// A VM, or a scale set's instance (one the attack started).
		if cmd, ok := deallocateMachine(id); ok {
			return cmd
		}
	case strings.Contains(low, "/microsoft.containerinstance/containergroups/"):
		return "az container stop --ids " + Quote(id)
	case strings.Contains(low, "/microsoft.machinelearningservices/") && strings.Contains(low, "/jobs/"):
		if rg, ws, job, ok := mlJob(id); ok {
			return "az ml job cancel --resource-group " + Quote(rg) + " --workspace-name " + Quote(ws) + " --name " + Quote(job)
		}
	}
	// An Azure Machine Learning cluster, a Batch pool, anything else an
	// alert counted instances of: ARM deletes any resource by its id.
	return "az resource delete --ids " + Quote(id)
}

// mlJob reads an Azure Machine Learning job's resource group, workspace
// and name from its id.
func mlJob(id string) (rg, ws, job string, ok bool) {
	p := idParts(id)
	rg, ws, job = p["resourcegroups"], p["workspaces"], p["jobs"]
	return rg, ws, job, rg != "" && ws != "" && job != ""
}

// idParts reads a resource id's type/name pairs (subscriptions/S,
// resourceGroups/RG, providers/NAMESPACE, virtualMachineScaleSets/SET, …)
// by their types, lower case; the last of a type wins.
func idParts(id string) map[string]string {
	parts := strings.Split(strings.Trim(id, "/"), "/")
	m := make(map[string]string, len(parts)/2)
	for i := 0; i+1 < len(parts); i += 2 {
		m[strings.ToLower(parts[i])] = parts[i+1]
	}
	return m
}

// machinesStep isolates the machines a miner ran on that the attack did
// not create: someone reached into a machine the tenant already had.
func machinesStep(f *facts) Step {
	s := Step{Action: "machines", Title: "Isolate the machines that mined",
		Why: "A miner shows someone ran code on the machine: isolate it (Defender for Endpoint's isolation, or an NSG that denies its traffic), keep its disk, " +
			"then rebuild it from a clean image rather than cleaning it. Find how the miner got there (a run command, an extension, an exposed service)."}
	created := func(id string) bool {
		low := strings.ToLower(id)
		for _, c := range f.compute {
			if r := strings.ToLower(c.Resource); low == r || strings.HasPrefix(low, r+"/") {
				return true
			}
		}
		return false
	}
	var ids []string
	for _, id := range f.minedIDs {
		if !created(id) {
			ids = append(ids, id)
		}
	}
	if len(f.minedIDs) > 0 && len(ids) == 0 {
		// Every machine that mined is one the attack created: stopping
		// its compute stops them.
		return Step{}
	}
	for _, id := range ids {
		if cmd, ok := deallocateMachine(id); ok {
			s.Commands = append(s.Commands, cmd)
		}
	}
	s.Targets = f.mined
	if len(s.Targets) == 0 {
		s.Targets = ids
	}
	return s
}

// deallocateMachine stops a machine by its id: a VM, or a scale set's
// instance (its scale set, resource group and instance id).
func deallocateMachine(id string) (string, bool) {
	if !lowerHas(id, "/virtualmachinescalesets/") {
		return "az vm deallocate --ids " + Quote(id), true
	}
	p := idParts(id)
	rg, set, inst := p["resourcegroups"], p["virtualmachinescalesets"], p["virtualmachines"]
	if rg == "" || set == "" || inst == "" {
		return "", false
	}
	return "az vmss deallocate --resource-group " + Quote(rg) + " --name " + Quote(set) + " --instance-ids " + Quote(inst), true
}

// quotaStep asks for the raised quotas back. Azure does not lower a
// compute quota through its API: a support request does.
func quotaStep(f *facts) Step {
	s := Step{Action: "quota", Title: "Lower " + plural.Count(len(f.quotas), "quota", "quotas") + " the attack raised",
		Why: "A raised limit lets the attacker, or the next one, deploy again at once. See each limit and its use (the az quota extension), " +
			"then ask for it back to what the subscription uses through a support request (Help + support, Service and subscription limits)."}
	for _, q := range f.quotas {
		s.Targets = append(s.Targets, q.String())
		s.Commands = append(s.Commands, "az quota show --resource-name "+Quote(q.family)+" --scope "+Quote(q.scope))
	}
	return s
}

// subscriptionStep: a subscription moved to another directory cannot be
// taken back from this tenant.
func subscriptionStep(f *facts) Step {
	s := Step{Action: "subscription", Title: "Recover " + plural.Count(len(f.subs), "subscription", "subscriptions") + " moved to another tenant",
		Why: "It now answers to a directory whose owners are the attacker's, and no one in this tenant can act on it, while its bill stays yours. " +
			"Open a Microsoft support request at once naming it and both tenants (its alert says them); if it cannot be brought back, " +
			"have the billing account's owner cancel it (Cost Management + Billing) so it stops costing."}
	s.Targets = append(s.Targets, f.subs...)
	return s
}

// createdStep: a subscription the attack created through an alias is
// billed to the tenant's billing account, wherever its directory is.
func createdStep(f *facts) Step {
	s := Step{Action: "new_subscriptions", Title: "Cancel " + plural.Count(len(f.aliases), "subscription", "subscriptions") + " the attack created",
		Why: "A subscription created on your billing account is billed to you even when it was placed in a directory the attacker owns, where no one of yours can see what runs in it. " +
			"Find its id from its alias, then have the billing account's owner cancel it (Cost Management + Billing, or az account subscription cancel --id with that id)."}
	for _, id := range f.aliases {
		s.Targets = append(s.Targets, id)
		name := id[strings.LastIndex(id, "/")+1:]
		s.Commands = append(s.Commands, "az account alias show --name "+Quote(name))
	}
	return s
}

// networkStep blocks where the miners sent their work and where the
// attacker signed in from.
func networkStep(f *facts) Step {
	s := Step{Action: "network", Title: "Block the attack's addresses",
		Why: "Deny outbound traffic to the mining pools at the firewall or the network security groups (and their stratum ports: pools move); " +
			"the sign-in addresses are a cloud's, which an attacker changes at will: block them in a Conditional Access named location, and require MFA so the next one does not matter."}
	for _, ip := range f.pools {
		s.Targets = append(s.Targets, ip+" (mining pool)")
	}
	for _, ip := range f.signIns {
		s.Targets = append(s.Targets, ip+" (sign-in)")
	}
	return s
}
