package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Rule names of the five detections, as mamori's catalogue names them.
const (
	ruleElevate = "azure.identity.elevate_access"
	ruleOwner   = "azure.identity.privileged_role_assignment"
	ruleQuota   = "azure.quota.increase.gpu"
	ruleGPUVM   = "azure.compute.gpu_created"
	ruleMove    = "azure.subscription.moved_to_other_tenant"
)

// Rules lists the five detections in the order their records are planted.
var Rules = []string{ruleElevate, ruleOwner, ruleQuota, ruleGPUVM, ruleMove}

// Role definition GUIDs of the built-in roles used below.
const (
	roleOwner = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
	tenantID  = "4f1c2b7e-9a3d-4c55-8e21-6b0d7a9c3e10"
	foreignID = "0badf00d-1234-4abc-8def-00000000cafe"
)

// planted is one record to insert: the rule it must fire (empty for a
// decoy, a near miss that none of the five may report) and its text.
type planted struct {
	rule string
	line string
}

// hit renders the record of rule number k that must fire; decoy renders
// its near miss: the same operation failed, granted at resource-group
// scope, for a CPU family or an FPGA size. n numbers the record so that
// each has its own correlation id and time (mamori merges one
// operation's records into one alert by correlation id).
func hit(r *rand.Rand, k, n int) planted {
	sub := subscription(n)
	switch Rules[k] {
	case ruleElevate:
		return planted{ruleElevate, elevate(r, n, "Success", "Succeeded.OK")}
	case ruleOwner:
		return planted{ruleOwner, ownerGrant(r, n, sub, "/subscriptions/"+sub)}
	case ruleQuota:
		return planted{ruleQuota, quotaRequest(r, n, sub, "standardNCASv3_T4Family")}
	case ruleGPUVM:
		return planted{ruleGPUVM, vmWrite(r, n, sub, "Standard_NC24ads_A100_v4")}
	default:
		return planted{ruleMove, tenantMove(r, n, sub, "Success", "Succeeded.OK")}
	}
}

func decoy(r *rand.Rand, k, n int) planted {
	sub := subscription(n)
	switch Rules[k] {
	case ruleElevate:
		return planted{"", elevate(r, n, "Failure", "Failed.Forbidden")}
	case ruleOwner:
		return planted{"", ownerGrant(r, n, sub, "/subscriptions/"+sub+"/resourceGroups/RG-007")}
	case ruleQuota:
		return planted{"", quotaRequest(r, n, sub, "standardDSv5Family")}
	case ruleGPUVM:
		return planted{"", vmWrite(r, n, sub, "Standard_NP10s")}
	default:
		return planted{"", tenantMove(r, n, sub, "Failure", "Failed.Conflict")}
	}
}

// subscription gives each planted record a subscription of its own:
// mamori merges tenant moves by subscription, and one move per
// subscription keeps one alert per planted record.
func subscription(n int) string {
	return fmt.Sprintf("%08x-2222-4333-8444-%012x", n, n)
}

func elevate(r *rand.Rand, n int, result, signature string) string {
	const op = "Microsoft.Authorization/elevateAccess/action"
	props := `{"eventCategory":"Administrative","entity":"/providers/Microsoft.Authorization","message":"` + op + `","hierarchy":""}`
	return record(r, n, "/providers/Microsoft.Authorization", op, "Administrative", result, signature, "/providers/Microsoft.Authorization", props)
}

// ownerGrant is the request record (Start) of a role assignment, whose
// body ARM logs with capitalised names.
func ownerGrant(r *rand.Rand, n int, sub, scope string) string {
	const op = "MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE"
	id := guid(r)
	resID := strings.ToUpper(scope) + "/PROVIDERS/MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/" + strings.ToUpper(id)
	body := `{"Id":"` + id + `","Properties":{"PrincipalId":"` + guid(r) + `","PrincipalType":"User","RoleDefinitionId":"/subscriptions/` + sub + `/providers/Microsoft.Authorization/roleDefinitions/` + roleOwner + `","Scope":"` + scope + `","Condition":null,"ConditionVersion":null}}`
	return record(r, n, resID, op, "Administrative", "Start", "Started", scope, startProps(sub, op, body))
}

// quotaRequest is a Microsoft.Quota request for a family's limit.
func quotaRequest(r *rand.Rand, n int, sub, family string) string {
	const op = "MICROSOFT.QUOTA/QUOTAS/WRITE"
	resID := "/SUBSCRIPTIONS/" + sub + "/PROVIDERS/MICROSOFT.COMPUTE/LOCATIONS/EASTUS/PROVIDERS/MICROSOFT.QUOTA/QUOTAS/" + strings.ToUpper(family)
	body := `{"properties":{"limit":{"limitObjectType":"LimitValue","value":96},"name":{"value":"` + family + `"},"resourceType":"dedicated"}}`
	return record(r, n, resID, op, "Administrative", "Start", "Started", "/subscriptions/"+sub, startProps(sub, op, body))
}

