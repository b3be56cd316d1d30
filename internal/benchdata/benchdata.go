// Package benchdata writes realistic Activity Log records for benchmarks:
// diagnostic-settings records of about 2 KB with the mix of operations a
// busy tenant has (reads are not logged; writes, actions and deletes are),
// and a known number of planted hits for the starter rules.
package benchdata

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"time"
)

// ops are the operations of ordinary tenant activity, weighted by how
// often they appear.
var ops = []struct {
	name   string
	weight int
	body   string // request body, as Azure puts it in properties.requestbody
}{
	{"MICROSOFT.STORAGE/STORAGEACCOUNTS/LISTKEYS/ACTION", 20, ""},
	{"MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/WRITE", 8, `{"location":"westeurope","properties":{"securityRules":[{"name":"allow-https","properties":{"protocol":"Tcp","sourcePortRange":"*","destinationPortRange":"443","sourceAddressPrefix":"*","destinationAddressPrefix":"*","access":"Allow","priority":100,"direction":"Inbound"}}]}}`},
	{"MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE", 6, `{"location":"westeurope","properties":{"hardwareProfile":{"vmSize":"Standard_D4s_v5"},"storageProfile":{"imageReference":{"publisher":"Canonical","offer":"0001-com-ubuntu-server-jammy","sku":"22_04-lts-gen2","version":"latest"},"osDisk":{"createOption":"FromImage","managedDisk":{"storageAccountType":"Premium_LRS"}}},"osProfile":{"computerName":"build-agent","adminUsername":"azureuser","linuxConfiguration":{"disablePasswordAuthentication":true}},"networkProfile":{"networkInterfaces":[{"id":"/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/nic"}]}}}`},
	{"MICROSOFT.RESOURCES/DEPLOYMENTS/WRITE", 10, ""},
	{"MICROSOFT.WEB/SITES/CONFIG/WRITE", 8, ""},
	{"MICROSOFT.KEYVAULT/VAULTS/SECRETS/WRITE", 6, ""},
	{"MICROSOFT.COMPUTE/VIRTUALMACHINES/START/ACTION", 6, ""},
	{"MICROSOFT.COMPUTE/VIRTUALMACHINES/EXTENSIONS/WRITE", 4, `{"location":"westeurope","properties":{"publisher":"Microsoft.Azure.Monitor","type":"AzureMonitorLinuxAgent","typeHandlerVersion":"1.29","autoUpgradeMinorVersion":true}}`},
	{"MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/WRITE", 3, ""},
	{"MICROSOFT.RESOURCES/SUBSCRIPTIONS/RESOURCEGROUPS/WRITE", 5, ""},
	{"MICROSOFT.NETWORK/PUBLICIPADDRESSES/DELETE", 2, ""},
	{"MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE", 2, `{"properties":{"roleDefinitionId":"/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7","principalId":"6a1c3b0e-0000-4000-8000-000000000001","principalType":"User"}}`},
}

var statuses = []struct{ resultType, signature string }{
	{"Start", "Started"}, {"Accept", "Accepted.Created"}, {"Success", "Succeeded.OK"}, {"Failure", "Failed.Conflict"},
}

// Hit is a planted record that a starter rule must find.
type Hit struct {
	Line int
	Rule string
}

// Write writes records until about size bytes are written, as JSON lines,
// planting a GPU driver extension install every plantEvery records (0:
// never). It returns the planted hits. The same seed writes the same bytes.
// The records fall in the four weeks of March 2026 whatever size is, one
// day apart from line to line: a larger file is a busier tenant.
func Write(w io.Writer, size int64, seed uint64, plantEvery int) ([]Hit, error) {
	return WritePaced(w, size, seed, plantEvery, 0)
}

// WritePaced is Write with records in time order, perDay of them a day
// from the first of March 2026 on (0: as Write): a larger file is the
// same tenant's log over more days.
func WritePaced(w io.Writer, size int64, seed uint64, plantEvery, perDay int) ([]Hit, error) {
	bw := bufio.NewWriterSize(w, 1<<20)
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	total := 0
	for _, o := range ops {
		total += o.weight
	}
	var hits []Hit
	var written int64
	for line := 1; written < size; line++ {
		var rec string
		if plantEvery > 0 && line%plantEvery == 0 {
			rec = record(r, line, perDay, "MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/EXTENSIONS/WRITE", 0,
				`{"location":"eastus","properties":{"publisher":"Microsoft.HpcCompute","type":"NvidiaGpuDriverLinux","typeHandlerVersion":"1.6"}}`)
			hits = append(hits, Hit{Line: line, Rule: "azure.compute.gpu_driver_extension"})
		} else {
			n := r.IntN(total)
			i := 0
			for ; n >= ops[i].weight; i++ {
				n -= ops[i].weight
			}
			rec = record(r, line, perDay, ops[i].name, r.IntN(len(statuses)), ops[i].body)
		}
		n, err := bw.WriteString(rec)
		if err != nil {
			return hits, err
		}
		written += int64(n)
	}
	return hits, bw.Flush()
}

