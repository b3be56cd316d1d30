package posture

import (
	"sort"
	"time"

	"github.com/mamori-sec/mamori/internal/posture/capture"
)

// Snapshot is the typed view of one tenant's capture that every check
// reads. It never holds raw JSON: Build parsed it, and recorded per dataset
// whether it was read fully, so a check can say "not assessed" instead of
// passing on data it never saw.
type Snapshot struct {
	TenantID  string
	Collected time.Time

	// Datasets says how each dataset read ended, by expanded key.
	Datasets map[string]DatasetState

	// Organization holds the tenant's notification mails (nil if unread).
	Organization *Organization
	// Users by object ID; UserByUPN by lower-cased userPrincipalName.
	Users     map[string]*User
	UserByUPN map[string]*User
	// Skus by skuId: which service plans each licence carries.
	Skus map[string]*Sku
	// Registration is MFA registration by user ID.
	Registration map[string]*Registration
	// DirectoryRoles by role definition ID and by template ID.
	DirectoryRoles map[string]*DirectoryRole
	// DirectoryActive and DirectoryEligible are Entra role assignments and
	// PIM eligibility schedules.
	DirectoryActive   []DirectoryAssignment
	DirectoryEligible []DirectoryAssignment
	// ConditionalAccess policies in the order the API returned them.
	ConditionalAccess []CAPolicy
	// EntraDiagnostics export sign-in and audit logs; TenantDiagnostics
	// export the tenant-level activity log.
	EntraDiagnostics  []DiagnosticSetting
	TenantDiagnostics []DiagnosticSetting
	// RootAssignments are Azure role assignments at root scope "/".
	RootAssignments []RoleAssignment
	// Transfer is the tenant's subscription transfer policy (nil if unread
	// or never set, which Azure treats as "not blocked").
	Transfer *TransferPolicy

	// Subscriptions by lower-cased subscription ID.
	Subscriptions map[string]*Subscription
	// Entities are the management group hierarchy's subscriptions and
	// groups by lower-cased ARM ID; Ancestry reads them.
	Entities map[string]*Entity
}

// DatasetState is how reading one dataset ended, as the checks see it.
type DatasetState struct {
	Key    string
	Status capture.Status
	// Complete is true when every page was read (or the API said the thing
	// does not exist, for datasets where that means "none configured").
	Complete bool
	// Permission is what the identity lacked, when denied.
	Permission string
	// Reason is the error text for anything not complete.
	Reason string
	// Pages counts the response bodies read.
	Pages int
}

// Subscription is one subscription and everything read under it.
type Subscription struct {
	ID    string // lower-cased GUID
	Name  string
	State string // Enabled, Warned, PastDue, Disabled, Deleted
	// Known is false for a subscription seen only through its datasets'
	// keys (the subscriptions list was not read or did not list it).
	Known bool
	// Tenant is the subscription's home tenant, as the subscriptions list
	// gives it (lower-cased; "" when not listed): its root management
	// group, named for the tenant, lies above it.
	Tenant string

	RoleAssignments []RoleAssignment
	// RoleDefinitions by lower-cased definition GUID.
	RoleDefinitions   map[string]*RoleDefinition
	SecurityContacts  []SecurityContact
	Pricings          map[string]*Pricing // by lower-cased plan name
	Diagnostics       []DiagnosticSetting
	ActivityLogAlerts []ActivityLogAlert
	PolicyAssignments []PolicyAssignment
	// PolicyDefinitions and PolicySets by lower-cased resource ID.
	PolicyDefinitions map[string]*PolicyDefinition
	PolicySets        map[string]*PolicySet
	// Usages and Quotas by lower-cased region.
	Usages     map[string][]Usage
	Quotas     map[string][]Quota
	Workspaces []Workspace
	// VMs by lower-cased resource ID: the VM list gives each one's size
	// and region, the statusOnly list its power state.
	VMs map[string]*VM
}

// ResourceID is the subscription's ARM ID, the scope of its findings.
func (s *Subscription) ResourceID() string { return "/subscriptions/" + s.ID }

// Active reports whether VMs can still be created in the subscription.
func (s *Subscription) Active() bool {
	return s.State != "Disabled" && s.State != "Deleted"
}

// Regions lists the regions whose compute usages were read, sorted.
func (s *Subscription) Regions() []string {
	out := make([]string, 0, len(s.Usages))
	for r := range s.Usages {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// SortedSubscriptions returns the subscriptions ordered by ID, so findings
// come out in the same order on every run.
func (s *Snapshot) SortedSubscriptions() []*Subscription {
	out := make([]*Subscription, 0, len(s.Subscriptions))
	for _, sub := range s.Subscriptions {
		out = append(out, sub)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// NotCollected is the status of a dataset the capture does not hold: the
// collector was not asked for it, or did not get that far.
const NotCollected capture.Status = "not_collected"

// State returns how a dataset's read ended; a dataset the capture does not
// hold at all is reported as not collected (never complete).
func (s *Snapshot) State(key string) DatasetState {
	if st, ok := s.Datasets[key]; ok {
		return st
	}
	return DatasetState{Key: key, Status: NotCollected}
}