// vmWrite is the request record of a VM create of the given size.
func vmWrite(r *rand.Rand, n int, sub, size string) string {
	const op = "MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE"
	resID := "/SUBSCRIPTIONS/" + sub + "/RESOURCEGROUPS/RG-MINER/PROVIDERS/MICROSOFT.COMPUTE/VIRTUALMACHINES/" + fmt.Sprintf("GPU-%05d", n%100000)
	body := `{"location":"eastus","properties":{"hardwareProfile":{"vmSize":"` + size + `"},"storageProfile":{"imageReference":{"publisher":"Canonical","offer":"0001-com-ubuntu-server-jammy","sku":"22_04-lts-gen2","version":"latest"},"osDisk":{"createOption":"FromImage"}},"osProfile":{"computerName":"worker","adminUsername":"azureuser"}}}`
	return record(r, n, resID, op, "Administrative", "Start", "Started", "/subscriptions/"+sub+"/resourceGroups/RG-MINER", startProps(sub, op, body))
}

// tenantMove is the completed move of a subscription, whose message names
// both tenants (the shape Microsoft Sentinel's analytic rule reads).
func tenantMove(r *rand.Rand, n int, sub, result, signature string) string {
	const op = "MICROSOFT.SUBSCRIPTION/UPDATETENANT/ACTION"
	props := `{"eventCategory":"Security","entity":"/subscriptions/` + sub + `","message":"Subscription ` + sub + ` moved from tenant ` + tenantID + ` to tenant ` + foreignID + `","hierarchy":"` + tenantID + `/` + sub + `"}`
	return record(r, n, "/SUBSCRIPTIONS/"+sub, op, "Security", result, signature, "/subscriptions/"+sub, props)
}

// startProps are the properties of a request record, with its body as a
// JSON string, as Azure writes properties.requestbody.
func startProps(sub, op, body string) string {
	return `{"eventCategory":"Administrative","entity":"/subscriptions/` + sub + `","message":"` + op + `","hierarchy":"` + tenantID + `/` + sub + `","requestbody":` + quote(body) + `}`
}

// record renders one diagnostic-settings record in the layout of
// internal/benchdata, the noise it is planted among.
func record(r *rand.Rand, n int, resID, op, category, result, signature, scope, props string) string {
	level := "Information"
	if result == "Failure" {
		level = "Error"
	}
	return fmt.Sprintf(`{"time":"2026-03-%02dT%02d:%02d:%02d.%07dZ","resourceId":"%s","operationName":"%s","category":"%s","resultType":"%s","resultSignature":"%s","durationMs":"%d","callerIpAddress":"203.0.113.%d","correlationId":"%s","identity":{"authorization":{"scope":"%s","action":"%s","evidence":{"role":"Owner","roleAssignmentScope":"/","roleAssignmentId":"%s","roleDefinitionId":"%s","principalId":"%s","principalType":"User"}},"claims":{"aud":"https://management.core.windows.net/","iss":"https://sts.windows.net/%s/","iat":"1773400000","nbf":"1773400000","exp":"1773403900","appid":"c44b4083-3bb0-49c1-b47d-974e53cbdf3c","appidacr":"2","ipaddr":"203.0.113.%d","name":"Mallory","http://schemas.microsoft.com/identity/claims/objectidentifier":"%s","http://schemas.microsoft.com/identity/claims/scope":"user_impersonation","http://schemas.microsoft.com/identity/claims/tenantid":"%s","http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn":"mallory%d@contoso.example","ver":"1.0"}},"level":"%s","location":"global","properties":%s}`+"\n",
		1+n%28, n/3600%24, n/60%60, n%60, r.IntN(10000000),
		resID, op, category, result, signature, r.IntN(5000), 1+r.IntN(250), guid(r),
		scope, op, guid(r), strings.ReplaceAll(roleOwner, "-", ""), guid(r),
		tenantID, 1+r.IntN(250), guid(r), tenantID, n%7, level, props)
}

func guid(r *rand.Rand) string {
	return fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", r.Uint32(), r.IntN(1<<16), r.IntN(1<<12), r.IntN(1<<12), r.Uint64()&(1<<48-1))
}

// quote writes s as a JSON string; the bodies above hold no control
// characters, so quotes and backslashes are all that need escaping.
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
