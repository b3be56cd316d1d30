package posture

import "strings"

// Organization is the tenant's notification settings from Graph /organization.
type Organization struct {
	ID          string
	DisplayName string
	// TechnicalNotificationMails receive Microsoft's technical and
	// security notices about the tenant; SecurityComplianceMails receive
	// security and compliance notices.
	TechnicalNotificationMails []string
	SecurityComplianceMails    []string
}

// User is one directory user.
type User struct {
	ID               string
	UPN              string
	DisplayName      string
	Type             string // "member" or "guest", lower-cased
	Enabled          bool
	EnabledKnown     bool // accountEnabled was present
	OnPremisesSynced bool
	Licences         []Licence
}

// Guest reports whether the user is a guest (B2B) account.
func (u *User) Guest() bool { return u.Type == "guest" }

// Name is the best human name for evidence: the UPN, else the ID.
func (u *User) Name() string {
	if u.UPN != "" {
		return u.UPN
	}
	return u.ID
}

// Licence is one assigned licence SKU and the plans disabled in it.
type Licence struct {
	SkuID         string
	DisabledPlans []string
}

// Sku is one subscribed licence SKU and its service plans.
type Sku struct {
	ID         string
	PartNumber string
	Plans      []ServicePlan
}

// ServicePlan is one service inside a SKU, such as EXCHANGE_S_ENTERPRISE.
type ServicePlan struct {
	ID   string
	Name string
}

// Registration is a user's authentication-method registration.
type Registration struct {
	UserID        string
	UPN           string
	MFARegistered bool
	Methods       []string
	IsAdmin       bool
}

// DirectoryRole is an Entra role definition.
type DirectoryRole struct {
	ID          string
	TemplateID  string
	DisplayName string
	BuiltIn     bool
	// Privileged is Graph's isPrivileged flag (false when the API omits it).
	Privileged bool
}

// DirectoryAssignment is an active Entra role assignment or a PIM
// eligibility schedule.
type DirectoryAssignment struct {
	PrincipalID      string
	RoleDefinitionID string
	DirectoryScopeID string
	Eligible         bool
}

// CAPolicy is one conditional access policy, reduced to what the checks use.
type CAPolicy struct {
	ID          string
	DisplayName string
	State       string // enabled, disabled, enabledForReportingButNotEnforced

	IncludeUsers, ExcludeUsers   []string
	IncludeGroups, ExcludeGroups []string
	IncludeRoles, ExcludeRoles   []string
	IncludeApps, ExcludeApps     []string
	SignInRiskLevels             []string
	UserRiskLevels               []string

	// Operator joins the built-in controls: "AND" or "OR".
	Operator        string
	BuiltInControls []string
	// AuthStrength is the authentication strength's name, when one is set.
	AuthStrength string
	// Narrowing lists conditions (client apps, platforms, locations,
	// device filter) that limit when the policy applies.
	Narrowing []string
}

// Unconditional reports whether the policy applies to every sign-in of the
// users and apps it targets: no risk level, client app, platform, location
// or device condition narrows it.
func (p *CAPolicy) Unconditional() bool {
	return len(p.SignInRiskLevels) == 0 && len(p.UserRiskLevels) == 0 && len(p.Narrowing) == 0
}

// Enforced reports whether the policy is on (report-only does not count).
func (p *CAPolicy) Enforced() bool { return strings.EqualFold(p.State, "enabled") }

// control reports whether the grant controls include name.
func (p *CAPolicy) control(name string) bool { return containsFold(p.BuiltInControls, name) }

// RequiresMFA reports whether every way through the policy needs MFA: an
// authentication strength, or "mfa" with no OR'd alternative that skips it.
// Block also counts, being stricter than MFA.
func (p *CAPolicy) RequiresMFA() bool {
	if p.control("block") {
		return true
	}
	if p.AuthStrength != "" && (len(p.BuiltInControls) == 0 || !strings.EqualFold(p.Operator, "OR")) {
		return true
	}
	if !p.control("mfa") {
		return false
	}
	if strings.EqualFold(p.Operator, "OR") {
		// "mfa OR compliantDevice" lets a compliant device in without MFA.
		for _, c := range p.BuiltInControls {
			if !strings.EqualFold(c, "mfa") {
				return false
			}
		}
	}
	return true
}

// containsFold reports whether list holds s, ignoring case.
func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
