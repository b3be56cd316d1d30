package posture

import (
	"encoding/json"
	"strings"
)

// Defender for Cloud security contacts and plans.

func parseSecurityContact(s *Snapshot, vals []string, item json.RawMessage) error {
	var raw struct {
		Name       flexString `json:"name"`
		Properties struct {
			Emails    flexStrings `json:"emails"`
			Email     flexStrings `json:"email"`
			IsEnabled flexBool    `json:"isEnabled"`
			// alertNotifications is "On"/"Off" in 2017-08-01-preview and
			// {"state": "On", "minimalSeverity": "Low"} in 2020-01-01-preview.
			AlertNotifications  json.RawMessage `json:"alertNotifications"`
			AlertsToAdmins      flexBool        `json:"alertsToAdmins"`
			NotificationsByRole struct {
				State flexBool    `json:"state"`
				Roles flexStrings `json:"roles"`
			} `json:"notificationsByRole"`
			NotificationsSources []struct {
				SourceType      flexString `json:"sourceType"`
				MinimalSeverity flexString `json:"minimalSeverity"`
			} `json:"notificationsSources"`
		} `json:"properties"`
	}
	err := decodeItem(item, &raw)
	if fatal(err) {
		return err
	}
	p := raw.Properties
	c := SecurityContact{Name: string(raw.Name), Emails: append(p.Emails, p.Email...)}
	// The 2023 shape: isEnabled turns e-mails on; sources say for what.
	if p.IsEnabled.Set {
		c.AlertsOn = p.IsEnabled.Value
		if len(p.NotificationsSources) > 0 {
			c.AlertsOn = false
			for _, src := range p.NotificationsSources {
				if strings.EqualFold(string(src.SourceType), "Alert") {
					c.AlertsOn, c.MinimalSeverity = p.IsEnabled.Value, string(src.MinimalSeverity)
				}
			}
		}
	}
	// The older shapes: alertNotifications as a string or an object.
	if len(p.AlertNotifications) > 0 {
		var state flexBool
		var obj struct {
			State           flexBool   `json:"state"`
			MinimalSeverity flexString `json:"minimalSeverity"`
		}
		if json.Unmarshal(p.AlertNotifications, &obj) == nil && obj.State.Set {
			c.AlertsOn, c.MinimalSeverity = obj.State.Value, string(obj.MinimalSeverity)
		} else if json.Unmarshal(p.AlertNotifications, &state) == nil && state.Set {
			c.AlertsOn = state.Value
		}
	}
	if p.NotificationsByRole.State.Set {
		c.RolesOn, c.NotifyRoles = p.NotificationsByRole.State.Value, p.NotificationsByRole.Roles
	} else if p.AlertsToAdmins.Set {
		// alertsToAdmins e-mailed subscription owners (and service admins).
		c.RolesOn, c.NotifyRoles = p.AlertsToAdmins.Value, []string{"Owner"}
	}
	sub := s.sub(vals[0])
	sub.SecurityContacts = append(sub.SecurityContacts, c)
	return err
}

func parsePricing(s *Snapshot, vals []string, item json.RawMessage) error {
	var raw struct {
		Name       flexString `json:"name"`
		Properties struct {
			PricingTier flexString `json:"pricingTier"`
			SubPlan     flexString `json:"subPlan"`
		} `json:"properties"`
	}
	err := decodeItem(item, &raw)
	if fatal(err) {
		return err
	}
	if raw.Name == "" {
		return errNoID
	}
	p := &Pricing{Name: string(raw.Name), Tier: string(raw.Properties.PricingTier), SubPlan: string(raw.Properties.SubPlan)}
	s.sub(vals[0]).Pricings[strings.ToLower(p.Name)] = p
	return err
}
