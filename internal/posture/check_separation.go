package posture

import (
	"fmt"
	"sort"
	"strings"

	"github.com/mamori-sec/mamori/internal/plural"
	"github.com/mamori-sec/mamori/internal/posture/capture"
)

var checkAdminSeparation = &check{
	name:     "posture.identity.admin_separation",
	title:    "Admins use separate, cloud-only accounts",
	severity: "high",
	why: "An admin role on the account that reads mail and opens documents puts tenant-wide power one " +
		"phishing mail or token theft away; an admin account synced from on-premises AD falls with the " +
		"domain. Either way the attacker who takes it can create compute and hide it.",
	fix: "Give each admin a separate cloud-only account (user@tenant.onmicrosoft.com) with no mail, Teams or Office " +
		"licence, move the role there (Entra admin center > Roles & admins, or PIM eligible assignment), and remove " +
		"the role from the everyday account.",
	required: []string{capture.KeyUsers, capture.KeySubscribedSkus, capture.KeyDirectoryRoles, capture.KeyDirectoryAssignments},
	optional: []string{capture.KeyDirectoryEligible},
	tenant:   adminSeparation,
}

// everydayPlans returns the enabled service plans of a user's licences that
// make the account an everyday one.
func (e *env) everydayPlans(u *User) []string {
	var out []string
	for _, l := range u.Licences {
		sku := e.s.Skus[l.SkuID]
		if sku == nil {
			continue
		}
		for _, p := range sku.Plans {
			if containsFold(l.DisabledPlans, p.ID) || !planMatches(e.cfg.Separation.EverydayPlans, p.Name) {
				continue
			}
			if !containsFold(out, p.Name) {
				out = append(out, p.Name)
			}
		}
	}
	sort.Strings(out)
	return out
}

// planMatches reports whether a plan name is in the list; an entry ending
// in "*" matches by prefix.
func planMatches(list []string, name string) bool {
	for _, p := range list {
		if strings.HasSuffix(p, "*") && strings.HasPrefix(strings.ToUpper(name), strings.ToUpper(strings.TrimSuffix(p, "*"))) {
			return true
		}
		if strings.EqualFold(p, name) {
			return true
		}
	}
	return false
}

func adminSeparation(e *env) Finding {
	holders := e.adminHolders()
	ids := make([]string, 0, len(holders))
	for id := range holders {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return e.principalName(ids[i]) < e.principalName(ids[j]) })
	var ev []Evidence
	users := 0
	for _, id := range ids {
		u := e.s.Users[id]
		if u == nil {
			continue // a group or service principal: not an everyday account
		}
		users++
		var why []string
		if plans := e.everydayPlans(u); len(plans) > 0 {
			why = append(why, "licensed for "+strings.Join(plans, ", "))
		}
		if u.OnPremisesSynced && e.cfg.Separation.SyncedIsEveryday {
			why = append(why, "synced from on-premises AD")
		}
		if len(why) > 0 {
			ev = append(ev, Evidence{Subject: u.Name(), Detail: strings.Join(holders[id], ", ") + ": " + strings.Join(why, "; ")})
		}
	}
	summary := fmt.Sprintf("%d of %d privileged users %s", len(ev), users, plural.Verb(len(ev), "is an everyday account", "are everyday accounts"))
	return e.result(nil, len(ev) > 0, summary, ev)
}
