package capture

import "strings"

// Dataset keys. A key with {placeholders} is expanded with Key(); the
// expanded key is also the dataset's folder under a saved capture.
const (
	// Microsoft Graph (v1.0 unless noted).
	KeyOrganization         = "graph/organization"                                          // GET /organization
	KeyUsers                = "graph/users"                                                 // GET /users?$select=id,displayName,userPrincipalName,userType,accountEnabled,assignedLicenses,onPremisesSyncEnabled
	KeySubscribedSkus       = "graph/subscribedSkus"                                        // GET /subscribedSkus (licence SKU -> service plans)
	KeyRegistrationDetails  = "graph/reports/authenticationMethods/userRegistrationDetails" // GET /reports/authenticationMethods/userRegistrationDetails
	KeyDirectoryRoles       = "graph/roleManagement/directory/roleDefinitions"              // GET /roleManagement/directory/roleDefinitions
	KeyDirectoryAssignments = "graph/roleManagement/directory/roleAssignments"              // GET /roleManagement/directory/roleAssignments
	KeyDirectoryEligible    = "graph/roleManagement/directory/roleEligibilitySchedules"     // GET /roleManagement/directory/roleEligibilitySchedules
	KeyConditionalAccess    = "graph/identity/conditionalAccess/policies"                   // GET /identity/conditionalAccess/policies
	KeyEntraDiagnostics     = "arm/providers/microsoft.aadiam/diagnosticSettings"           // GET /providers/microsoft.aadiam/diagnosticSettings (Entra sign-in/audit export)
	KeyTenantDiagnostics    = "arm/providers/microsoft.insights/diagnosticSettings"         // GET /providers/microsoft.insights/diagnosticSettings (tenant activity log)
	KeyRootRoleAssignments  = "arm/providers/Microsoft.Authorization/roleAssignments"       // GET at root scope "/"
	// KeyManagementGroupEntities is POST /providers/Microsoft.Management/getEntities:
	// every management group and subscription the identity can see, each
	// with its parent and the chain of groups above it (armmanagementgroups).
	KeyManagementGroupEntities = "arm/providers/Microsoft.Management/getEntities"

	// ARM, per subscription.
	KeySubscriptions      = "arm/subscriptions"
	KeyLocations          = "arm/subscriptions/{sub}/locations"
	KeyRoleAssignments    = "arm/subscriptions/{sub}/roleAssignments"
	KeyRoleDefinitions    = "arm/subscriptions/{sub}/roleDefinitions"
	KeySecurityContacts   = "arm/subscriptions/{sub}/securityContacts"
	KeyPricings           = "arm/subscriptions/{sub}/pricings"
	KeyDiagnosticSettings = "arm/subscriptions/{sub}/diagnosticSettings"
	KeyActivityLogAlerts  = "arm/subscriptions/{sub}/activityLogAlerts"
	KeyPolicyAssignments  = "arm/subscriptions/{sub}/policyAssignments"
	KeyPolicyDefinitions  = "arm/subscriptions/{sub}/policyDefinitions"             // built-in and custom, to name what an assignment enforces
	KeyPolicySets         = "arm/subscriptions/{sub}/policySetDefinitions"          // initiatives, which may wrap the SKU and location policies
	KeyTransferPolicy     = "arm/providers/Microsoft.Subscription/policies/default" // tenant-wide
	KeyComputeUsages      = "arm/subscriptions/{sub}/locations/{region}/usages"
	KeyQuotas             = "arm/subscriptions/{sub}/locations/{region}/quotas" // Microsoft.Quota, compute provider
	KeyPublicIPAddresses  = "arm/subscriptions/{sub}/publicIPAddresses"
	KeyPublicIPPrefixes   = "arm/subscriptions/{sub}/publicIPPrefixes"
	KeyWorkspaces         = "arm/subscriptions/{sub}/workspaces" // Log Analytics workspaces: retention of export destinations
	// KeyVirtualMachines is GET /subscriptions/{sub}/providers/Microsoft.Compute/virtualMachines
	// (Virtual Machines - List All): each VM's size and region.
	// KeyVirtualMachineStatuses is the same list with statusOnly=true: each
	// VM's instance view (its PowerState/... status), which the plain list
	// does not carry and which carries no size.
	KeyVirtualMachines        = "arm/subscriptions/{sub}/virtualMachines"
	KeyVirtualMachineStatuses = "arm/subscriptions/{sub}/virtualMachines/statusOnly"
)

// Key expands a key's placeholders in order: Key(KeyComputeUsages, sub, region).
func Key(pattern string, values ...string) string {
	k := pattern
	for _, v := range values {
		i := strings.Index(k, "{")
		j := strings.Index(k, "}")
		if i < 0 || j < i {
			break
		}
		k = k[:i] + strings.ToLower(v) + k[j+1:]
	}
	return k
}
