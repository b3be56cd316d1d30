package activitylog

import (
	"testing"

	"github.com/mamori-sec/mamori/internal/event"
)

// TestContainerApps: a container app's write counts the replicas kept
// whatever the load (minReplicas, or a cron rule's desiredReplicas within
// maxReplicas; not maxReplicas), each of its containers' vCPUs; a job's,
// the replicas one execution runs (parallelism). On a dedicated profile
// the environment counted the machines; on a serverless GPU profile each
// replica is a GPU machine of that profile's size.
func TestContainerApps(t *testing.T) {
	t.Parallel()
	const rg = "/subscriptions/7d9e1f20-3b4a-4c6d-9e8f-a1b2c3d4e5f6/resourceGroups/rg-apps/providers/Microsoft.App/"
	rec := func(res, op, body string) string {
		return `{"time":"2026-03-14T03:09:27Z","resourceId":"` + rg + res + `","operationName":"` + op + `","category":"Write","resultType":"Start",
		"properties":{"requestbody":` + body + `}}`
	}
	for _, c := range []struct {
		name, rec string
		want      event.Compute
	}{
		{
			"Consumption app of 300 replicas of 4 vCPUs (no workloadProfileName)",
			rec("containerApps/web", "MICROSOFT.APP/CONTAINERAPPS/WRITE",
				`"{\"location\":\"East US\",\"properties\":{\"environmentId\":\"/x\",\"template\":{\"containers\":[{\"image\":\"a\",\"name\":\"a\",\"resources\":{\"cpu\":4,\"memory\":\"8Gi\"}}],\"scale\":{\"minReplicas\":300,\"maxReplicas\":300}}}}"`),
			event.Compute{Service: "aca", Count: 300, CPUs: 4},
		},
		{
			"the maximum is not counted: scaled to zero, up to 300 on load",
			rec("containerApps/web", "Microsoft.App/containerApps/write",
				`{"properties":{"workloadProfileName":"Consumption","template":{"containers":[{"resources":{"cpu":0.5}},{"resources":{"cpu":0.25}}],"scale":{"maxReplicas":300}}}}`),
			event.Compute{Service: "aca", CPUs: 0.75},
		},
		{
			"a cron rule keeps its desiredReplicas (a string), within maxReplicas",
			rec("containerApps/web", "Microsoft.App/containerApps/write",
				`{"properties":{"template":{"containers":[{"resources":{"cpu":2}}],"scale":{"minReplicas":1,"maxReplicas":120,"rules":[{"name":"always","custom":{"type":"cron","metadata":{"timezone":"UTC","start":"0 0 * * *","end":"59 23 * * *","desiredReplicas":"500"}}}]}}}}`),
			event.Compute{Service: "aca", Count: 120, CPUs: 2},
		},
		{
			"an http rule's load is not counted",
			rec("containerApps/web", "Microsoft.App/containerApps/write",
				`{"properties":{"template":{"containers":[{"resources":{"cpu":2}}],"scale":{"minReplicas":2,"maxReplicas":120,"rules":[{"name":"h","http":{"metadata":{"concurrentRequests":"1"}}}]}}}}`),
			event.Compute{Service: "aca", Count: 2, CPUs: 2},
		},
		{
			"serverless GPU profile named by its type: each replica an A100 machine",
			rec("containerApps/infer", "Microsoft.App/containerApps/write",
				`{"properties":{"workloadProfileName":"Consumption-GPU-NC24-A100","template":{"containers":[{"resources":{"cpu":24}}],"scale":{"minReplicas":10}}}}`),
			event.Compute{Service: "aca", Size: "Consumption-GPU-NC24-A100", Count: 10, CPUs: 24},
		},
		{
			"dedicated profile: the environment's machines, none of the app's",
			rec("containerApps/api", "Microsoft.App/containerApps/write",
				`{"properties":{"workloadProfileName":"My-GP-01","template":{"containers":[{"resources":{"cpu":0.5}}],"scale":{"minReplicas":1,"maxReplicas":5}}}}`),
			event.Compute{Service: "aca", CPUs: 0.5},
		},
		{
			"manual job of parallelism 100 (REST spec shape)",
			rec("jobs/batch", "Microsoft.App/jobs/write",
				`{"location":"East US","properties":{"environmentId":"/x","configuration":{"replicaTimeout":86400,"replicaRetryLimit":1,"manualTriggerConfig":{"replicaCompletionCount":100,"parallelism":100},"triggerType":"Manual"},"template":{"containers":[{"image":"a","name":"a","resources":{"cpu":4,"memory":"8Gi"}}]}}}`),
			event.Compute{Service: "aca", Count: 100, CPUs: 4},
		},
		{
			"scheduled job: its trigger's parallelism, not a leftover manual config's",
			rec("jobs/nightly", "Microsoft.App/jobs/write",
				`{"properties":{"configuration":{"triggerType":"Schedule","manualTriggerConfig":{"parallelism":3},"scheduleTriggerConfig":{"cronExpression":"*/5 * * * *","parallelism":40}},"template":{"containers":[{"resources":{"cpu":1}}]}}}`),
			event.Compute{Service: "aca", Count: 40, CPUs: 1},
		},
		{
			"event job with no parallelism: one replica an execution",
			rec("jobs/queue", "Microsoft.App/jobs/write",
				`{"properties":{"configuration":{"triggerType":"Event","eventTriggerConfig":{"scale":{"minExecutions":0,"maxExecutions":100}}},"template":{"containers":[{"resources":{"cpu":0.5}}]}}}`),
			event.Compute{Service: "aca", Count: 1, CPUs: 0.5},
		},
		{
			"no body: the service only",
			`{"time":"2026-03-14T03:09:27Z","resourceId":"` + rg + `containerApps/web","operationName":"Microsoft.App/containerApps/write","category":"Write","resultType":"Success","properties":{}}`,
			event.Compute{Service: "aca", NoBody: true},
		},
	} {
		checkCompute(t, c.name, c.rec, &c.want)
	}
}