// record renders one diagnostic-settings record in Azure's layout.
func record(r *rand.Rand, line, perDay int, op string, status int, body string) string {
	sub := fmt.Sprintf("%08x-1111-4222-8333-%012x", r.IntN(4), r.IntN(4))
	rg := fmt.Sprintf("RG-%03d", r.IntN(40))
	name := fmt.Sprintf("res-%05d", r.IntN(20000))
	st := statuses[status]
	props := `{"eventCategory":"Administrative","entity":"/subscriptions/` + sub + `/resourceGroups/` + rg + `","message":"` + op + `","hierarchy":"4f1c2b7e-9a3d-4c55-8e21-6b0d7a9c3e10/` + sub + `"`
	if body != "" && st.resultType == "Start" {
		props += `,"requestbody":` + quote(body)
	}
	if st.resultType != "Start" {
		props += `,"statusCode":"OK","serviceRequestId":"` + guid(r) + `"`
	}
	props += "}"
	return fmt.Sprintf(`{"time":"%s.%07dZ","resourceId":"/SUBSCRIPTIONS/%s/RESOURCEGROUPS/%s/PROVIDERS/%s/%s","operationName":"%s","category":"Administrative","resultType":"%s","resultSignature":"%s","durationMs":"%d","callerIpAddress":"198.51.100.%d","correlationId":"%s","identity":{"authorization":{"scope":"/subscriptions/%s/resourceGroups/%s","action":"%s","evidence":{"role":"Contributor","roleAssignmentScope":"/subscriptions/%s","roleAssignmentId":"%s","roleDefinitionId":"b24988ac618042a0ab8820f7382dd24c","principalId":"%s","principalType":"User"}},"claims":{"aud":"https://management.core.windows.net/","iss":"https://sts.windows.net/4f1c2b7e-9a3d-4c55-8e21-6b0d7a9c3e10/","iat":"1773400000","nbf":"1773400000","exp":"1773403900","http://schemas.microsoft.com/claims/authnclassreference":"1","aio":"AVQAq/8TAAAAexamplexamplexample","http://schemas.microsoft.com/claims/authnmethodsreferences":"pwd,mfa","appid":"c44b4083-3bb0-49c1-b47d-974e53cbdf3c","appidacr":"2","http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname":"Doe","http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname":"Jo","ipaddr":"198.51.100.%d","name":"Jo Doe","http://schemas.microsoft.com/identity/claims/objectidentifier":"%s","puid":"10037FFE8A0D1234","http://schemas.microsoft.com/identity/claims/scope":"user_impersonation","http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier":"x1yZexampleNameIdentifier","http://schemas.microsoft.com/identity/claims/tenantid":"4f1c2b7e-9a3d-4c55-8e21-6b0d7a9c3e10","http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name":"user%d@contoso.example","http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn":"user%d@contoso.example","uti":"exampleUti","ver":"1.0"}},"level":"%s","location":"westeurope","properties":%s}`+"\n",
		stamp(line, perDay), r.IntN(10000000),
		sub, rg, op[:len(op)-len(lastSegment(op))-1], name,
		op, st.resultType, st.signature, r.IntN(5000), 1+r.IntN(250), guid(r),
		sub, rg, op, sub, guid(r), guid(r),
		1+r.IntN(250), userOID(r.IntN(users)), r.IntN(users), r.IntN(users),
		levels[status], props)
}

// stamp is the time of line to the second: perDay lines a day from the
// first of March 2026, or with perDay 0 day 1+line%28 of March, at the
// second of the day line counts from midnight (the file Write has always
// written).
func stamp(line, perDay int) string {
	if perDay <= 0 {
		return fmt.Sprintf("2026-03-%02dT%02d:%02d:%02d", 1+line%28, line/3600%24, line/60%60, line%60)
	}
	// In seconds: in nanoseconds, line × a day overflows past 106,000 lines.
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).Unix()
	return time.Unix(start+int64(line)*86400/int64(perDay), 0).UTC().Format("2006-01-02T15:04:05")
}

// users is the tenant's population: a few hundred people and pipelines
// act again and again, as in a real tenant (not a new principal per
// record, which would make every write a first).
const users = 300

func userOID(i int) string { return fmt.Sprintf("6a1c3b0e-%04x-4000-8000-%012x", i, i*7919) }

var levels = []string{"Information", "Information", "Information", "Error"}

func lastSegment(s string) string {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '/' {
			return s[i+1:]
		}
	}
	return s
}

func guid(r *rand.Rand) string {
	return fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", r.Uint32(), r.IntN(1<<16), r.IntN(1<<12), r.IntN(1<<12), r.Uint64()&(1<<48-1))
}

// quote writes s as a JSON string, as Azure does for requestbody.
func quote(s string) string {
	b := make([]byte, 0, len(s)+16)
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b = append(b, '\\')
		}
		b = append(b, s[i])
	}
	return string(append(b, '"'))
}
