// Command scaling writes logs whose hunt must take time linear in their
// records: N records of one kind, each naming something new (an
// address, a person, a subscription), the shapes the readers take.
// bench/scaling.sh hunts two sizes of each and compares: a hunt whose time
// grows faster than its input has a list searched for each record
// somewhere, which a big tenant, or an attacker, would find.
//
//	go run ./scaling -kind publicips -n 20000 > ips.json
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"
)

// kinds are what -kind takes, each a writer of record i.
var kinds = map[string]func(w *bufio.Writer, i int){
	// A tenant's public IP writes, each of a new address: the tenant's
	// own addresses, learned one at a time.
	"publicips": func(w *bufio.Writer, i int) {
		activity(w, i, "MICROSOFT.NETWORK/PUBLICIPADDRESSES/WRITE", fmt.Sprintf("MICROSOFT.NETWORK/PUBLICIPADDRESSES/IP-%06d", i), "Success", "198.51.100.7", tenant, person(0),
			map[string]string{"statusCode": "OK", "responseBody": fmt.Sprintf(`{"properties":{"ipAddress":"%s"}}`, addr(20, i))})
	},
	// Public IP prefix writes, each a new /28.
	"prefixes": func(w *bufio.Writer, i int) {
		activity(w, i, "MICROSOFT.NETWORK/PUBLICIPPREFIXES/WRITE", fmt.Sprintf("MICROSOFT.NETWORK/PUBLICIPPREFIXES/PFX-%06d", i), "Success", "198.51.100.7", tenant, person(0),
			map[string]string{"statusCode": "OK", "responseBody": fmt.Sprintf(`{"properties":{"ipPrefix":"%s/28"}}`, addr(40, i*16))})
	},
	// A person each, each making a GPU VM from an Azure address of their
	// own: thousands of alerts, many in one incident.
	"gpupeople": func(w *bufio.Writer, i int) {
		activity(w, i, "MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE", fmt.Sprintf("MICROSOFT.COMPUTE/VIRTUALMACHINES/VM-%06d", i), "Start", addr(20, i), tenant, person(i),
			map[string]string{"requestbody": `{"location":"eastus","properties":{"hardwareProfile":{"vmSize":"Standard_NC24ads_A100_v4"}}}`})
	},
	// Defender for Cloud's alerts (a Log Analytics export's rows) on
	// machines of one name, each in a subscription of its own.
	"defender": func(w *bufio.Writer, i int) {
		sub := fmt.Sprintf("%08x-3b4a-4c6d-9e8f-a1b2c3d4e5f6", i)
		at := start.Add(time.Duration(i) * 3 * time.Second).Format(time.RFC3339Nano)
		id := fmt.Sprintf("/SUBSCRIPTIONS/%s/RESOURCEGROUPS/GPU/PROVIDERS/MICROSOFT.COMPUTE/VIRTUALMACHINES/TRAIN-0", sub)
		row := map[string]any{
			"TenantId": tenant, "TimeGenerated": at, "StartTime": at, "EndTime": at, "Type": "SecurityAlert",
			"DisplayName": "Process associated with digital currency mining detected", "AlertName": "Process associated with digital currency mining detected",
			"AlertSeverity": "Medium", "AlertType": "VM_CryptoCoinMinerArtifacts", "ProviderName": "Azure Security Center", "VendorName": "Microsoft",
			"ProductName": "Microsoft Defender for Cloud", "SystemAlertId": fmt.Sprintf("6e5d4c3b-2a19-4f8e-9d7c-%012x", i), "ResourceId": id,
			"CompromisedEntity": "train-0", "Status": "New", "Tactics": "Execution", "WorkspaceSubscriptionId": sub,
			"Entities": fmt.Sprintf(`[{"$id":"2","HostName":"train-0","AzureID":%q,"Type":"host"}]`, id),
		}
		line(w, row)
	},
}

const tenant = "4f1c2b7e-9a3d-4c55-8e21-6b0d7a9c3e10"

var start = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

// person is the object id of person i.
func person(i int) string { return fmt.Sprintf("6a1c3b0e-001c-4000-8000-%012d", i) }

// addr is the i-th address from first.0.0.0.
func addr(first, i int) string {
	return fmt.Sprintf("%d.%d.%d.%d", first, byte(i>>16), byte(i>>8), byte(i))
}

// activity writes a diagnostic setting's Activity Log record.
func activity(w *bufio.Writer, i int, op, resource, status, caller, tenantID, who string, props map[string]string) {
	line(w, map[string]any{
		"time":          start.Add(time.Duration(i) * 7 * time.Second).Format(time.RFC3339Nano),
		"resourceId":    "/SUBSCRIPTIONS/00000000-1111-4222-8333-000000000001/RESOURCEGROUPS/RG/PROVIDERS/" + resource,
		"operationName": op, "category": "Administrative", "resultType": status, "callerIpAddress": caller,
		"correlationId": fmt.Sprintf("00000000-0000-4000-8000-%012d", i),
		"identity": map[string]any{"claims": map[string]string{
			"http://schemas.microsoft.com/identity/claims/tenantid":         tenantID,
			"http://schemas.microsoft.com/identity/claims/objectidentifier": who,
			"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn":     fmt.Sprintf("user%s@contoso.example", who[len(who)-6:]),
		}},
		"level": "Information", "location": "eastus", "properties": props,
	})
}

func line(w *bufio.Writer, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // the values above always marshal
	}
	w.Write(b)
	w.WriteByte('\n')
}

func main() {
	kind := flag.String("kind", "", "what to write: publicips, prefixes, gpupeople or defender")
	n := flag.Int("n", 10000, "how many records")
	flag.Parse()
	write, ok := kinds[*kind]
	if !ok || *n < 1 {
		fmt.Fprintln(os.Stderr, "scaling: -kind publicips|prefixes|gpupeople|defender, -n at least 1")
		os.Exit(2)
	}
	w := bufio.NewWriterSize(os.Stdout, 1<<16)
	for i := range *n {
		write(w, i)
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "scaling:", err)
		os.Exit(1)
	}
}
