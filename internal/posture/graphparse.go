package posture

import (
	"encoding/json"
	"strings"
)

// Microsoft Graph v1.0 resources, in the shapes the Graph reference shows.

func parseOrganization(s *Snapshot, _ []string, item json.RawMessage) error {
	var raw struct {
		ID                                  flexString  `json:"id"`
		DisplayName                         flexString  `json:"displayName"`
		TechnicalNotificationMails          flexStrings `json:"technicalNotificationMails"`
		SecurityComplianceNotificationMails flexStrings `json:"securityComplianceNotificationMails"`
	}
	if err := decodeItem(item, &raw); fatal(err) {
		return err
	}
	s.Organization = &Organization{
		ID:                         string(raw.ID),
		DisplayName:                string(raw.DisplayName),
		TechnicalNotificationMails: raw.TechnicalNotificationMails,
		SecurityComplianceMails:    raw.SecurityComplianceNotificationMails,
	}
	return nil
}

func parseUser(s *Snapshot, _ []string, item json.RawMessage) error {
	var raw struct {
		ID                    flexString `json:"id"`
		DisplayName           flexString `json:"displayName"`
		UPN                   flexString `json:"userPrincipalName"`
		UserType              flexString `json:"userType"`
		AccountEnabled        flexBool   `json:"accountEnabled"`
		OnPremisesSyncEnabled flexBool   `json:"onPremisesSyncEnabled"`
		AssignedLicenses      []struct {
			SkuID         flexString  `json:"skuId"`
			DisabledPlans flexStrings `json:"disabledPlans"`
		} `json:"assignedLicenses"`
	}
	err := decodeItem(item, &raw)
	if fatal(err) {
		return err
	}
	if raw.ID == "" {
		return errNoID
	}
	u := &User{
		ID:               strings.ToLower(string(raw.ID)),
		UPN:              string(raw.UPN),
		DisplayName:      string(raw.DisplayName),
		Type:             strings.ToLower(string(raw.UserType)),
		Enabled:          raw.AccountEnabled.Value,
		EnabledKnown:     raw.AccountEnabled.Set,
		OnPremisesSynced: raw.OnPremisesSyncEnabled.Value,
	}
	// Graph leaves userType null on some old accounts: they are members.
	if u.Type == "" {
		u.Type = "member"
	}
	for _, l := range raw.AssignedLicenses {
		u.Licences = append(u.Licences, Licence{SkuID: strings.ToLower(string(l.SkuID)), DisabledPlans: lowerAll(l.DisabledPlans)})
	}
	s.Users[u.ID] = u
	if u.UPN != "" {
		s.UserByUPN[strings.ToLower(u.UPN)] = u
	}
	return err
}

func parseSku(s *Snapshot, _ []string, item json.RawMessage) error {
	var raw struct {
		SkuID         flexString `json:"skuId"`
		SkuPartNumber flexString `json:"skuPartNumber"`
		ServicePlans  []struct {
			ServicePlanID   flexString `json:"servicePlanId"`
			ServicePlanName flexString `json:"servicePlanName"`
		} `json:"servicePlans"`
	}
	err := decodeItem(item, &raw)
	if fatal(err) {
		return err
	}
	if raw.SkuID == "" {
		return errNoID
	}
	sku := &Sku{ID: strings.ToLower(string(raw.SkuID)), PartNumber: string(raw.SkuPartNumber)}
	for _, p := range raw.ServicePlans {
		sku.Plans = append(sku.Plans, ServicePlan{ID: strings.ToLower(string(p.ServicePlanID)), Name: string(p.ServicePlanName)})
	}
	s.Skus[sku.ID] = sku
	return err
}

func parseRegistration(s *Snapshot, _ []string, item json.RawMessage) error {
	var raw struct {
		ID                flexString  `json:"id"`
		UPN               flexString  `json:"userPrincipalName"`
		IsAdmin           flexBool    `json:"isAdmin"`
		IsMfaRegistered   flexBool    `json:"isMfaRegistered"`
		MethodsRegistered flexStrings `json:"methodsRegistered"`
	}
	err := decodeItem(item, &raw)
	if fatal(err) {
		return err
	}
	if raw.ID == "" {
		return errNoID
	}
	r := &Registration{
		UserID:        strings.ToLower(string(raw.ID)),
		UPN:           string(raw.UPN),
		MFARegistered: raw.IsMfaRegistered.Value,
		Methods:       raw.MethodsRegistered,
		IsAdmin:       raw.IsAdmin.Value,
	}
	s.Registration[r.UserID] = r
	return err
}

func parseDirectoryRole(s *Snapshot, _ []string, item json.RawMessage) error {
	var raw struct {
		ID           flexString `json:"id"`
		TemplateID   flexString `json:"templateId"`
		DisplayName  flexString `json:"displayName"`
		IsBuiltIn    flexBool   `json:"isBuiltIn"`
		IsPrivileged flexBool   `json:"isPrivileged"`
	}
	err := decodeItem(item, &raw)
	if fatal(err) {
		return err
	}
	if raw.ID == "" {
		return errNoID
	}
	r := &DirectoryRole{
		ID:          strings.ToLower(string(raw.ID)),
		TemplateID:  strings.ToLower(string(raw.TemplateID)),
		DisplayName: string(raw.DisplayName),
		BuiltIn:     raw.IsBuiltIn.Value,
		Privileged:  raw.IsPrivileged.Value,
	}
	if r.TemplateID == "" {
		r.TemplateID = r.ID
	}
	s.DirectoryRoles[r.ID] = r
	s.DirectoryRoles[r.TemplateID] = r
	return err
}

func parseDirectoryAssignment(eligible bool) parser {
	return func(s *Snapshot, _ []string, item json.RawMessage) error {
		var raw struct {
			PrincipalID      flexString `json:"principalId"`
			RoleDefinitionID flexString `json:"roleDefinitionId"`
			DirectoryScopeID flexString `json:"directoryScopeId"`
		}
		err := decodeItem(item, &raw)
		if fatal(err) {
			return err
		}
		if raw.PrincipalID == "" || raw.RoleDefinitionID == "" {
			return errNoID
		}
		a := DirectoryAssignment{
			PrincipalID:      strings.ToLower(string(raw.PrincipalID)),
			RoleDefinitionID: strings.ToLower(string(raw.RoleDefinitionID)),
			DirectoryScopeID: string(raw.DirectoryScopeID),
			Eligible:         eligible,
		}
		if eligible {
			s.DirectoryEligible = append(s.DirectoryEligible, a)
		} else {
			s.DirectoryActive = append(s.DirectoryActive, a)
		}
		return err
	}
}

// lowerAll lower-cases IDs and keywords ("All", "None") for comparison.
func lowerAll(in []string) []string {
	out := make([]string, len(in))
	for i, v := range in {
		out[i] = strings.ToLower(v)
	}
	return out
}
