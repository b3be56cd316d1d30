package posture

import "github.com/mamori-sec/mamori/internal/posture/capture"

// permissions names, per dataset pattern, what the identity needs to read
// it: used when a denied dataset did not record the permission itself, and
// by docs/posture-checks.md.
var permissions = map[string]string{
	capture.KeyOrganization:         "Microsoft Graph Organization.Read.All",
	capture.KeyUsers:                "Microsoft Graph User.Read.All",
	capture.KeySubscribedSkus:       "Microsoft Graph Organization.Read.All",
	capture.KeyRegistrationDetails:  "Microsoft Graph AuditLog.Read.All (and Reports Reader or Security Reader)",
	capture.KeyDirectoryRoles:       "Microsoft Graph RoleManagement.Read.Directory",
	capture.KeyDirectoryAssignments: "Microsoft Graph RoleManagement.Read.Directory",
	capture.KeyDirectoryEligible:    "Microsoft Graph RoleEligibilitySchedule.Read.Directory",
	capture.KeyConditionalAccess:    "Microsoft Graph Policy.Read.All",
	capture.KeyEntraDiagnostics:     "microsoft.aadiam/diagnosticSettings/read (Security Reader)",
	capture.KeyTenantDiagnostics:    "Microsoft.Insights/diagnosticSettings/read at tenant scope",
	capture.KeyRootRoleAssignments:  "Microsoft.Authorization/roleAssignments/read at root scope /",
	capture.KeySubscriptions:        "Microsoft.Resources/subscriptions/read",
	capture.KeyRoleAssignments:      "Microsoft.Authorization/roleAssignments/read",
	capture.KeyRoleDefinitions:      "Microsoft.Authorization/roleDefinitions/read",
	capture.KeySecurityContacts:     "Microsoft.Security/securityContacts/read",
	capture.KeyPricings:             "Microsoft.Security/pricings/read",
	capture.KeyDiagnosticSettings:   "Microsoft.Insights/diagnosticSettings/read",
	capture.KeyActivityLogAlerts:    "Microsoft.Insights/activityLogAlerts/read",
	capture.KeyPolicyAssignments:    "Microsoft.Authorization/policyAssignments/read",
	capture.KeyPolicyDefinitions:    "Microsoft.Authorization/policyDefinitions/read",
	keyPolicySets:                   "Microsoft.Authorization/policySetDefinitions/read",
	capture.KeyTransferPolicy:       "Microsoft.Subscription/policies/read",
	capture.KeyComputeUsages:        "Microsoft.Compute/locations/usages/read",
	capture.KeyQuotas:               "Microsoft.Quota/quotas/read",
	capture.KeyWorkspaces:           "Microsoft.OperationalInsights/workspaces/read",
}

// defaultPermission returns the permission a dataset pattern needs.
func defaultPermission(pattern string) string {
	if p, ok := permissions[pattern]; ok {
		return p
	}
	return "read access to " + pattern
}

// Permission returns what the identity needs to read datasets of a key
// pattern (a capture.Key* constant), for `mamori doctor` and messages.
func Permission(pattern string) string { return defaultPermission(pattern) }
