package posture

import (
	"strings"

	"github.com/mamori-sec/mamori/internal/record"
)

// RoleAssignment is one Azure RBAC role assignment.
type RoleAssignment struct {
	ID               string
	PrincipalID      string
	PrincipalType    string // User, Group, ServicePrincipal, ForeignGroup, Device
	RoleDefinitionID string // full ARM ID as the API returned it
	Scope            string
}

// RoleGUID is the role definition's GUID, lower-cased: the part that is the
// same whichever scope the definition ID was written at.
func (a *RoleAssignment) RoleGUID() string { return lastSegment(a.RoleDefinitionID) }

// RoleDefinition is an Azure role: built-in or custom, with its permissions.
type RoleDefinition struct {
	ID          string
	GUID        string // lower-cased
	Name        string // roleName, such as "Virtual Machine Contributor"
	Custom      bool
	Permissions []RolePermission
}

// RolePermission is one block of actions and the notActions carved out of it.
type RolePermission struct {
	Actions    []string
	NotActions []string
}

// Allows reports whether the role grants action: some block has an action
// pattern matching it and no notAction pattern matching it. Patterns use
// Azure's "*" wildcard, case-insensitively.
func (r *RoleDefinition) Allows(action string) bool {
	for _, p := range r.Permissions {
		if anyActionMatch(p.Actions, action) && !anyActionMatch(p.NotActions, action) {
			return true
		}
	}
	return false
}

// SecurityContact is a Defender for Cloud security contact, in either API
// generation's shape: 2023-12-01-preview (isEnabled, emails,
// notificationsByRole, notificationsSources) or the older previews
// (email/emails, alertNotifications, alertsToAdmins).
type SecurityContact struct {
	Name   string
	Emails []string
	// AlertsOn says alert e-mails are sent: isEnabled (with an Alert
	// source when sources are listed), or alertNotifications On.
	AlertsOn bool
	// MinimalSeverity is the lowest alert severity e-mailed, when stated.
	MinimalSeverity string
	// RolesOn says alerts also go to the holders of NotifyRoles
	// (notificationsByRole On, or alertsToAdmins On which means Owner).
	RolesOn     bool
	NotifyRoles []string
}

// Pricing is one Defender for Cloud plan in a subscription.
type Pricing struct {
	Name    string // VirtualMachines, Arm, ...
	Tier    string // Free or Standard
	SubPlan string // P1, P2, PerSubscription, ...
}

// DiagnosticSetting is one export of logs (activity log or Entra) and where
// it sends them.
type DiagnosticSetting struct {
	ID          string
	Name        string
	WorkspaceID string
	StorageID   string
	EventHubID  string // eventHubAuthorizationRuleId
	PartnerID   string // marketplacePartnerId
	Logs        []LogCategory
}

// LogCategory is one category (or category group) a setting exports.
type LogCategory struct {
	Category      string
	CategoryGroup string
	Enabled       bool
	// RetentionDays is the legacy storage retention; 0 means keep forever
	// (or no retention policy).
	RetentionDays int64
}

// Exports reports whether the setting sends category (or a category group
// holding every category) with enabled set.
func (d *DiagnosticSetting) Exports(category string) bool {
	for _, l := range d.Logs {
		if !l.Enabled {
			continue
		}
		if strings.EqualFold(l.Category, category) || strings.EqualFold(l.CategoryGroup, "allLogs") {
			return true
		}
		if strings.EqualFold(l.CategoryGroup, "audit") && strings.EqualFold(category, "AuditLogs") {
			return true
		}
	}
	return false
}

// ActivityLogAlert is one activity log alert rule.
type ActivityLogAlert struct {
	ID      string
	Name    string
	Enabled bool
	Scopes  []string
	// Conditions are the allOf clauses; a clause with AnyOf matches if any
	// of its alternatives does.
	Conditions   []AlertCondition
	ActionGroups []string
}

// AlertCondition is one field/equals clause (or an anyOf of them).
type AlertCondition struct {
	Field       string
	Equals      string
	ContainsAny []string
	AnyOf       []AlertCondition
}

// PolicyAssignment is one Azure Policy assignment.
type PolicyAssignment struct {
	ID              string
	Name            string
	DisplayName     string
	DefinitionID    string // policy or initiative (policy set) ID
	Scope           string
	NotScopes       []string
	EnforcementMode string // Default or DoNotEnforce
}

// PolicyDefinition is one policy definition; Fields are the resource fields
// its rule tests, used to recognise custom copies of the built-ins.
type PolicyDefinition struct {
	ID          string
	Name        string
	DisplayName string
	Type        string // BuiltIn, Custom, Static
	Fields      []string
	Effect      string
}

// PolicySet is one initiative and the definitions it groups.
type PolicySet struct {
	ID          string
	DisplayName string
	Definitions []string
}

// TransferPolicy is the tenant's Microsoft.Subscription/policies/default.
type TransferPolicy struct {
	BlockLeaving       bool
	BlockEntering      bool
	ExemptedPrincipals []string
}

// Usage is one compute quota counter in a region.
type Usage struct {
	Name      string // name.value, such as standardNCFamily, cores, lowPriorityCores
	Localized string
	Current   int64
	Limit     int64
	// CurrentSet and LimitSet are false when the API gave no number (the
	// field absent, null or not numeric): the value is unknown, not 0.
	CurrentSet, LimitSet bool
}

// Quota is one Microsoft.Quota limit in a region.
type Quota struct {
	Name       string
	Localized  string
	Limit      int64
	Applicable bool // isQuotaApplicable: the limit can be changed
}

// Workspace is a Log Analytics workspace, for the retention of exports.
type Workspace struct {
	ID            string
	Name          string
	RetentionDays int64
	RetentionSet  bool
}

// lastSegment returns the lower-cased last "/"-segment of an ARM ID.
func lastSegment(id string) string {
	id = strings.TrimRight(id, "/")
	if i := strings.LastIndexByte(id, '/'); i >= 0 {
		id = id[i+1:]
	}
	return strings.ToLower(id)
}

// subscriptionOfID returns the lower-cased subscription GUID in an ARM ID,
// or "".
func subscriptionOfID(id string) string { return strings.ToLower(record.SubscriptionOf(id)) }

// VM is one virtual machine of a subscription, joined from the VM list
// (size, region) and its statusOnly twin (power state) by resource ID.
type VM struct {
	ID       string // as the API wrote it
	Name     string
	Location string // lower-cased region
	Size     string // hardwareProfile.vmSize; "" when the VM list did not give it
	// Power is the PowerState/... status code's state (running,
	// deallocated, stopped, starting, ...) in lower case; "" when the
	// statusOnly list did not list the VM or gave no PowerState status.
	Power string
	// Listed and StatusListed say which of the two lists held the VM.
	Listed, StatusListed bool
}

// ResourceGroup is the VM's resource group, read from its ID.
func (v *VM) ResourceGroup() string {
	parts := strings.Split(v.ID, "/")
	for i := 0; i+1 < len(parts); i++ {
		if strings.EqualFold(parts[i], "resourceGroups") {
			return parts[i+1]
		}
	}
	return ""
}
