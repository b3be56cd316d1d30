package posture

import (
	"fmt"
	"strings"

	"github.com/mamori-sec/mamori/internal/posture/capture"
)

var checkSecurityContacts = &check{
	name:     "posture.notify.security_contacts",
	title:    "Security notices reach someone",
	severity: "high",
	why: "Microsoft's first word about a compromised subscription, a Defender alert on a miner or an abuse " +
		"report about mining traffic, goes to the Defender security contact, the subscription owners and the " +
		"tenant's technical notification mail. When those point at nobody, the bill is the first alert.",
	fix: "Defender for Cloud > Environment settings > SUBSCRIPTION > Email notifications: add a monitored address, " +
		"notify Owner, alerts from severity Medium; or `az security contact create --name default --emails soc@example.com " +
		"--notifications-by-role '{\"state\":\"On\",\"roles\":[\"Owner\"]}' --alert-notifications '{\"state\":\"On\",\"minimalSeverity\":\"Medium\"}'`. " +
		"Set the tenant's technical contact in Entra admin center > Identity > Overview > Properties > Technical contact.",
	required:     []string{capture.KeySecurityContacts, capture.KeyOrganization},
	subscription: securityContacts,
}

func securityContacts(e *env, sub *Subscription) Finding {
	var ev, problems []Evidence
	emails, alerts, owners := 0, false, false
	for _, c := range sub.SecurityContacts {
		emails += len(c.Emails)
		alerts = alerts || (c.AlertsOn && len(c.Emails) > 0)
		owners = owners || (c.RolesOn && containsFold(c.NotifyRoles, "Owner"))
		detail := fmt.Sprintf("alerts %s, roles %s", onOff(c.AlertsOn), onOff(c.RolesOn))
		if c.MinimalSeverity != "" {
			detail += ", from severity " + c.MinimalSeverity
		}
		if len(c.NotifyRoles) > 0 {
			detail += " (" + strings.Join(c.NotifyRoles, ", ") + ")"
		}
		subject := strings.Join(c.Emails, "; ")
		if subject == "" {
			subject = "security contact " + c.Name + " (no e-mail)"
		}
		ev = append(ev, Evidence{Subject: subject, Detail: detail})
	}
	if emails == 0 {
		problems = append(problems, Evidence{Subject: "security contact", Detail: "no e-mail address"})
	}
	if !alerts {
		problems = append(problems, Evidence{Subject: "alert notifications", Detail: "off: Defender alerts are not e-mailed"})
	}
	if !owners {
		problems = append(problems, Evidence{Subject: "notifications to owners", Detail: "off: subscription Owners are not told"})
	}
	org := e.s.Organization
	if org == nil || len(org.TechnicalNotificationMails) == 0 {
		problems = append(problems, Evidence{Subject: "technical notification mail", Detail: "the tenant has none: Microsoft's notices reach nobody"})
	} else {
		ev = append(ev, Evidence{Subject: strings.Join(org.TechnicalNotificationMails, "; "), Detail: "tenant technical notification mail"})
	}
	if org != nil && len(org.SecurityComplianceMails) > 0 {
		ev = append(ev, Evidence{Subject: strings.Join(org.SecurityComplianceMails, "; "), Detail: "tenant security and compliance notification mail"})
	}
	if len(problems) > 0 {
		return e.result(sub, true, fmt.Sprintf("%d of 4 notification paths missing", len(problems)), append(problems, ev...))
	}
	return e.result(sub, false, "security alerts reach the contact e-mail, the owners and the tenant's technical contact", ev)
}

// onOff spells a switch for evidence.
func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
