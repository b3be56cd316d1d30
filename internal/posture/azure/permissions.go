package azure

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
	"LocationNotAvailableForResourceType":                   "the region does not offer this resource type",
	"NoRegisteredProviderFound":                             "the API is not available in this region or subscription",
}

// unreadableCodes are error codes that mean nothing can be read in the
// subscription at all: neither "none configured" (a 404 that Absent would
// make an empty, complete list, so a subscription ID mistyped in
// --subscription failed four checks) nor a permission the identity lacks
// (a 401 that Denied would blame a missing role).
var unreadableCodes = map[string]string{
	"SubscriptionNotFound":             "the subscription was not found (check the ID given with --subscription)",
	"InvalidAuthenticationTokenTenant": "the subscription belongs to another tenant than the one signed in to (--tenant)",
}
