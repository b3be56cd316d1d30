package posture

import (
	"encoding/json"
	"strings"
)

// Azure RBAC role assignments and definitions.

// rawAssignment is a role assignment in the ARM list shape.
type rawAssignment struct {
	ID         flexString `json:"id"`
	Properties struct {
		RoleDefinitionID flexString `json:"roleDefinitionId"`
		PrincipalID      flexString `json:"principalId"`
		PrincipalType    flexString `json:"principalType"`
		Scope            flexString `json:"scope"`
	} `json:"properties"`
}

func decodeAssignment(item json.RawMessage) (RoleAssignment, error) {
	var raw rawAssignment
	err := decodeItem(item, &raw)
	if fatal(err) {
		return RoleAssignment{}, err
	}
	p := raw.Properties
	if p.PrincipalID == "" || p.RoleDefinitionID == "" {
		return RoleAssignment{}, errNoID
	}
	return RoleAssignment{
		ID:               string(raw.ID),
		PrincipalID:      strings.ToLower(string(p.PrincipalID)),
		PrincipalType:    string(p.PrincipalType),
		RoleDefinitionID: string(p.RoleDefinitionID),
		Scope:            string(p.Scope),
	}, err
}

func parseRoleAssignment(s *Snapshot, vals []string, item json.RawMessage) error {
	a, err := decodeAssignment(item)
	if fatal(err) {
		return err
	}
	sub := s.sub(vals[0])
	sub.RoleAssignments = append(sub.RoleAssignments, a)
	return err
}

func parseRootAssignment(s *Snapshot, _ []string, item json.RawMessage) error {
	a, err := decodeAssignment(item)
	if fatal(err) {
		return err
	}
	s.RootAssignments = append(s.RootAssignments, a)
	return err
}

func parseRoleDefinition(s *Snapshot, vals []string, item json.RawMessage) error {
	var raw struct {
		ID         flexString `json:"id"`
		Name       flexString `json:"name"`
		Properties struct {
			RoleName    flexString `json:"roleName"`
			Type        flexString `json:"type"`
			Permissions []struct {
				Actions    flexStrings `json:"actions"`
				NotActions flexStrings `json:"notActions"`
			} `json:"permissions"`
		} `json:"properties"`
	}
	err := decodeItem(item, &raw)
	if fatal(err) {
		return err
	}
	guid := strings.ToLower(string(raw.Name))
	if guid == "" {
		guid = lastSegment(string(raw.ID))
	}
	if guid == "" {
		return errNoID
	}
	d := &RoleDefinition{
		ID:     string(raw.ID),
		GUID:   guid,
		Name:   string(raw.Properties.RoleName),
		Custom: strings.EqualFold(string(raw.Properties.Type), "CustomRole"),
	}
	for _, p := range raw.Properties.Permissions {
		d.Permissions = append(d.Permissions, RolePermission{Actions: p.Actions, NotActions: p.NotActions})
	}
	s.sub(vals[0]).RoleDefinitions[guid] = d
	return err
}
