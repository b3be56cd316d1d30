package posture

import (
	"encoding/json"
	"strings"
)

// Azure Policy assignments, definitions and initiatives, and the
// subscription transfer policy.

func parsePolicyAssignment(s *Snapshot, vals []string, item json.RawMessage) error {
	var raw struct {
		ID         flexString `json:"id"`
		Name       flexString `json:"name"`
		Properties struct {
			DisplayName        flexString  `json:"displayName"`
			PolicyDefinitionID flexString  `json:"policyDefinitionId"`
			Scope              flexString  `json:"scope"`
			NotScopes          flexStrings `json:"notScopes"`
			EnforcementMode    flexString  `json:"enforcementMode"`
		} `json:"properties"`
	}
	err := decodeItem(item, &raw)
	if fatal(err) {
		return err
	}
	p := raw.Properties
	if p.PolicyDefinitionID == "" {
		return errNoID
	}
	sub := s.sub(vals[0])
	sub.PolicyAssignments = append(sub.PolicyAssignments, PolicyAssignment{
		ID: string(raw.ID), Name: string(raw.Name), DisplayName: string(p.DisplayName),
		DefinitionID: string(p.PolicyDefinitionID), Scope: string(p.Scope),
		NotScopes: p.NotScopes, EnforcementMode: string(p.EnforcementMode),
	})
	return err
}

// parsePolicyDefinition reads a policy definition or, when the item lists
// policyDefinitions, an initiative: the collector may return both in one
// dataset, and the initiatives list has the same outer shape.
func parsePolicyDefinition(s *Snapshot, vals []string, item json.RawMessage) error {
	var raw struct {
		ID         flexString `json:"id"`
		Name       flexString `json:"name"`
		Properties struct {
			DisplayName       flexString      `json:"displayName"`
			PolicyType        flexString      `json:"policyType"`
			PolicyRule        json.RawMessage `json:"policyRule"`
			PolicyDefinitions []struct {
				PolicyDefinitionID flexString `json:"policyDefinitionId"`
			} `json:"policyDefinitions"`
		} `json:"properties"`
	}
	err := decodeItem(item, &raw)
	if fatal(err) {
		return err
	}
	if raw.ID == "" {
		return errNoID
	}
	p, sub := raw.Properties, s.sub(vals[0])
	id := strings.ToLower(string(raw.ID))
	if p.PolicyDefinitions != nil {
		set := &PolicySet{ID: string(raw.ID), DisplayName: string(p.DisplayName)}
		for _, d := range p.PolicyDefinitions {
			set.Definitions = append(set.Definitions, string(d.PolicyDefinitionID))
		}
		sub.PolicySets[id] = set
		return err
	}
	d := &PolicyDefinition{ID: string(raw.ID), Name: string(raw.Name), DisplayName: string(p.DisplayName), Type: string(p.PolicyType)}
	d.Fields, d.Effect = ruleFields(p.PolicyRule)
	sub.PolicyDefinitions[id] = d
	return err
}

// ruleFields walks a policy rule's "if" tree and returns every "field" it
// tests and the "then" effect, enough to recognise a custom rule that
// restricts VM sizes or locations. The depth is capped: rules are data an
// attacker could have written.
func ruleFields(rule json.RawMessage) ([]string, string) {
	var r struct {
		If   any `json:"if"`
		Then struct {
			Effect flexString `json:"effect"`
		} `json:"then"`
	}
	if len(rule) == 0 || json.Unmarshal(rule, &r) != nil {
		return nil, ""
	}
	var fields []string
	var walk func(v any, depth int)
	walk = func(v any, depth int) {
		if depth > 32 {
			return
		}
		switch t := v.(type) {
		case map[string]any:
			if f, ok := t["field"].(string); ok {
				fields = append(fields, f)
			}
			for _, c := range t {
				walk(c, depth+1)
			}
		case []any:
			for _, c := range t {
				walk(c, depth+1)
			}
		}
	}
	walk(r.If, 0)
	return fields, string(r.Then.Effect)
}

func parseTransfer(s *Snapshot, _ []string, item json.RawMessage) error {
	var raw struct {
		Properties struct {
			BlockLeaving       flexBool    `json:"blockSubscriptionsLeavingTenant"`
			BlockEntering      flexBool    `json:"blockSubscriptionsIntoTenant"`
			ExemptedPrincipals flexStrings `json:"exemptedPrincipals"`
		} `json:"properties"`
	}
	err := decodeItem(item, &raw)
	if fatal(err) {
		return err
	}
	p := raw.Properties
	s.Transfer = &TransferPolicy{BlockLeaving: p.BlockLeaving.Value, BlockEntering: p.BlockEntering.Value, ExemptedPrincipals: lowerAll(p.ExemptedPrincipals)}
	return err
}
