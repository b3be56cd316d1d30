package activitylog

import (
	"strings"

	"github.com/mamori-sec/mamori/internal/event"
)

// builtinRoles names the built-in Azure roles a cryptojacking hunt cares
// about: the privileged ones, and those that create compute, raise quotas
// or hand out identities. The ids are fixed across tenants; each was
// checked against Microsoft's "Azure built-in roles" reference
// (azure-docs articles/role-based-access-control/built-in-roles.md).
var builtinRoles = map[string]string{
	"8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
	"b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
	"acdd72a7-3385-48ef-bd42-f606fba81ae7": "Reader",
	"18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
	"f58310d9-a9f6-439a-9e8d-f62e7b41a168": "Role Based Access Control Administrator",
	"a8889054-8d42-49c9-bc1c-52486c10e7cd": "Reservations Administrator",
	"9980e02c-c2be-4d73-94e8-173b1dc7cf3c": "Virtual Machine Contributor",
	"d73bb868-a0df-4d4d-bd69-98a00b01fccb": "Classic Virtual Machine Contributor",
	"1c0163c0-47e6-4577-8991-ea5c82e286e4": "Virtual Machine Administrator Login",
	"fb879df8-f326-4884-b1cf-06f3ad86be52": "Virtual Machine User Login",
	"29fe4964-1e60-436b-bd3a-77fd4c178b3c": "Azure Batch Account Contributor",
	"980cf6f7-edec-4fd1-8e9e-28f70b1d5258": "Compute Limit Operator",
	"e503ece1-11d0-4e8e-8e2c-7a6c3bf38815": "AzureML Compute Operator",
	"f6c7c914-8db3-469d-8ca1-694a8f32e121": "AzureML Data Scientist",
	"0e5f05e5-9ab9-446b-b98d-1e2157c94125": "Quota Request Operator",
	"cfd33db0-3dd1-45e3-aa9d-cdbdf3b6f24e": "Support Request Contributor",
	"4d97b98b-1d4f-4787-a291-c67834d212e7": "Network Contributor",
	"17d1049b-9a84-46fb-8f53-869881c3d3ab": "Storage Account Contributor",
	"e40ec5ca-96e0-45a2-b4ff-59039f2c2b59": "Managed Identity Contributor",
	"f1a07417-d97a-45cb-824c-7a7467783830": "Managed Identity Operator",
}

// roleAssignment reads a role assignment write. The request body has
// Properties.{RoleDefinitionId,PrincipalId,PrincipalType,Scope} (ARM logs
// it with capitalised names), the response the same in camel case; the
// role definition is a full id whose last segment is the role's GUID. With
// no body, the scope is what precedes the assignment in the resource id.
func roleAssignment(b *bodies, id string) *event.RoleAssignment {
	r := &event.RoleAssignment{}
	r.RoleDefinitionID = hexGUID(lastSegment(b.first("properties", "roleDefinitionId")))
	r.RoleName = builtinRoles[r.RoleDefinitionID]
	r.PrincipalID = hexGUID(b.first("properties", "principalId"))
	r.PrincipalType = b.first("properties", "principalType")
	r.Scope = strings.TrimSpace(b.first("properties", "scope"))
	if r.Scope == "" {
		const marker = "/providers/microsoft.authorization/roleassignments/"
		if i := strings.LastIndex(id, marker); i >= 0 {
			r.Scope = id[:i]
			if r.Scope == "" {
				r.Scope = "/" // the root scope: an assignment over the whole tenant
			}
		}
	}
	return r
}
