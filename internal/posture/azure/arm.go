package azure

import (
	"context"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v6"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/managementgroups/armmanagementgroups"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/monitor/armmonitor"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v7"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/quota/armquota"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armpolicy"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/security/armsecurity"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/subscription/armsubscription"

	"github.com/mamori-sec/mamori/internal/posture/capture"
)

// Tenant-level ARM reads no SDK client offers, with their API versions.
const (
	entraDiagnosticsPath  = "/providers/microsoft.aadiam/diagnosticSettings?api-version=2017-04-01"
	tenantDiagnosticsPath = "/providers/microsoft.insights/diagnosticSettings?api-version=2017-04-01-preview"
	// atScope() keeps assignments made at "/" itself, not below it.
	rootAssignmentsPath = "/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter=atScope()"
	workspacesPath      = "/providers/Microsoft.OperationalInsights/workspaces?api-version=2023-09-01"
)

// armList reads an ARM listing at path (from the endpoint's root) that no
// SDK client offers, following nextLink.
func (c *collector) armList(path string) lister {
	return c.rawList(c.armRaw.Pipeline(), strings.TrimRight(c.opts.ARMEndpoint, "/")+path, "nextLink")
}

// tenantTasks returns the tenant-wide ARM reads except the subscription
// list, which run() reads first because the rest depends on it.
func (c *collector) tenantTasks() ([]func(context.Context), error) {
	transfer, err := armsubscription.NewPolicyClient(c.opts.Credential, c.armOpts)
	if err != nil {
		return nil, err
	}
	entities, err := armmanagementgroups.NewEntitiesClient(c.opts.Credential, c.armOpts)
	if err != nil {
		return nil, err
	}
	return []func(context.Context){
		func(ctx context.Context) {
			c.read(ctx, capture.KeyEntraDiagnostics, c.armList(entraDiagnosticsPath))
		},
		func(ctx context.Context) {
			c.read(ctx, capture.KeyTenantDiagnostics, c.armList(tenantDiagnosticsPath))
		},
		func(ctx context.Context) {
			c.read(ctx, capture.KeyRootRoleAssignments, c.armList(rootAssignmentsPath))
		},
		func(ctx context.Context) {
			c.read(ctx, capture.KeyTransferPolicy, single(func(ctx context.Context) (armsubscription.PolicyClientGetPolicyForTenantResponse, error) {
				return transfer.GetPolicyForTenant(ctx, nil)
			}))
		},
		// Which management groups lie above each subscription; each page
		// is a POST (entityPages).
		func(ctx context.Context) {
			c.read(ctx, capture.KeyManagementGroupEntities, entityPages(c, entities))
		},
	}, nil
}

