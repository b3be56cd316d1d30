package source

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"

	"github.com/mamori-sec/mamori/internal/event"
)

// BenchmarkReadCSV reads about 16 MiB of a Log Analytics Activity Log
// export shaped like the portal's (47 columns, JSON cells pretty-printed
// over several lines with doubled quotes), all rows good, and the same
// with a bad row in every 500: a stray quote, or a multi-line row short
// of a field.
func BenchmarkReadCSV(b *testing.B) {
	for _, c := range []struct {
		name  string
		every int
	}{{"clean", 0}, {"bad rows", 500}} {
		data := activityCSV(16<<20, c.every)
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				st := Read(context.Background(), []Input{BytesInput("export.csv", data)}, Options{}, func(int, *event.Event) {})
				if st[0].Container != "csv" || st[0].Events == 0 || (st[0].Skipped == 0) != (c.every == 0) {
					b.Fatalf("container %s events %d skipped %d: %v", st[0].Container, st[0].Events, st[0].Skipped, st[0].Errors)
				}
			}
		})
	}
}

// activityCSVHeader is the portal's AzureActivity export header.
var activityCSVHeader = strings.Split("$table,TenantId,SourceSystem,CallerIpAddress,CategoryValue,CorrelationId,Authorization,Authorization_d,Claims,Claims_d,Level,OperationNameValue,Properties,Properties_d,Caller,EventDataId,EventSubmissionTimestamp [UTC],HTTPRequest,OperationId,ResourceGroup,ResourceProviderValue,ActivityStatusValue,ActivitySubstatusValue,Hierarchy,TimeGenerated [UTC],SubscriptionId,OperationName,ActivityStatus,ActivitySubstatus,Category,ResourceId,ResourceProvider,Resource,Type,_ResourceId,OperationVersion,ResultType,ResultSignature,ResultDescription,DurationMs,Identity,Location,AdditionalDetails,Id,InitiatedBy,LoggedByService,Result", ",")

// activityCSV writes an AzureActivity export of about size bytes; when
// every > 0, one row in every is bad, by turns a row whose quote never
// closes and a multi-line row missing its last field.
func activityCSV(size, every int) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(activityCSVHeader)
	row := make([]string, len(activityCSVHeader))
	for i := 0; buf.Len() < size; i++ {
		sub := fmt.Sprintf("8f153238-e602-427e-a7c0-%012d", i%97)
		res := fmt.Sprintf("/subscriptions/%s/resourceGroups/rg-%d/providers/Microsoft.Compute/virtualMachines/vm-%d", sub, i%13, i)
		auth := fmt.Sprintf("{\n  \"scope\": %q,\n  \"action\": \"Microsoft.Compute/virtualMachines/write\",\n  \"evidence\": {\n    \"role\": \"Contributor\",\n    \"principalType\": \"User\"\n  }\n}", res)
		claims := fmt.Sprintf("{\n  \"aud\": \"https://management.core.windows.net/\",\n  \"iat\": \"%d\",\n  \"appid\": \"c44b4083-3bb0-49c1-b47d-974e53cbdf3c\",\n  \"name\": \"Adele Vance\",\n  \"ipaddr\": \"198.51.100.%d\"\n}", 1619619948+i, i%250)
		props := fmt.Sprintf("{\n  \"eventCategory\": \"Administrative\",\n  \"entity\": %q,\n  \"message\": \"Microsoft.Compute/virtualMachines/write\",\n  \"hierarchy\": \"2ad3fc79/CONTOSO-MG/%s\"\n}", res, sub)
		when := fmt.Sprintf("4/28/2021, %d:%02d:%02d.029 PM", 1+i/3600%11, i/60%60, i%60)
		clear(row)
		copy(row, []string{"AzureActivity", "7c759f10-811c-4db8-ad6d-f07d8ae3f8ea", "Azure", fmt.Sprintf("198.51.100.%d", i%250), "Administrative", fmt.Sprintf("a2bba39a-d17f-404d-9919-%012d", i),
			auth, compact(auth), claims, compact(claims), "", "MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE", props, compact(props), "AdeleV@contoso.example", fmt.Sprintf("6f5ca24c-de95-451a-b91e-%012d", i), when,
			`{"clientIpAddress":"198.51.100.7"}`, "", fmt.Sprintf("RG-%d", i%13), "MICROSOFT.COMPUTE", "Success", "", "2ad3fc79/CONTOSO-MG/" + sub, when, sub})
		row[33], row[34] = "AzureActivity", strings.ToLower(res)
		switch {
		case every > 0 && i%every == every-1 && i/every%2 == 0:
			w.Flush()
			buf.WriteString(`AzureActivity,"7c759f10,Azure` + "\n") // a quote that never closes
		case every > 0 && i%every == every-1:
			w.Write(row[:len(row)-1])
		default:
			w.Write(row)
		}
	}
	w.Flush()
	return buf.Bytes()
}

// compact is a pretty-printed JSON cell as the portal's _d column has it.
func compact(s string) string {
	return strings.NewReplacer("\n", "", "  ", "", ": ", ":").Replace(s)
}
