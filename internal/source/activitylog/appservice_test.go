package activitylog

import (
	"testing"

	"github.com/mamori-sec/mamori/internal/event"
)

// TestAppServicePlans: an App Service plan's write is a compute create of
// its workers, sku.name the size and sku.capacity the count; the tiers
// with no workers of their own create none, and an elastic plan's burst
// is not counted.
func TestAppServicePlans(t *testing.T) {
	t.Parallel()
	const plan = "/subscriptions/7d9e1f20-3b4a-4c6d-9e8f-a1b2c3d4e5f6/resourceGroups/rg-web/providers/Microsoft.Web/serverfarms/asp1"
	for _, c := range []struct {
		name, rec string
		want      *event.Compute
	}{
		{
			"Linux P5mv3 plan of 30 workers, request body in a string (az monitor activity-log list)",
			`{"eventTimestamp":"2026-03-14T03:09:27Z","resourceId":"` + plan + `","operationName":{"value":"Microsoft.Web/serverfarms/write"},"status":{"value":"Started"},
			"properties":{"requestbody":"{\"location\":\"westus3\",\"kind\":\"linux\",\"sku\":{\"name\":\"P5mv3\",\"tier\":\"PremiumMV3\",\"capacity\":30},\"properties\":{\"reserved\":true}}"}}`,
			&event.Compute{Service: "appservice", Size: "P5mv3", Count: 30},
		},
		{
			"Isolated v2 plan scaled out, response body only (diagnostic)",
			`{"time":"2026-03-14T03:09:27Z","resourceId":"` + plan + `","operationName":"MICROSOFT.WEB/SERVERFARMS/WRITE","category":"Write","resultType":"Success",
			"properties":{"responseBody":"{\"sku\":{\"name\":\"I6v2\",\"tier\":\"IsolatedV2\",\"capacity\":100},\"properties\":{\"hostingEnvironmentProfile\":{\"id\":\"/x\"}}}"}}`,
			&event.Compute{Service: "appservice", Size: "I6v2", Count: 100},
		},
		{
			"Functions Premium plan: its always-ready workers, not its burst",
			`{"time":"2026-03-14T03:09:27Z","resourceId":"` + plan + `","operationName":"MICROSOFT.WEB/SERVERFARMS/WRITE","category":"Write","resultType":"Start",
			"properties":{"requestbody":"{\"kind\":\"elastic\",\"sku\":{\"name\":\"EP3\",\"tier\":\"ElasticPremium\",\"capacity\":2},\"properties\":{\"maximumElasticWorkerCount\":100}}"}}`,
			&event.Compute{Service: "appservice", Size: "EP3", Count: 2},
		},
		{
			"a template's plan with no capacity runs one worker",
			`{"time":"2026-03-14T03:09:27Z","resourceId":"` + plan + `","operationName":"MICROSOFT.WEB/SERVERFARMS/WRITE","category":"Write","resultType":"Start",
			"properties":{"requestbody":{"location":"westeurope","sku":{"name":"P1v3"}}}}`,
			&event.Compute{Service: "appservice", Size: "P1v3", Count: 1},
		},
		{
			"Consumption plan of a new function app: no compute",
			`{"time":"2026-03-14T03:09:27Z","resourceId":"` + plan + `","operationName":"MICROSOFT.WEB/SERVERFARMS/WRITE","category":"Write","resultType":"Start",
			"properties":{"requestbody":"{\"kind\":\"functionapp\",\"sku\":{\"name\":\"Y1\",\"tier\":\"Dynamic\"}}"}}`,
			nil,
		},
		{
			"Free plan named by its tier alone: no compute",
			`{"time":"2026-03-14T03:09:27Z","resourceId":"` + plan + `","operationName":"MICROSOFT.WEB/SERVERFARMS/WRITE","category":"Write","resultType":"Start",
			"properties":{"requestbody":"{\"sku\":{\"tier\":\"free\"}}"}}`,
			nil,
		},
		{
			"tags written back: a body that names no workers",
			`{"time":"2026-03-14T03:09:27Z","resourceId":"` + plan + `","operationName":"MICROSOFT.WEB/SERVERFARMS/WRITE","category":"Write","resultType":"Start",
			"properties":{"requestbody":"{\"tags\":{\"owner\":\"web\"}}"}}`,
			&event.Compute{Service: "appservice"},
		},
		{
			"no body: the service only",
			`{"time":"2026-03-14T03:09:27Z","resourceId":"` + plan + `","operationName":"Microsoft.Web/serverfarms/write","category":"Write","resultType":"Success","properties":{}}`,
			&event.Compute{Service: "appservice", NoBody: true},
		},
	} {
		checkCompute(t, c.name, c.rec, c.want)
	}
}
