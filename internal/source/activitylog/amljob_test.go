package activitylog

import (
	"testing"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// TestAzureMLJobs: a job on serverless compute names its machines (no
// computeId, resources.instanceType) and is a compute create of them; a
// sweep runs maxConcurrentTrials trials at once, each on the trial's
// machines; an AutoML job's trials share its machines, which its limit
// settings size when it names no count; the Spot tier is low priority; an archived job written back
// names its machines and counts none. A job on a workspace compute or
// one naming no machines yields none; a record without a body to tell is
// the service alone, no machines counted, for the hunt to count as not
// judged.
func TestAzureMLJobs(t *testing.T) {
	t.Parallel()
	const job = "/subscriptions/7d9e1f20-3b4a-4c6d-9e8f-a1b2c3d4e5f6/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw1/jobs/"
	diag := func(id, body string) string {
		return `{"time":"2026-03-14T03:09:27Z","resourceId":"` + job + id + `","operationName":"MICROSOFT.MACHINELEARNINGSERVICES/WORKSPACES/JOBS/WRITE","category":"Write","resultType":"Start","properties":` + body + `}`
	}
	for _, c := range []struct {
		name, rec string
		want      *event.Compute
	}{
		{
			"command job on serverless Spot A100s, request body in a string (diagnostic)",
			diag("quirky_lamp_5x2", `{"requestbody":"{\"properties\":{\"jobType\":\"Command\",\"command\":\"python train.py\",\"resources\":{\"instanceCount\":4,\"instanceType\":\"Standard_NC24ads_A100_v4\"},\"queueSettings\":{\"jobTier\":\"Spot\"}}}"}`),
			&event.Compute{Service: "aml", Size: "Standard_NC24ads_A100_v4", Count: 4, LowPri: 4, Priority: "Spot"},
		},
		{
			"a sweep of three trials in all runs no more than three at once",
			diag("sweep_small", `{"requestbody":"{\"properties\":{\"jobType\":\"Sweep\",\"trial\":{\"resources\":{\"instanceCount\":1,\"instanceType\":\"Standard_NC6s_v3\"}},\"limits\":{\"maxTotalTrials\":3,\"maxConcurrentTrials\":20}}}"}`),
			&event.Compute{Service: "aml", Size: "Standard_NC6s_v3", Count: 3},
		},
		{
			"an archived job written back whole: its machines named, none counted",
			diag("j_archived", `{"requestbody":"{\"properties\":{\"jobType\":\"Command\",\"isArchived\":true,\"resources\":{\"instanceCount\":4,\"instanceType\":\"Standard_NC24ads_A100_v4\"},\"queueSettings\":{\"jobTier\":\"Spot\"}}}"}`),
			&event.Compute{Service: "aml", Size: "Standard_NC24ads_A100_v4", Priority: "Spot"},
		},
		{
			"sweep job: the trial's machines, eight trials at once (REST)",
			`{"eventTimestamp":"2026-03-14T03:09:27Z","resourceId":"` + job + `sweep_7","operationName":{"value":"Microsoft.MachineLearningServices/workspaces/jobs/write"},"status":{"value":"Started"},
			"properties":{"requestbody":"{\"properties\":{\"jobType\":\"Sweep\",\"trial\":{\"command\":\"python hp.py\",\"resources\":{\"instanceCount\":2,\"instanceType\":\"Standard_ND96asr_v4\"}},\"limits\":{\"jobLimitsType\":\"Sweep\",\"maxTotalTrials\":100,\"maxConcurrentTrials\":8}}}"}}`,
			&event.Compute{Service: "aml", Size: "Standard_ND96asr_v4", Count: 16},
		},
		{
			"a count left out is one machine; a standard tier is no priority (Log Analytics)",
			`{"Type":"AzureActivity","TimeGenerated":"2026-03-14T03:09:27Z","OperationNameValue":"MICROSOFT.MACHINELEARNINGSERVICES/WORKSPACES/JOBS/WRITE","ActivityStatusValue":"Start","_ResourceId":"` + job + `j1",
			"Properties_d":{"requestbody":"{\"properties\":{\"jobType\":\"Command\",\"resources\":{\"instanceType\":\"Standard_NC6s_v3\"},\"queueSettings\":{\"jobTier\":\"Standard\"}}}"}}`,
			&event.Compute{Service: "aml", Size: "Standard_NC6s_v3", Count: 1},
		},
		{
			"the request decides: a response naming the compute the service chose",
			`{"eventTimestamp":"2026-03-14T03:09:27Z","resourceId":"` + job + `j2","operationName":{"value":"Microsoft.MachineLearningServices/workspaces/jobs/write"},"status":{"value":"Succeeded"},
			"properties":{"requestbody":"{\"properties\":{\"jobType\":\"Command\",\"resources\":{\"instanceCount\":3,\"instanceType\":\"Standard_NC6s_v3\"}}}","responseBody":"{\"properties\":{\"computeId\":\"serverless\",\"resources\":{\"instanceCount\":3,\"instanceType\":\"Standard_NC6s_v3\"}}}"}}`,
			&event.Compute{Service: "aml", Size: "Standard_NC6s_v3", Count: 3},
		},
		{
			"command job on the compute Azure ML names serverless (the SDK's name for it)",
			diag("s1", `{"requestbody":"{\"properties\":{\"jobType\":\"Command\",\"computeId\":\"serverless\",\"resources\":{\"instanceCount\":8,\"instanceType\":\"Standard_ND96asr_v4\"}}}"}`),
			&event.Compute{Service: "aml", Size: "Standard_ND96asr_v4", Count: 8},
		},
		{
			"command job on azureml:serverless, which the CLI resolves to the workspace's computes/serverless",
			diag("s2", `{"requestbody":"{\"properties\":{\"jobType\":\"Command\",\"computeId\":\"/subscriptions/7d9e1f20-3b4a-4c6d-9e8f-a1b2c3d4e5f6/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw1/computes/serverless\",\"resources\":{\"instanceCount\":2,\"instanceType\":\"Standard_NC24ads_A100_v4\"},\"queueSettings\":{\"jobTier\":\"Spot\"}}}"}`),
			&event.Compute{Service: "aml", Size: "Standard_NC24ads_A100_v4", Count: 2, LowPri: 2, Priority: "Spot"},
		},
		{
			"the Succeeded record alone, whose response names serverless compute",
			`{"eventTimestamp":"2026-03-14T03:09:29Z","resourceId":"` + job + `s3","operationName":{"value":"Microsoft.MachineLearningServices/workspaces/jobs/write"},"status":{"value":"Succeeded"},
			"properties":{"responseBody":"{\"properties\":{\"jobType\":\"Command\",\"computeId\":\"serverless\",\"resources\":{\"instanceCount\":4,\"instanceType\":\"Standard_NC6s_v3\"}}}"}}`,
			&event.Compute{Service: "aml", Size: "Standard_NC6s_v3", Count: 4},
		},
		{
			"job on a cluster whose name only ends in serverless: a start of its two machines",
			diag("s4", `{"requestbody":"{\"properties\":{\"computeId\":\"/subscriptions/7d9e1f20-3b4a-4c6d-9e8f-a1b2c3d4e5f6/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw1/computes/not-serverless\",\"resources\":{\"instanceCount\":2,\"instanceType\":\"Standard_NC6s_v3\"}}}"}`),
			&event.Compute{Service: "aml", Target: "/subscriptions/7d9e1f20-3b4a-4c6d-9e8f-a1b2c3d4e5f6/resourcegroups/rg-ml/providers/microsoft.machinelearningservices/workspaces/mlw1/computes/not-serverless", Wakes: 2},
		},
		{
			"pipeline on serverless compute: its steps name their machines, in the SDK's snake case; the step that mines best is the event's",
			diag("p1", `{"requestbody":"{\"properties\":{\"jobType\":\"Pipeline\",\"settings\":{\"default_compute\":\"/subscriptions/7d9e1f20-3b4a-4c6d-9e8f-a1b2c3d4e5f6/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw1/computes/serverless\"},\"jobs\":{\"prep\":{\"type\":\"command\",\"computeId\":null,\"resources\":{\"instance_count\":6,\"instance_type\":\"Standard_D4s_v3\"}},\"train\":{\"type\":\"command\",\"resources\":{\"instance_count\":4,\"instance_type\":\"Standard_ND96asr_v4\"},\"queue_settings\":{\"job_tier\":\"spot\"}},\"train2\":{\"type\":\"command\",\"resources\":{\"instance_count\":2,\"instance_type\":\"Standard_ND96asr_v4\"}}}}}"}`),
			&event.Compute{Service: "aml", Size: "Standard_ND96asr_v4", Count: 6, LowPri: 4, Priority: "spot"},
		},
		{
			"pipeline on its cluster, one sweep step on serverless compute: that step's trials",
			diag("p2", `{"requestbody":"{\"properties\":{\"jobType\":\"Pipeline\",\"computeId\":\"/subscriptions/7d9e1f20-3b4a-4c6d-9e8f-a1b2c3d4e5f6/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw1/computes/gpu-cluster\",\"jobs\":{\"prep\":{\"type\":\"command\",\"resources\":{\"instance_count\":2,\"instance_type\":\"Standard_NC6s_v3\"}},\"tune\":{\"type\":\"sweep\",\"computeId\":\"serverless\",\"resources\":{\"instance_count\":1,\"instance_type\":\"Standard_NC24ads_A100_v4\"},\"limits\":{\"max_total_trials\":100,\"max_concurrent_trials\":20}}}}}"}`),
			&event.Compute{Service: "aml", Size: "Standard_NC24ads_A100_v4", Count: 20},
		},
		{
			"pipeline on serverless compute with an AutoML step: its concurrent trials, no more than its trials",
			diag("p5", `{"requestbody":"{\"properties\":{\"jobType\":\"Pipeline\",\"settings\":{\"default_compute\":\"serverless\"},\"jobs\":{\"prep\":{\"type\":\"command\",\"resources\":{\"instance_count\":2,\"instance_type\":\"Standard_D4s_v3\"}},\"automl\":{\"type\":\"automl\",\"task\":\"classification\",\"resources\":{\"instance_type\":\"Standard_NC24ads_A100_v4\"},\"limits\":{\"max_trials\":40,\"max_concurrent_trials\":20}}}}}"}`),
			&event.Compute{Service: "aml", Size: "Standard_NC24ads_A100_v4", Count: 20},
		},
		{
			"AutoML step naming its count: its trials take turns on those machines",
			diag("p6", `{"requestbody":"{\"properties\":{\"jobType\":\"Pipeline\",\"jobs\":{\"automl\":{\"type\":\"automl\",\"task\":\"regression\",\"resources\":{\"instance_count\":3,\"instance_type\":\"Standard_NC24ads_A100_v4\"},\"limits\":{\"max_concurrent_trials\":20}}}}}"}`),
			&event.Compute{Service: "aml", Size: "Standard_NC24ads_A100_v4", Count: 3},
		},
		{
			"AutoML image step, no limits: one trial, one machine (an image task's default)",
			diag("p7", `{"requestbody":"{\"properties\":{\"jobType\":\"Pipeline\",\"jobs\":{\"vision\":{\"type\":\"automl\",\"task\":\"image_classification\",\"resources\":{\"instance_type\":\"Standard_NC6s_v3\"},\"limits\":{\"max_concurrent_trials\":8}}}}}"}`),
			&event.Compute{Service: "aml", Size: "Standard_NC6s_v3", Count: 1},
		},
		{
			"pipeline whose steps all run on its cluster",
			diag("p3", `{"requestbody":"{\"properties\":{\"jobType\":\"Pipeline\",\"settings\":{\"default_compute\":\"/subscriptions/7d9e1f20-3b4a-4c6d-9e8f-a1b2c3d4e5f6/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw1/computes/gpu-cluster\"},\"jobs\":{\"train\":{\"type\":\"command\",\"resources\":{\"instance_count\":4,\"instance_type\":\"Standard_NC6s_v3\"}}}}}"}`),
			nil,
		},
		{
			"pipeline on serverless compute whose steps name no machines",
			diag("p4", `{"requestbody":"{\"properties\":{\"jobType\":\"Pipeline\",\"settings\":{\"default_compute\":\"serverless\"},\"jobs\":{\"train\":{\"type\":\"command\"},\"sub\":\"not a step\"}}}"}`),
			nil,
		},
		{
			"job on a workspace cluster: no create (the cluster's write counted its machines), a start of the four it asks",
			diag("j3", `{"requestbody":"{\"properties\":{\"jobType\":\"Command\",\"computeId\":\"/subscriptions/7d9e1f20-3b4a-4c6d-9e8f-a1b2c3d4e5f6/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw1/computes/gpu-cluster\",\"resources\":{\"instanceCount\":4}}}"}`),
			&event.Compute{Service: "aml", Target: "/subscriptions/7d9e1f20-3b4a-4c6d-9e8f-a1b2c3d4e5f6/resourcegroups/rg-ml/providers/microsoft.machinelearningservices/workspaces/mlw1/computes/gpu-cluster", Wakes: 4},
		},
		{
			"job on an attached Kubernetes cluster named by name: the workspace's compute of that name",
			diag("j4", `{"requestbody":"{\"properties\":{\"computeId\":\"azureml:k8s-compute\",\"resources\":{\"instanceCount\":2,\"instanceType\":\"gpuinstance\"}}}"}`),
			&event.Compute{Service: "aml", Target: "/subscriptions/7d9e1f20-3b4a-4c6d-9e8f-a1b2c3d4e5f6/resourcegroups/rg-ml/providers/microsoft.machinelearningservices/workspaces/mlw1/computes/k8s-compute", Wakes: 2},
		},
		{
			"AutoML naming no count: its concurrent trials, under taskDetails.limitSettings (REST)",
			`{"eventTimestamp":"2026-03-14T03:09:27Z","resourceId":"` + job + `automl_1","operationName":{"value":"Microsoft.MachineLearningServices/workspaces/jobs/write"},"status":{"value":"Started"},
			"properties":{"requestbody":"{\"properties\":{\"jobType\":\"AutoML\",\"resources\":{\"instanceType\":\"Standard_NC24ads_A100_v4\"},\"taskDetails\":{\"taskType\":\"Classification\",\"targetColumnName\":\"y\",\"trainingData\":{\"jobInputType\":\"mltable\",\"uri\":\"./train\"},\"limitSettings\":{\"maxTrials\":40,\"maxConcurrentTrials\":20}}}}"}}`,
			&event.Compute{Service: "aml", Size: "Standard_NC24ads_A100_v4", Count: 20},
		},
		{
			"AutoML naming a count: its trials take turns on those machines",
			diag("automl_2", `{"requestbody":"{\"properties\":{\"jobType\":\"AutoML\",\"resources\":{\"instanceCount\":6,\"instanceType\":\"Standard_E4s_v3\"},\"taskDetails\":{\"taskType\":\"Classification\",\"limitSettings\":{\"maxTrials\":40,\"maxConcurrentTrials\":5}}}}"}`),
			&event.Compute{Service: "aml", Size: "Standard_E4s_v3", Count: 6},
		},
		{
			"AutoML with no limits: one trial at a time, one machine (the limit settings' default)",
			diag("automl_3", `{"requestbody":"{\"properties\":{\"jobType\":\"AutoML\",\"resources\":{\"instanceType\":\"Standard_D4s_v3\"},\"taskDetails\":{\"taskType\":\"Regression\"}}}"}`),
			&event.Compute{Service: "aml", Size: "Standard_D4s_v3", Count: 1},
		},
		{
			"an image task left at its default of one trial runs one at a time, whatever its concurrency",
			diag("automl_4", `{"requestbody":"{\"properties\":{\"jobType\":\"AutoML\",\"resources\":{\"instanceType\":\"Standard_NC6s_v3\"},\"taskDetails\":{\"taskType\":\"ImageClassification\",\"limitSettings\":{\"maxConcurrentTrials\":8}}}}"}`),
			&event.Compute{Service: "aml", Size: "Standard_NC6s_v3", Count: 1},
		},
		{
			"the preview API's maxNodes, larger than the trials at once, on Spot",
			diag("automl_5", `{"requestbody":"{\"properties\":{\"jobType\":\"AutoML\",\"resources\":{\"instanceType\":\"Standard_NC6s_v3\"},\"queueSettings\":{\"jobTier\":\"Spot\"},\"taskDetails\":{\"taskType\":\"TextClassification\",\"limitSettings\":{\"maxTrials\":4,\"maxConcurrentTrials\":2,\"maxNodes\":8}}}}"}`),
			&event.Compute{Service: "aml", Size: "Standard_NC6s_v3", Count: 8, LowPri: 8, Priority: "Spot"},
		},
		{
			"an image task naming no size runs on the GPU size Azure ML picks: counted, size unknown",
			diag("automl_6", `{"requestbody":"{\"properties\":{\"jobType\":\"AutoML\",\"taskDetails\":{\"taskType\":\"ImageObjectDetection\",\"limitSettings\":{\"maxTrials\":30,\"maxConcurrentTrials\":10}}}}"}`),
			&event.Compute{Service: "aml", Count: 10},
		},
		{
			"a table's task naming no size runs on the CPU size Azure ML picks",
			diag("automl_7", `{"requestbody":"{\"properties\":{\"jobType\":\"AutoML\",\"taskDetails\":{\"taskType\":\"Forecasting\",\"limitSettings\":{\"maxConcurrentTrials\":10}}}}"}`),
			nil,
		},
		{
			"AutoML on the workspace's cluster",
			diag("automl_8", `{"requestbody":"{\"properties\":{\"jobType\":\"AutoML\",\"computeId\":\"/subscriptions/7d9e1f20-3b4a-4c6d-9e8f-a1b2c3d4e5f6/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw1/computes/cpu-cluster\",\"taskDetails\":{\"taskType\":\"Classification\",\"limitSettings\":{\"maxConcurrentTrials\":40}}}}"}`),
			nil,
		},
		{
			"serverless job naming no machines (the workspace's default size)",
			diag("j5", `{"requestbody":"{\"properties\":{\"jobType\":\"Command\",\"command\":\"echo hi\"}}"}`),
			nil,
		},
		{
			"no body to tell: on serverless machines or the workspace's cluster, unknown",
			diag("j6", `{}`),
			&event.Compute{Service: "aml", NoBody: true},
		},
		{
			"a body that is no JSON object tells nothing either",
			diag("j7", `{"requestbody":"{\"properties\":{\"jobType\":\"Command\",\"resources\":{\"instanceCount\":8,\"instanceTy"}`),
			&event.Compute{Service: "aml", NoBody: true},
		},
	} {
		v := fastjson.MustParse(c.rec)
		shape, ok := Detect(v, record.Hint{Format: "json"})
		if !ok {
			t.Fatalf("%s: not an Activity Log record", c.name)
		}
		evs, err := Decode(&record.Scratch{}, v, shape, nil)
		if err != nil || len(evs) != 1 {
			t.Fatalf("%s: %v, %d events", c.name, err, len(evs))
		}
		if got := evs[0].Compute; (got == nil) != (c.want == nil) || got != nil && *got != *c.want {
			t.Errorf("%s: compute %+v, want %+v", c.name, got, c.want)
		}
		if evs[0].Operation != opAMLJob {
			t.Errorf("%s: operation %q", c.name, evs[0].Operation)
		}
	}
}
