package capture

// permissions names, per dataset key pattern, what the identity needs to
// read it: a Microsoft Graph application (or delegated) permission, or an
// ARM action granted through an Azure role. It is the one table behind a
// Denied dataset's Permission, `mamori doctor` and docs/posture.md's
// "Permissions" section; keep the three in step.
var permissions = map[string]string{
	KeyOrganization:           "Microsoft Graph Organization.Read.All",
	KeyUsers:                  "Microsoft Graph User.Read.All",
	KeySubscribedSkus:         "Microsoft Graph Organization.Read.All",
	KeyRegistrationDetails:    "Microsoft Graph AuditLog.Read.All (or UserAuthenticationMethod.Read.All)",
	KeyDirectoryRoles:         "Microsoft Graph RoleManagement.Read.Directory",
	KeyDirectoryAssignments:   "Microsoft Graph RoleManagement.Read.Directory",
	KeyDirectoryEligible:      "Microsoft Graph RoleEligibilitySchedule.Read.Directory (or RoleManagement.Read.Directory)",
	KeyConditionalAccess:      "Microsoft Graph Policy.Read.All",
	KeyEntraDiagnostics:       "microsoft.aadiam/diagnosticSettings/read (an Entra role such as Security Reader)",
	KeyTenantDiagnostics:      "microsoft.insights/diagnosticSettings/read at the tenant root scope (/)",
	KeyRootRoleAssignments:    "Microsoft.Authorization/roleAssignments/read at the root scope (/)",
	KeySubscriptions:          "Microsoft.Resources/subscriptions/read",
	KeyLocations:              "Microsoft.Resources/subscriptions/locations/read",
	KeyRoleAssignments:        "Microsoft.Authorization/roleAssignments/read",
	KeyRoleDefinitions:        "Microsoft.Authorization/roleDefinitions/read",
	KeySecurityContacts:       "Microsoft.Security/securityContacts/read",
	KeyPricings:               "Microsoft.Security/pricings/read",
	KeyDiagnosticSettings:     "Microsoft.Insights/DiagnosticSettings/Read",
	KeyActivityLogAlerts:      "Microsoft.Insights/ActivityLogAlerts/Read",
	KeyPolicyAssignments:      "Microsoft.Authorization/policyAssignments/read",
	KeyPolicyDefinitions:      "Microsoft.Authorization/policyDefinitions/read",
	KeyPolicySets:             "Microsoft.Authorization/policySetDefinitions/read",
	KeyTransferPolicy:         "Microsoft.Subscription/policies/read",
	KeyComputeUsages:          "Microsoft.Compute/locations/usages/read",
	KeyQuotas:                 "Microsoft.Quota/quotas/read",
	KeyPublicIPAddresses:      "Microsoft.Network/publicIPAddresses/read",
	KeyPublicIPPrefixes:       "Microsoft.Network/publicIPPrefixes/read",
	KeyWorkspaces:             "Microsoft.OperationalInsights/workspaces/read",
	KeyVirtualMachines:        "Microsoft.Compute/virtualMachines/read",
	KeyVirtualMachineStatuses: "Microsoft.Compute/virtualMachines/read",

	// The entities list asks for no action of its own: it holds what the
	// identity has a role on, and the management groups above those.
	KeyManagementGroupEntities: "a role on the subscriptions (Reader) or on the management groups (Management Group Reader)",
}

// Permission returns what reading datasets of the key pattern needs, for
// `mamori doctor` and for "not assessed" findings; a pattern missing from
// the table gets a plain description rather than nothing.
func Permission(pattern string) string {
	if p, ok := permissions[pattern]; ok {
		return p
	}
	return "read access to " + pattern
}

// PermissionForKey is Permission for an expanded key (a subscription's or
// region's dataset), or "" when no pattern in the table fits it.
func PermissionForKey(key string) string {
	for pattern, perm := range permissions {
		if _, ok := Match(pattern, key); ok {
			return perm
		}
	}
	return ""
}