// subscriptionTasks returns the reads of one subscription.
func (c *collector) subscriptionTasks(ctx context.Context, sub string) ([]func(context.Context), error) {
	cred, o := c.opts.Credential, c.armOpts
	scope := "subscriptions/" + sub
	assignments, err := armauthorization.NewRoleAssignmentsClient(sub, cred, o)
	if err != nil {
		return nil, err
	}
	definitions, err := armauthorization.NewRoleDefinitionsClient(cred, o)
	if err != nil {
		return nil, err
	}
	contacts, err := armsecurity.NewContactsClient(sub, cred, o)
	if err != nil {
		return nil, err
	}
	pricings, err := armsecurity.NewPricingsClient(cred, o)
	if err != nil {
		return nil, err
	}
	diagnostics, err := armmonitor.NewDiagnosticSettingsClient(cred, o)
	if err != nil {
		return nil, err
	}
	alerts, err := armmonitor.NewActivityLogAlertsClient(sub, cred, o)
	if err != nil {
		return nil, err
	}
	policyAssignments, err := armpolicy.NewAssignmentsClient(sub, cred, o)
	if err != nil {
		return nil, err
	}
	policyDefinitions, err := armpolicy.NewDefinitionsClient(sub, cred, o)
	if err != nil {
		return nil, err
	}
	policySets, err := armpolicy.NewSetDefinitionsClient(sub, cred, o)
	if err != nil {
		return nil, err
	}
	ips, err := armnetwork.NewPublicIPAddressesClient(sub, cred, o)
	if err != nil {
		return nil, err
	}
	prefixes, err := armnetwork.NewPublicIPPrefixesClient(sub, cred, o)
	if err != nil {
		return nil, err
	}
	usages, err := armcompute.NewUsageClient(sub, cred, o)
	if err != nil {
		return nil, err
	}
	quotas, err := armquota.NewClient(cred, o)
	if err != nil {
		return nil, err
	}
	vms, err := armcompute.NewVirtualMachinesClient(sub, cred, o)
	if err != nil {
		return nil, err
	}
	tasks := []func(context.Context){
		func(ctx context.Context) {
			c.read(ctx, capture.KeyRoleAssignments, pages(c, func() *runtimePager[armauthorization.RoleAssignmentsClientListForSubscriptionResponse] {
				return assignments.NewListForSubscriptionPager(nil)
			}), sub)
		},
		func(ctx context.Context) {
			c.read(ctx, capture.KeyRoleDefinitions, pages(c, func() *runtimePager[armauthorization.RoleDefinitionsClientListResponse] {
				return definitions.NewListPager(scope, nil)
			}), sub)
		},
		func(ctx context.Context) {
			c.read(ctx, capture.KeySecurityContacts, pages(c, func() *runtimePager[armsecurity.ContactsClientListResponse] {
				return contacts.NewListPager(nil)
			}), sub)
		},
		func(ctx context.Context) {
			c.read(ctx, capture.KeyPricings, single(func(ctx context.Context) (armsecurity.PricingsClientListResponse, error) {
				return pricings.List(ctx, scope, nil)
			}), sub)
		},
		func(ctx context.Context) {
			c.read(ctx, capture.KeyDiagnosticSettings, pages(c, func() *runtimePager[armmonitor.DiagnosticSettingsClientListResponse] {
				return diagnostics.NewListPager(scope, nil)
			}), sub)
		},
		func(ctx context.Context) {
			c.read(ctx, capture.KeyActivityLogAlerts, pages(c, func() *runtimePager[armmonitor.ActivityLogAlertsClientListBySubscriptionIDResponse] {
				return alerts.NewListBySubscriptionIDPager(nil)
			}), sub)
		},
		func(ctx context.Context) {
			c.read(ctx, capture.KeyPolicyAssignments, pages(c, func() *runtimePager[armpolicy.AssignmentsClientListResponse] {
				return policyAssignments.NewListPager(nil)
			}), sub)
		},
		func(ctx context.Context) {
			c.read(ctx, capture.KeyPolicyDefinitions, pages(c, func() *runtimePager[armpolicy.DefinitionsClientListResponse] {
				return policyDefinitions.NewListPager(nil)
			}), sub)
		},
		func(ctx context.Context) {
			c.read(ctx, capture.KeyPolicySets, pages(c, func() *runtimePager[armpolicy.SetDefinitionsClientListResponse] {
				return policySets.NewListPager(nil)
			}), sub)
		},
		func(ctx context.Context) {
			c.read(ctx, capture.KeyPublicIPAddresses, pages(c, func() *runtimePager[armnetwork.PublicIPAddressesClientListAllResponse] {
				return ips.NewListAllPager(nil)
			}), sub)
		},
		func(ctx context.Context) {
			c.read(ctx, capture.KeyPublicIPPrefixes, pages(c, func() *runtimePager[armnetwork.PublicIPPrefixesClientListAllResponse] {
				return prefixes.NewListAllPager(nil)
			}), sub)
		},
		func(ctx context.Context) {
			c.read(ctx, capture.KeyWorkspaces, c.armList("/"+scope+workspacesPath), sub)
		},
		// Virtual Machines - List All, twice: the sizes, then (statusOnly)
		// the power states, which the first does not carry.
		func(ctx context.Context) {
			c.read(ctx, capture.KeyVirtualMachines, pages(c, func() *runtimePager[armcompute.VirtualMachinesClientListAllResponse] {
				return vms.NewListAllPager(nil)
			}), sub)
		},
		func(ctx context.Context) {
			c.read(ctx, capture.KeyVirtualMachineStatuses, pages(c, func() *runtimePager[armcompute.VirtualMachinesClientListAllResponse] {
				return vms.NewListAllPager(&armcompute.VirtualMachinesClientListAllOptions{StatusOnly: to.Ptr("true")})
			}), sub)
		},
	}
	regions, err := c.regions(ctx, sub)
	if err != nil {
		return nil, err
	}
	if c.probe && len(regions) > 1 {
		regions = regions[:1]
	}
	for _, region := range regions {
		tasks = append(tasks,
			func(ctx context.Context) {
				c.read(ctx, capture.KeyComputeUsages, pages(c, func() *runtimePager[armcompute.UsageClientListResponse] {
					return usages.NewListPager(region, nil)
				}), sub, region)
			},
			func(ctx context.Context) {
				c.read(ctx, capture.KeyQuotas, pages(c, func() *runtimePager[armquota.ClientListResponse] {
					return quotas.NewListPager(scope+"/providers/Microsoft.Compute/locations/"+region, nil)
				}), sub, region)
			})
	}
	return tasks, nil
}
