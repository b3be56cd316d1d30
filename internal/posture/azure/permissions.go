package azure

import "github.com/mamori-sec/mamori/internal/posture/capture"

// permissions names, per dataset key pattern, what the identity needs to
// read it: a Microsoft Graph application (or delegated) permission, or an
// ARM action granted through an Azure role. It is the one table behind a
// Denied dataset's Permission, `mamori doctor` and docs/posture.md's
// "Permissions" section; keep the three in step.
var permissions = map[string]string{
	capture.KeyOrganization:         "Microsoft Graph Organization.Read.All",
	capture.KeyUsers:                "Microsoft Graph User.Read.All",
	capture.KeySubscribedSkus:       "Microsoft Graph Organization.Read.All",
	capture.KeyRegistrationDetails:  "Microsoft Graph AuditLog.Read.All (or UserAuthenticationMethod.Read.All)",
	capture.KeyDirectoryRoles:       "Microsoft Graph RoleManagement.Read.Directory",
	capture.KeyDirectoryAssignments: "Microsoft Graph RoleManagement.Read.Directory",
	capture.KeyDirectoryEligible:    "Microsoft Graph RoleEligibilitySchedule.Read.Directory (or RoleManagement.Read.Directory)",
	capture.KeyConditionalAccess:    "Microsoft Graph Policy.Read.All",
	capture.KeyEntraDiagnostics:     "microsoft.aadiam/diagnosticSettings/read (an Entra role such as Security Reader)",
	capture.KeyTenantDiagnostics:    "microsoft.insights/diagnosticSettings/read at the tenant root scope (/)",
	capture.KeyRootRoleAssignments:  "Microsoft.Authorization/roleAssignments/read at the root scope (/)",
	capture.KeySubscriptions:        "Microsoft.Resources/subscriptions/read",
	capture.KeyLocations:            "Microsoft.Resources/subscriptions/locations/read",
	capture.KeyRoleAssignments:      "Microsoft.Authorization/roleAssignments/read",
	capture.KeyRoleDefinitions:      "Microsoft.Authorization/roleDefinitions/read",
	capture.KeySecurityContacts:     "Microsoft.Security/securityContacts/read",
	capture.KeyPricings:             "Microsoft.Security/pricings/read",
	capture.KeyDiagnosticSettings:   "Microsoft.Insights/DiagnosticSettings/Read",
	capture.KeyActivityLogAlerts:    "Microsoft.Insights/ActivityLogAlerts/Read",
	capture.KeyPolicyAssignments:    "Microsoft.Authorization/policyAssignments/read",
	capture.KeyPolicyDefinitions:    "Microsoft.Authorization/policyDefinitions/read",
	capture.KeyPolicySets:           "Microsoft.Authorization/policySetDefinitions/read",
	capture.KeyTransferPolicy:       "Microsoft.Subscription/policies/read",
	capture.KeyComputeUsages:        "Microsoft.Compute/locations/usages/read",
	capture.KeyQuotas:               "Microsoft.Quota/quotas/read",
	capture.KeyPublicIPAddresses:    "Microsoft.Network/publicIPAddresses/read",
	capture.KeyPublicIPPrefixes:     "Microsoft.Network/publicIPPrefixes/read",
	capture.KeyWorkspaces:           "Microsoft.OperationalInsights/workspaces/read",
}

// Permission returns what reading datasets of the key pattern needs, for
// `mamori doctor` and for "not assessed" findings.
func Permission(pattern string) string { return permissions[pattern] }

// absentCodes are error codes (any status) that mean the data does not
// exist for this tenant or subscription, rather than that we may not read
// it: a licence the tenant lacks, a resource provider never registered.
var absentCodes = map[string]string{
	"Authentication_RequestFromNonPremiumTenantOrB2CTenant": "the tenant has no Entra ID P1/P2 licence",
	"AadPremiumLicenseRequired":                             "the tenant has no Entra ID P2 licence (Privileged Identity Management)",
	"MissingSubscriptionRegistration":                       "the resource provider is not registered in the subscription",
	"SubscriptionNotRegistered":                             "the resource provider is not registered in the subscription",
	"ResourceNotFound":                                      "not found",
	"NotFound":                                              "not found",
	"SubscriptionNotFound":                                  "the subscription was not found",
	"LocationNotAvailableForResourceType":                   "the region does not offer this resource type",
	"NoRegisteredProviderFound":                             "the API is not available in this region or subscription",
}
