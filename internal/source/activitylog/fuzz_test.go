package activitylog

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// allShapes is every shape Decode accepts: the fuzz target decodes each
// input with all of them, so that every path sees every input, not only
// the inputs Detect would route to it.
var allShapes = []string{shapeDiag, shapeREST, shapeLA, shapePS}

func FuzzDecode(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		`{"time":"2024-01-01T00:00:00Z","category":"Write","operationName":"Microsoft.Compute/virtualMachineScaleSets/write","properties":{"responseBody":"{\"sku\":{\"capacity\":-1e400}}","statusMessage":"{\"error\":{\"details\":[[[[[{\"message\":\"quota exceeded\"}]]]]]}}"},"callerIpAddress":"[fe80::1%eth0]:443"}`,
		`{"eventTimestamp":"1700000000000","operationName":{"value":"Microsoft.ContainerInstance/containerGroups/write"},"properties":{"requestbody":{"properties":{"containers":[null,{"properties":{"resources":{"requests":{"gpu":{"count":9223372036854775807}}}}},{"properties":{"resources":{"requests":{"gpu":{"count":9223372036854775807},"cpu":"NaN"}}}}]}}}}`,
		`{"TimeGenerated":"4/28/2021, 2:32:14.029 PM","Type":"AzureActivity","OperationNameValue":"MICROSOFT.SUBSCRIPTION/UPDATETENANT/ACTION","Properties_d":"{\"message\":\"moved from tenant \\u0000 to tenant \"}","ActivityStatusValue":"Failure"}`,
		// Invalid UTF-8 and a capital dotted I (whose lower case is longer)
		// before the labels the quota parser slices at.
		`{"time":"2024-01-01T00:00:00Z","category":"Write","operationName":"Microsoft.Compute/virtualMachines/write","resultType":"Failure","properties":{"statusMessage":"exceeding approved \u0130\u0130\u0130 quota. Location: ` + "\xff\xfe" + `, Current Limit: 99999999999999999999"}}`,
		// An autoscaled Batch pool's formula: nested caps, an unclosed call, a ternary.
		`{"time":"2024-01-01T00:00:00Z","category":"Write","operationName":"Microsoft.Batch/batchAccounts/pools/write","properties":{"requestbody":"{\"properties\":{\"vmSize\":\"Standard_ND96asr_v4\",\"scaleSettings\":{\"autoScale\":{\"formula\":\"$TargetDedicatedNodes = max(0, min($x ? 3 : (4), 9e99)); $TargetLowPriorityNodes = min(((1)), $y; $TargetDedicatedNodes==1\"}}}}"}}`,
		// Names a caller's body writes twice, in two cases, escaped, with a Kelvin sign.
		`{"time":"2024-01-01T00:00:00Z","category":"Write","operationName":"Microsoft.Compute/virtualMachineScaleSets/write","properties":{"requestbody":"{\"sku\":{\"name\":\"Standard_B1s\",\"NAME\":\"Standard_ND96asr_v4\",\"capacity\":1,\"c\\u0061pacity\":40},\"s\\u212Au\":{\"capacity\":2}}"}}`,
		`{"time":"2024-01-01T00:00:00Z","category":"Write","operationName":"Microsoft.MachineLearningServices/workspaces/jobs/write","properties":{"requestbody":{"properties":{"jobType":"Pipeline","jobs":{"a":{"resources":{"instance_type":"Standard_ND96asr_v4"}},"a":{"resources":{"instance_type":"Standard_D4s_v5"}},"A":null}}}}}`,
		// An AutoML job whose limits are out of range or of the wrong type, and one with no body.
		`{"time":"2024-01-01T00:00:00Z","category":"Write","operationName":"Microsoft.MachineLearningServices/workspaces/jobs/write","properties":{"requestbody":{"properties":{"jobType":"automl","resources":{"instanceCount":"-3"},"taskDetails":{"taskType":"textner","limitSettings":{"maxConcurrentTrials":99999999999999999999,"maxTrials":"x","maxNodes":[]}}}}}}`,
		`{"time":"2024-01-01T00:00:00Z","category":"Write","operationName":"Microsoft.MachineLearningServices/workspaces/jobs/write","resultType":"Start","properties":{}}`,
		`{"eventTimestamp":"2024-01-01T00:00:00Z","operationName":"Microsoft.Authorization/roleAssignments/write","resourceId":"/providers/Microsoft.Authorization/roleAssignments/x","claims":null,"authorization":{"evidence":[]}}`,
		// An autoscale setting's profiles with capacities and dates out of range.
		`{"time":"2026-03-14T03:09:27Z","category":"Write","operationName":"microsoft.insights/autoscalesettings/write","properties":{"requestbody":{"properties":{"targetResourceUri":"/subscriptions/s/providers/Microsoft.Compute/virtualMachineScaleSets/","profiles":[null,{"capacity":{"minimum":"-9e99","default":"99999999999999999999","maximum":[]},"fixedDate":{"end":"/Date(-62135596800001)/"}}],"enabled":"yes"}}}}`,
		// An Instance Mix scale set whose sizes and priority mix are of the wrong type or out of range,
		// and a Compute Fleet whose capacities overflow and whose sizes are no objects.
		`{"time":"2026-03-14T03:09:27Z","category":"Write","operationName":"Microsoft.Compute/virtualMachineScaleSets/write","properties":{"requestbody":"{\"sku\":{\"name\":\"MIX\",\"capacity\":2147483647},\"properties\":{\"priorityMixPolicy\":{\"baseRegularPriorityCount\":-5,\"regularPriorityPercentageAboveBase\":1e300},\"skuProfile\":{\"vmSizes\":[null,{\"name\":[]},{\"name\":\"Standard_ND128isr_B300_v7\"},\"x\"]},\"virtualMachineProfile\":{\"priority\":\"Spot\"}}}"}}`,
		`{"eventTimestamp":"2026-03-14T03:09:27Z","operationName":{"value":"Microsoft.AzureFleet/fleets/write"},"properties":{"requestbody":{"properties":{"spotPriorityProfile":{"capacity":9223372036854775807},"regularPriorityProfile":{"capacity":"9223372036854775807"},"vmSizesProfile":{"name":"Standard_NC6"},"computeProfile":{"baseVirtualMachineProfile":{"extensionProfile":{"extensions":[{"properties":{"type":"NvidiaGpuDriverLinux"}}]}}}}}}}`,
		// Autoscale's actions: counts out of range, of the wrong type, eventProperties text cut short, a target that is no id.
		`{"time":"2026-11-23T02:32:52Z","category":"Autoscale","operationName":"Microsoft.Insights/AutoscaleSettings/ScaleupResult/Action","resultType":"Succeeded","properties":{"eventProperties":"{\"ResourceName\":\"/providers//\",\"OldInstancesCount\":-99999999999999999999,\"NewInstancesCount\":\"9e400\""}}`,
		`{"eventTimestamp":"2026-11-23T02:32:52Z","operationName":{"value":"Microsoft.Insights/AutoscaleSettings/ScaledownResult/Action"},"status":{"value":"Succeeded"},"properties":{"ResourceName":["x"],"OldInstancesCount":{},"NewInstancesCount":null,"eventProperties":"{\"eventProperties\":\"{}\"}"}}`,
		`{"TimeGenerated":"2026-11-23T02:32:52Z","Type":"AzureActivity","OperationNameValue":"MICROSOFT.INSIGHTS/AUTOSCALESETTINGS/PREDICTIVESCALEUPRESULT/ACTION","ActivityStatusValue":"Succeeded","Properties_d":{"eventProperties":"{\"ResourceName\":\"/subscriptions/s/resourceGroups/r/providers/Microsoft.Web/serverFarms/p\",\"OldInstancesCount\":2147483648,\"NewInstancesCount\":9223372036854775807}"}}`,
		// Starts of a scale set whose instance ids are of every type, and of an instance with no id at all.
		`{"time":"2026-03-14T22:00:00Z","category":"Action","operationName":"Microsoft.Compute/virtualMachineScaleSets/start/action","resultType":"Start","properties":{"requestbody":"{\"instanceIds\":[\"0\",0,null,{},\"0\",\"\\u0030\",[]]}"}}`,
		`{"time":"2026-03-14T22:00:00Z","category":"Action","operationName":"Microsoft.Compute/virtualMachineScaleSets/virtualMachines/start/action","resultType":"Start","properties":{"requestbody":"{\"instanceIds\":\"*\"}"}}`,
		// Jobs on a workspace's compute named oddly: a path, azureml: alone, a sweep of huge trials.
		`{"time":"2026-03-14T22:00:00Z","category":"Write","resourceId":"/subscriptions/s/resourceGroups/r/providers/Microsoft.MachineLearningServices/workspaces/w/jobs/j","operationName":"Microsoft.MachineLearningServices/workspaces/jobs/write","resultType":"Start","properties":{"requestbody":{"properties":{"jobType":"Sweep","computeId":"azureml:","trial":{"resources":{"instanceCount":99999999999}},"limits":{"maxConcurrentTrials":99999999999}}}}}`,
		`{"time":"2026-03-14T22:00:00Z","category":"Write","operationName":"Microsoft.MachineLearningServices/workspaces/jobs/write","resultType":"Start","properties":{"requestbody":{"properties":{"computeId":"a/b/c","resources":{"instanceCount":-4}}}}}`,
		// Container apps and jobs with replicas, CPUs and cron metadata out of range or of the wrong type.
		`{"time":"2026-03-14T03:09:27Z","category":"Write","operationName":"Microsoft.App/containerApps/write","properties":{"requestbody":{"properties":{"workloadProfileName":"Consumption-","template":{"containers":[null,{"resources":{"cpu":"1e400"}},{"resources":{"cpu":-4}}],"scale":{"minReplicas":"99999999999999999999","maxReplicas":-1,"rules":[{"custom":{"type":"CRON","metadata":{"desiredReplicas":[]}}},{"custom":{"type":"cron","metadata":{"desiredReplicas":"-7"}}}]}}}}}}`,
		`{"time":"2026-03-14T03:09:27Z","category":"Write","operationName":"Microsoft.App/jobs/write","properties":{"requestbody":"{\"properties\":{\"configuration\":{\"triggerType\":\"\",\"eventTriggerConfig\":{\"parallelism\":\"9e18\"}},\"template\":null}}"}}`,
		// HDInsight roles, a Synapse pool and OpenShift workers of odd shapes.
		`{"time":"2026-03-14T03:09:27Z","category":"Write","operationName":"Microsoft.HDInsight/clusters/write","properties":{"requestbody":{"properties":{"computeProfile":{"roles":[null,{"targetInstanceCount":"x","autoscale":{"capacity":{"maxInstanceCount":9223372036854775807}},"hardwareProfile":[]}]}}}}}`,
		// HDInsight resizes: a role of no cluster, a count out of range, roles without a cluster's id.
		`{"time":"2026-03-14T03:09:27Z","category":"Action","resourceId":"/subscriptions/s/resourceGroups/r/providers/Microsoft.HDInsight/clusters//roles/","operationName":"Microsoft.HDInsight/clusters/roles/resize/action","resultType":"Start","properties":{"requestbody":{"targetInstanceCount":-9223372036854775808}}}`,
		`{"time":"2026-03-14T03:09:27Z","category":"Action","resourceId":"/roles/workernode","operationName":"Microsoft.HDInsight/clusters/roles/resize/action","properties":{"requestbody":"{\"targetInstanceCount\":1e308}"}}`,
		`{"time":"2026-03-14T03:09:27Z","category":"Write","operationName":"Microsoft.Synapse/workspaces/bigDataPools/write","properties":{"requestbody":{"properties":{"nodeSize":{"x":1},"nodeSizeFamily":null,"nodeCount":-5,"autoScale":{"enabled":"true","maxNodeCount":1e300}}}}}`,
		`{"time":"2026-03-14T03:09:27Z","category":"Write","operationName":"Microsoft.RedHatOpenShift/openShiftClusters/write","properties":{"requestbody":{"properties":{"workerProfiles":[{"count":-1},null,"gpu",{"vmSize":7,"count":1e10}]}}}}`,
		// Subscription diagnostic settings and aliases of odd shapes.
		`{"time":"2026-03-14T03:09:27Z","category":"Administrative","operationName":"Microsoft.Insights/diagnosticSettings/write","resourceId":"/subscriptions//providers/microsoft.insights/diagnosticSettings/a/b","properties":{"requestbody":{"properties":{"logs":[null,{"category":["Administrative"],"enabled":"true"},{"categoryGroup":"ALLLOGS","enabled":1}]}}}}`,
		`{"time":"2026-03-14T03:09:27Z","category":"Administrative","operationName":"Microsoft.Insights/diagnosticSettings/delete","resourceId":"/SUBSCRIPTIONS/x/PROVIDERS/MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/","properties":{}}`,
		`{"time":"2026-03-14T03:09:27Z","category":"Administrative","operationName":"Microsoft.Subscription/aliases/write","resourceId":"/providers/Microsoft.Subscription/aliases/x","properties":{"requestbody":"{\"properties\":{\"additionalProperties\":{\"subscriptionTenantId\":{\"a\":1}}}}"}}`,
		// Defender's Activate Alert records: REST (facts in properties), diagnostic (eventName and eventProperties under properties).
		`{"eventTimestamp":"2026-03-14T03:09:27Z","category":{"value":"Security"},"operationName":{"value":"Microsoft.Security/locations/alerts/activate/action"},"eventName":{"value":"Digital currency mining related behavior detected"},"subscriptionId":"s","properties":{"compromisedEntity":"train-0000003","severity":[1]}}`,
		`{"time":"2026-03-14T03:09:27Z","category":"Security","operationName":"Microsoft.Security/locations/alerts/activate/action","resultType":"Active","properties":{"eventName":null,"eventProperties":{"compromisedEntity":{"x":1},"intent":"[\"Execution\"]"}}}`,
	} {
		f.Add([]byte(s))
	}
	hints := []record.Hint{jsonHint, csvHint, {Format: "json", Table: "PrimaryResult"}}
	f.Fuzz(func(t *testing.T, data []byte) {
		var p fastjson.Parser
		v, err := p.ParseBytes(data)
		if err != nil {
			return
		}
		var sc record.Scratch
		for _, h := range hints {
			Detect(v, h)
		}
		for _, shape := range allShapes {
			checkBrief(t, v, shape) // brief reading says what the full one says
			evs, err := Decode(&sc, v, shape, nil)
			sc.Reset()
			if err == errDepthCut {
				if shape != shapePS || len(evs) == 0 {
					t.Fatalf("%s: %v with %d events; want a PowerShell record's, read for what it holds", shape, err, len(evs))
				}
			} else if err != nil {
				if len(evs) != 0 {
					t.Fatalf("%s: error %v with an event", shape, err)
				}
				continue
			}
			// One event, and a second only for Defender's alert an
			// Activate Alert record holds.
			if len(evs) == 2 {
				a := evs[1]
				if evs[0].Operation != opSecurityAlert || a.Kind != event.KindAlert || a.Shape != ShapeAlert ||
					a.Alert == nil || a.Alert.Name == "" || !a.Time.Equal(evs[0].Time) {
					t.Fatalf("%s: a second event %+v from a record of %q", shape, a, evs[0].Operation)
				}
			} else if len(evs) != 1 {
				t.Fatalf("%s: %d events from one record", shape, len(evs))
			}
			e := evs[0]
			if e.Time.IsZero() || e.Shape != shape || e.Kind != event.KindActivity {
				t.Fatalf("%s: bad event time %v shape %q kind %v", shape, e.Time, e.Shape, e.Kind)
			}
			if len(e.StatusMessage) > maxMessage+len("…") {
				t.Fatalf("%s: status message of %d bytes", shape, len(e.StatusMessage))
			}
			if c := e.Compute; c != nil && (c.Count < 0 || c.LowPri < 0 || c.GPUs < 0 || c.CPUs < 0) {
				t.Fatalf("%s: negative compute %+v", shape, *c)
			}
			// What the brief reads claim of the record's text must hold
			// of the record decoded in full.
			g := event.Glance{Operation: e.Operation, Outcome: e.Outcome, Text: asWritten(data)}
			if glanceQuota(&g); e.Quota != nil && g.LacksQuota() {
				t.Fatalf("%s: LacksQuota on a record whose decode reads quota %+v", shape, *e.Quota)
			}
		}
	})
}

