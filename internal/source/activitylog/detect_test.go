package activitylog

import (
	"testing"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/record"
)

func TestDetect(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		record string
		hint   record.Hint
		want   string // "" for not claimed
	}{
		{"diagnostic Write record", `{"time":"2024-01-01T00:00:00Z","category":"Write","operationName":"MICROSOFT.WEB/SITES/WRITE","resultType":"Start"}`, jsonHint, shapeDiag},
		{"diagnostic ServiceHealth record", `{"time":"2024-01-01T00:00:00Z","category":"ServiceHealth","operationName":"Microsoft.ServiceHealth/incident/action","properties":{"title":"x"}}`, jsonHint, shapeDiag},
		{"diagnostic record of an unlisted category with Activity Log identity", `{"time":"2024-01-01T00:00:00Z","category":"Deployment","operationName":"Microsoft.Resources/deployments/write","identity":{"claims":{}}}`, jsonHint, shapeDiag},
		{"diagnostic record of an unlisted category with eventCategory", `{"time":"2024-01-01T00:00:00Z","category":"Other","resourceId":"/subscriptions/s","properties":{"eventCategory":"Administrative"}}`, jsonHint, shapeDiag},
		{"REST event", `{"eventTimestamp":"2024-01-01T00:00:00Z","operationName":{"value":"Microsoft.Compute/virtualMachines/write"},"caller":"a@b"}`, jsonHint, shapeREST},
		{"Log Analytics row named by Type", `{"Type":"AzureActivity","TimeGenerated":"2024-01-01T00:00:00Z"}`, jsonHint, shapeLA},
		{"Log Analytics row named by $table", `{"$table":"AzureActivity","TimeGenerated":"2024-01-01T00:00:00Z"}`, jsonHint, shapeLA},
		{"CSV row named by the hint", `{"TimeGenerated":"4/28/2021, 2:32:14.029 PM","Caller":"a@b"}`, csvHint, shapeLA},
		{"az CLI row whose table is PrimaryResult is known by its columns", `{"TableName":"PrimaryResult","TimeGenerated":"2024-01-01T00:00:00Z","OperationNameValue":"x"}`, record.Hint{Format: "json", Table: "PrimaryResult"}, shapeLA},
		{"Log Analytics row without Type known by status and caller columns", `{"TimeGenerated":"2024-01-01T00:00:00Z","ActivityStatusValue":"Success","Caller":"a@b"}`, jsonHint, shapeLA},

		{"Entra sign-in diagnostic record", `{"time":"2024-01-01T00:00:00Z","category":"SignInLogs","operationName":"Sign-in activity","identity":"Alice","properties":{"id":"x"}}`, jsonHint, ""},
		{"Entra audit diagnostic record", `{"time":"2024-01-01T00:00:00Z","category":"AuditLogs","operationName":"Add member to role","properties":{"id":"x"}}`, jsonHint, ""},
		{"NSG flow log record", `{"time":"2024-01-01T00:00:00Z","category":"NetworkSecurityGroupFlowEvent","operationName":"NetworkSecurityGroupFlowEvents","resourceId":"/subscriptions/s","properties":{"Version":2}}`, jsonHint, ""},
		{"firewall structured record", `{"time":"2024-01-01T00:00:00Z","category":"AZFWNetworkRule","operationName":"AZFWNetworkRule","properties":{}}`, jsonHint, ""},
		{"Defender streaming record", `{"time":"2024-01-01T00:00:00Z","category":"AdvancedHunting-DeviceProcessEvents","operationName":"Publish","properties":{}}`, jsonHint, ""},
		{"AKS audit resource log with an ARM-looking operation", `{"time":"2024-01-01T00:00:00Z","category":"kube-audit","operationName":"Microsoft.ContainerService/managedClusters/diagnosticLogs/Read","resourceId":"/subscriptions/s","properties":{"log":"{}"}}`, jsonHint, ""},
		{"Key Vault audit event (identity.claim, singular)", `{"time":"2024-01-01T00:00:00Z","category":"AuditEvent","operationName":"VaultGet","identity":{"claim":{"oid":"x"}}}`, jsonHint, ""},
		{"sign-in Log Analytics row", `{"Type":"SigninLogs","TimeGenerated":"2024-01-01T00:00:00Z","OperationName":"Sign-in activity"}`, jsonHint, ""},
		{"CSV row of another table, even with activity-like columns", `{"TimeGenerated":"2024-01-01T00:00:00Z","OperationNameValue":"x"}`, record.Hint{Format: "csv", Table: "AuditLogs"}, ""},
		{"Graph sign-in", `{"createdDateTime":"2024-01-01T00:00:00Z","status":{"errorCode":0},"ipAddress":"1.2.3.4","appId":"x"}`, jsonHint, ""},
		{"not an object", `["time"]`, jsonHint, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, ok := Detect(fastjson.MustParse(c.record), c.hint)
			if got != c.want || ok != (c.want != "") {
				t.Fatalf("Detect = %q, %v; want %q", got, ok, c.want)
			}
		})
	}
}
