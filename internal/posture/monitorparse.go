package posture

import (
	"encoding/json"
)

// Diagnostic settings, activity log alerts and Log Analytics workspaces.

func parseDiagnostic(kind diagKind) parser {
	return func(s *Snapshot, vals []string, item json.RawMessage) error {
		var raw struct {
			ID         flexString `json:"id"`
			Name       flexString `json:"name"`
			Properties struct {
				StorageAccountID            flexString `json:"storageAccountId"`
				WorkspaceID                 flexString `json:"workspaceId"`
				EventHubAuthorizationRuleID flexString `json:"eventHubAuthorizationRuleId"`
				MarketplacePartnerID        flexString `json:"marketplacePartnerId"`
				Logs                        []struct {
					Category        flexString `json:"category"`
					CategoryGroup   flexString `json:"categoryGroup"`
					Enabled         flexBool   `json:"enabled"`
					RetentionPolicy struct {
						Enabled flexBool `json:"enabled"`
						Days    flexInt  `json:"days"`
					} `json:"retentionPolicy"`
				} `json:"logs"`
			} `json:"properties"`
		}
		err := decodeItem(item, &raw)
		if fatal(err) {
			return err
		}
		p := raw.Properties
		d := DiagnosticSetting{
			ID: string(raw.ID), Name: string(raw.Name),
			WorkspaceID: string(p.WorkspaceID), StorageID: string(p.StorageAccountID),
			EventHubID: string(p.EventHubAuthorizationRuleID), PartnerID: string(p.MarketplacePartnerID),
		}
		for _, l := range p.Logs {
			lc := LogCategory{Category: string(l.Category), CategoryGroup: string(l.CategoryGroup), Enabled: l.Enabled.Value}
			if l.RetentionPolicy.Enabled.Value {
				lc.RetentionDays = l.RetentionPolicy.Days.Value
			}
			d.Logs = append(d.Logs, lc)
		}
		switch kind {
		case entraDiag:
			s.EntraDiagnostics = append(s.EntraDiagnostics, d)
		case tenantDiag:
			s.TenantDiagnostics = append(s.TenantDiagnostics, d)
		default:
			sub := s.sub(vals[0])
			sub.Diagnostics = append(sub.Diagnostics, d)
		}
		return err
	}
}

// rawCondition is one activity log alert clause; anyOf nests one level.
type rawCondition struct {
	Field       flexString     `json:"field"`
	Equals      flexString     `json:"equals"`
	ContainsAny flexStrings    `json:"containsAny"`
	AnyOf       []rawCondition `json:"anyOf"`
}

func (r rawCondition) typed() AlertCondition {
	c := AlertCondition{Field: string(r.Field), Equals: string(r.Equals), ContainsAny: r.ContainsAny}
	for _, a := range r.AnyOf {
		c.AnyOf = append(c.AnyOf, a.typed())
	}
	return c
}

func parseAlert(s *Snapshot, vals []string, item json.RawMessage) error {
	var raw struct {
		ID         flexString `json:"id"`
		Name       flexString `json:"name"`
		Properties struct {
			Scopes    flexStrings `json:"scopes"`
			Enabled   flexBool    `json:"enabled"`
			Condition struct {
				AllOf []rawCondition `json:"allOf"`
			} `json:"condition"`
			Actions struct {
				ActionGroups []struct {
					ActionGroupID flexString `json:"actionGroupId"`
				} `json:"actionGroups"`
			} `json:"actions"`
		} `json:"properties"`
	}
	err := decodeItem(item, &raw)
	if fatal(err) {
		return err
	}
	p := raw.Properties
	// enabled defaults to true when the API omits it.
	a := ActivityLogAlert{ID: string(raw.ID), Name: string(raw.Name), Enabled: p.Enabled.Value || !p.Enabled.Set, Scopes: p.Scopes}
	for _, c := range p.Condition.AllOf {
		a.Conditions = append(a.Conditions, c.typed())
	}
	for _, g := range p.Actions.ActionGroups {
		if g.ActionGroupID != "" {
			a.ActionGroups = append(a.ActionGroups, string(g.ActionGroupID))
		}
	}
	sub := s.sub(vals[0])
	sub.ActivityLogAlerts = append(sub.ActivityLogAlerts, a)
	return err
}

func parseWorkspace(s *Snapshot, vals []string, item json.RawMessage) error {
	var raw struct {
		ID         flexString `json:"id"`
		Name       flexString `json:"name"`
		Properties struct {
			RetentionInDays flexInt `json:"retentionInDays"`
		} `json:"properties"`
	}
	err := decodeItem(item, &raw)
	if fatal(err) {
		return err
	}
	if raw.ID == "" {
		return errNoID
	}
	sub := s.sub(vals[0])
	sub.Workspaces = append(sub.Workspaces, Workspace{
		ID: string(raw.ID), Name: string(raw.Name),
		RetentionDays: raw.Properties.RetentionInDays.Value, RetentionSet: raw.Properties.RetentionInDays.Set,
	})
	return err
}