// FuzzPowerShell decodes records of Azure PowerShell's shape: whatever
// ConvertTo-Json put where an object or a date belongs (a type name,
// ToString's text, a number, an array, "\/Date(…)\/" of any digits), the
// decoder never panics, gives the same events read twice with one
// Scratch, and says a record was cut (errDepthCut) only with its events,
// never for a whole one.
func FuzzPowerShell(f *testing.F) {
	for _, name := range []string{"ps51.json", "ps7-depth2.json"} {
		data, err := os.ReadFile(filepath.Join("..", "testdata", "powershell", name))
		if err != nil {
			f.Fatal(err)
		}
		v, err := fastjson.ParseBytes(data)
		if err != nil {
			f.Fatal(err)
		}
		for _, r := range v.GetArray() {
			f.Add(r.MarshalTo(nil))
		}
	}
	for _, s := range []string{
		`{"EventTimestamp":"\/Date(1709636400000)\/","OperationName":"Create or Update Virtual Machine","Authorization":{"Action":"Microsoft.Compute/virtualMachines/write"},"Claims":{"Content":null},"Properties":{"Content":{"requestbody":"{\"sku\":{\"name\":\"Standard_NC6\"}}"}}}`,
		`{"EventTimestamp":"\/Date(-62135596800000)\/","SubmissionTimestamp":"\/Date(99999999999999999999+0100)\/","Caller":"x","SubStatus":"(HTTP Status Code: )"}`,
		`{"EventTimestamp":"2024-03-05T11:00:00Z","Claims":"\r\naud            : https://management.core.windows.net/","Authorization":"\r\nScope     : /s\r\nAction    : a","HttpRequest":[1],"Properties":{"Content":"System.Collections.Generic.Dictionary` + "`" + `2[System.String,System.String]"}}`,
		`{"EventTimestamp":"2024-03-05T11:00:00Z","ResourceId":"/r","OperationName":{"Value":null,"LocalizedValue":"Activate Alert"},"EventName":{"Value":{"x":1}},"Properties":{"Content":{"Content":{}},"x":1},"Category":3}`,
		`{"EventTimestamp":"2024-03-05T11:00:00Z","OperationName":"Activate Alert","EventName":"Digital currency mining related behavior detected","Properties":{"Content":{"compromisedEntity":"vm","severity":"High"}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := fastjson.ParseBytes(data)
		if err != nil {
			return
		}
		var sc record.Scratch
		first, err1 := Decode(&sc, v, shapePS, nil)
		sc.Reset()
		again, err2 := Decode(&sc, v, shapePS, nil)
		if err1 != err2 && (err1 == nil || err2 == nil || err1.Error() != err2.Error()) {
			t.Fatalf("errors %v, then %v", err1, err2)
		}
		if len(first) != len(again) {
			t.Fatalf("%d events, then %d", len(first), len(again))
		}
		for i := range first {
			a, b := first[i], again[i]
			if a.Time != b.Time || a.Operation != b.Operation || a.Principal != b.Principal || a.SubStatus != b.SubStatus || a.ResourceID != b.ResourceID {
				t.Fatalf("read twice: %+v\nthen %+v", a, b)
			}
		}
		switch {
		case err1 == errDepthCut && len(first) == 0:
			t.Fatal("cut, with no event")
		case err1 != nil && err1 != errDepthCut && len(first) != 0:
			t.Fatalf("error %v with %d events", err1, len(first))
		case err1 == nil && len(first) > 0 && first[0].Shape != shapePS:
			t.Fatalf("shape %q", first[0].Shape)
		}
	})
}
