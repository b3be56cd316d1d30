package activitylog

import (
	"strings"
	"testing"
)

// A VM Azure Databricks writes for a cluster: by its application, tagged
// with the cluster's id and Creator. Both are asked: a tag alone is
// anyone's to write on their own VM, and the application writes other
// machines too.
func TestDatabricksMachine(t *testing.T) {
	t.Parallel()
	const rec = `{"time":"2026-11-23T02:16:09.118Z","resourceId":"/SUBSCRIPTIONS/3F6A1C2D-8B4E-4D7A-9C15-2E8F0A6B4D31/RESOURCEGROUPS/DATABRICKS-RG-W/PROVIDERS/MICROSOFT.COMPUTE/VIRTUALMACHINES/6C15CF",` +
		`"operationName":"MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE","category":"Write","resultType":"Start","correlationId":"c1",` +
		`"identity":{"claims":{"http://schemas.microsoft.com/identity/claims/objectidentifier":"5d0e9c1b-7a2f-4e38-b6d4-0c9a8e7f1b23","appid":"APPID","idtyp":"app"}},` +
		`"properties":{"requestbody":"{\"location\":\"eastus\",\"tags\":TAGS,\"properties\":{\"hardwareProfile\":{\"vmSize\":\"Standard_NC24ads_A100_v4\"}}}"}}`
	const tags = `{\"Vendor\":\"Databricks\",\"ClusterId\":\"1123-021504-X7K2MQ9A\",\"ClusterName\":\"etl\",\"Creator\":\"j.fischer@contoso.com\"}`
	for _, c := range []struct {
		name, app, tags, cluster, creator string
	}{
		{"the application's, tagged", "2ff814a6-3304-4ab8-85cb-cd0e6f879c1d", tags, "3f6a1c2d-8b4e-4d7a-9c15-2e8f0a6b4d31/1123-021504-x7k2mq9a", "j.fischer@contoso.com"},
		{"the application's, other tags", "2ff814a6-3304-4ab8-85cb-cd0e6f879c1d", `{\"team\":\"data\"}`, "", ""},
		{"another caller's, tagged alike", "c5cc7249-624c-4fe7-9e11-8299f3819433", tags, "", ""},
		{"a vendor not Databricks", "2ff814a6-3304-4ab8-85cb-cd0e6f879c1d", strings.Replace(tags, `Databricks`, `Contoso`, 1), "", ""},
	} {
		r := strings.NewReplacer("APPID", c.app, "TAGS", c.tags).Replace(rec)
		evs, err := decodeOne(t, []byte(r), shapeDiag)
		if err != nil || len(evs) != 1 || evs[0].Compute == nil {
			t.Fatalf("%s: %v, %+v", c.name, err, evs)
		}
		if got := evs[0].Compute; got.Cluster != c.cluster || got.Creator != c.creator || got.Service != "vm" || got.Size != "Standard_NC24ads_A100_v4" {
			t.Errorf("%s: compute %+v, want cluster %q, creator %q", c.name, *got, c.cluster, c.creator)
		}
	}
}
