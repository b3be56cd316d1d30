package azure

import (
	"context"

	"github.com/mamori-sec/mamori/internal/posture/capture"
)

// graphReads are the Microsoft Graph v1.0 datasets and their first page.
// Users carry only the fields the checks read, in pages of the maximum
// size, because large tenants have hundreds of thousands of them.
var graphReads = []struct {
	key, path string
}{
	{capture.KeyOrganization, "/organization"},
	{capture.KeyUsers, "/users?$select=id,displayName,userPrincipalName,userType,accountEnabled,assignedLicenses,onPremisesSyncEnabled&$top=999"},
	{capture.KeySubscribedSkus, "/subscribedSkus"},
	{capture.KeyRegistrationDetails, "/reports/authenticationMethods/userRegistrationDetails"},
	{capture.KeyDirectoryRoles, "/roleManagement/directory/roleDefinitions"},
	{capture.KeyDirectoryAssignments, "/roleManagement/directory/roleAssignments"},
	{capture.KeyDirectoryEligible, "/roleManagement/directory/roleEligibilitySchedules"},
	{capture.KeyConditionalAccess, "/identity/conditionalAccess/policies"},
}

// graphTasks returns one task per Graph dataset.
func (c *collector) graphTasks() []func(context.Context) {
	var tasks []func(context.Context)
	for _, g := range graphReads {
		tasks = append(tasks, func(ctx context.Context) {
			c.read(ctx, g.key, c.rawList(c.graph, c.graphV1+g.path, "@odata.nextLink"))
		})
	}
	return tasks
}
