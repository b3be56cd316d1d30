package posture

import (
	"fmt"
	"strings"

	"github.com/mamori-sec/mamori/internal/plural"
	"github.com/mamori-sec/mamori/internal/posture/capture"
)

var checkTransferPolicy = &check{
	name:     "posture.subscription.transfer_policy",
	title:    "Subscriptions cannot leave the tenant",
	severity: "high",
	why: "An attacker with Owner can move a subscription into a tenant they control, taking its resources, " +
		"its logs and its spending limit along, and mine there while the bill still reaches the original " +
		"payer. The tenant's subscription policy can block subscriptions leaving (and entering).",
	fix: "Azure portal > Subscriptions > Manage policies: \"Subscription leaving Microsoft Entra tenant\" = Permit no one, " +
		"and keep the exempted users to a named few; or `az rest --method put --url " +
		"\"https://management.azure.com/providers/Microsoft.Subscription/policies/default?api-version=2021-10-01\" " +
		"--body '{\"properties\":{\"blockSubscriptionsLeavingTenant\":true,\"blockSubscriptionsIntoTenant\":true}}'` " +
		"(Global Administrator).",
	required: []string{capture.KeyTransferPolicy},
	tenant:   transferPolicy,
}

var checkDefenderPlans = &check{
	name:     "posture.defender.plans",
	title:    "Defender for Servers P2 and Resource Manager on",
	severity: "high",
	why: "Defender for Servers detects miners on VMs (process, network and file-hash alerts, \"Digital currency " +
		"mining related behavior detected\"), and Defender for Resource Manager detects the control-plane side: " +
		"suspicious VM creation, quota increases and use of stolen credentials against ARM.",
	fix: "Defender for Cloud > Environment settings > SUBSCRIPTION > Defender plans: Servers On (Plan 2) and Resource Manager On; " +
		"or `az security pricing create -n VirtualMachines --tier standard --subplan P2` and " +
		"`az security pricing create -n Arm --tier standard`.",
	required:     []string{capture.KeyPricings},
	subscription: defenderPlans,
}

func transferPolicy(e *env) Finding {
	p := e.s.Transfer
	if p == nil {
		// 404: the policy was never set, and Azure's default permits moves.
		return e.result(nil, true, "no transfer policy: subscriptions may leave and enter the tenant", []Evidence{{Subject: "Microsoft.Subscription/policies/default", Detail: "not set (default: permitted)"}})
	}
	ev := []Evidence{
		{Subject: "blockSubscriptionsLeavingTenant", Detail: fmt.Sprint(p.BlockLeaving)},
		{Subject: "blockSubscriptionsIntoTenant", Detail: fmt.Sprint(p.BlockEntering)},
	}
	for _, x := range p.ExemptedPrincipals {
		ev = append(ev, Evidence{Subject: e.principalName(x), Detail: "exempted: may move subscriptions out"})
	}
	if !p.BlockLeaving {
		return e.result(nil, true, "subscriptions may leave the tenant", ev)
	}
	return e.result(nil, false, fmt.Sprintf("subscriptions are blocked from leaving the tenant, %d exempted principals", len(p.ExemptedPrincipals)), ev)
}

func defenderPlans(e *env, sub *Subscription) Finding {
	var bad, ok []Evidence
	for _, want := range e.cfg.Defender {
		p := sub.Pricings[strings.ToLower(want.Name)]
		subject := want.Name
		if want.SubPlan != "" {
			subject += " " + want.SubPlan
		}
		switch {
		case p == nil:
			bad = append(bad, Evidence{Subject: subject, Detail: "plan not listed (off)"})
		case !strings.EqualFold(p.Tier, "Standard"):
			bad = append(bad, Evidence{Subject: subject, Detail: "tier " + p.Tier})
		case want.SubPlan != "" && !strings.EqualFold(p.SubPlan, want.SubPlan):
			bad = append(bad, Evidence{Subject: subject, Detail: "on, but sub-plan " + orNone(p.SubPlan)})
		default:
			ok = append(ok, Evidence{Subject: subject, Detail: "on (" + p.Tier + " " + p.SubPlan + ")"})
		}
	}
	if len(bad) > 0 {
		return e.result(sub, true, fmt.Sprintf("%d of %d Defender plans %s not on as required", len(bad), len(e.cfg.Defender), plural.Verb(len(bad), "is", "are")), append(bad, ok...))
	}
	return e.result(sub, false, fmt.Sprintf("all %d required Defender plans are on", len(e.cfg.Defender)), ok)
}

// orNone spells an empty value for evidence.
func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
