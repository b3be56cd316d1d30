package activitylog

import (
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// TestFormulaCount: constants and constant caps of an autoscale formula's
// targets bound the pool's nodes; anything else leaves them unknown.
func TestFormulaCount(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		formula  string
		ded, low int
		bounded  bool
	}{
		{"$TargetDedicatedNodes=500;", 500, 0, true},
		{"$TargetDedicatedNodes = 10; $TargetLowPriorityNodes = 40", 10, 40, true},
		// Learn's pending-tasks example, capped.
		{"$samples = $PendingTasks.GetSamplePercent(TimeInterval_Minute * 15);\n$tasks = $samples < 70 ? max(0, $PendingTasks.GetSample(1)) : max($PendingTasks.GetSample(1), avg($PendingTasks.GetSample(TimeInterval_Minute * 15)));\n$targetVMs = $tasks > 0 ? $tasks : max(0, $TargetDedicatedNodes / 2);\n$TargetDedicatedNodes = max(0, min($targetVMs, 25));\n$NodeDeallocationOption = taskcompletion;", 25, 0, true},
		{"$TargetLowPriorityNodes = min(300, $PendingTasks.GetSample(1));", 0, 300, true},
		{"$TargetDedicatedNodes = min($PendingTasks.GetSample(1), 40, 12)", 12, 0, true},
		{"$isWorkingHours = $time.hour >= 8 && $time.hour < 18; $TargetDedicatedNodes = $isWorkingHours ? 20 : 4;", 20, 0, true},
		{"$TargetDedicatedNodes = (min(8, $x));", 8, 0, true},
		{"$TargetDedicatedNodes = 30; $TargetDedicatedNodes = 60;", 60, 0, true}, // the last assignment wins
		// Unbounded: unknown, not zero, not one.
		{"$TargetDedicatedNodes = $PendingTasks.GetSample(1);", 0, 0, false},
		{"$TargetDedicatedNodes = max(2, $PendingTasks.GetSample(1));", 0, 0, false},
		{"$TargetDedicatedNodes = 4; $TargetLowPriorityNodes = $ActiveTasks.GetSample(1);", 0, 0, false},
		{"$TargetDedicatedNodes = $x ? 20 : $y;", 0, 0, false},
		{"$NodeDeallocationOption = taskcompletion;", 0, 0, false},
		{"", 0, 0, false},
		{"$TargetDedicatedNodes = " + strings.Repeat("min(", 50) + "1" + strings.Repeat(")", 50), 0, 0, false},
		{"$TargetDedicatedNodes = min(1, 2", 0, 0, false},
	} {
		ded, low, ok := formulaCount(c.formula)
		if ded != c.ded || low != c.low || ok != c.bounded {
			t.Errorf("formulaCount(%q) = %d, %d, %v; want %d, %d, %v", c.formula, ded, low, ok, c.ded, c.low, c.bounded)
		}
	}
}

// TestAutoscaledBatchPool: an autoscaled pool's write is counted at its
// formula's bound, marked so, or said to be of unknown count; never one.
func TestAutoscaledBatchPool(t *testing.T) {
	t.Parallel()
	const id = "/subscriptions/7d9e1f20-3b4a-4c6d-9e8f-a1b2c3d4e5f6/resourceGroups/rg/providers/Microsoft.Batch/batchAccounts/ba/pools/p1"
	for _, c := range []struct {
		body string
		want *event.Compute
	}{
		{`{"properties":{"vmSize":"Standard_ND96asr_v4","scaleSettings":{"autoScale":{"formula":"$TargetDedicatedNodes=500;","evaluationInterval":"PT5M"}}}}`,
			&event.Compute{Service: "batch", Size: "Standard_ND96asr_v4", Count: 500, CountNote: event.CountFormula}},
		{`{"properties":{"vmSize":"Standard_ND96asr_v4","scaleSettings":{"autoScale":{"formula":"$TargetLowPriorityNodes = min(200, $PendingTasks.GetSample(1));"}}}}`,
			&event.Compute{Service: "batch", Size: "Standard_ND96asr_v4", Count: 200, LowPri: 200, CountNote: event.CountFormula}},
		{`{"properties":{"vmSize":"Standard_ND96asr_v4","scaleSettings":{"autoScale":{"formula":"$TargetDedicatedNodes = $PendingTasks.GetSample(1);"}}}}`,
			&event.Compute{Service: "batch", Size: "Standard_ND96asr_v4", CountNote: event.CountFormulaUnknown}},
		{`{"properties":{"vmSize":"Standard_D2s_v5","scaleSettings":{"fixedScale":{"targetDedicatedNodes":3}}}}`,
			&event.Compute{Service: "batch", Size: "Standard_D2s_v5", Count: 3}},
	} {
		rec := `{"time":"2026-03-14T03:09:27Z","resourceId":"` + id + `","operationName":"Microsoft.Batch/batchAccounts/pools/write","category":"Write","resultType":"Start",` +
			`"properties":{"requestbody":` + strconv.Quote(c.body) + `}}`
		evs, err := Decode(&record.Scratch{}, fastjson.MustParse(rec), shapeDiag, nil)
		if err != nil || len(evs) != 1 {
			t.Fatalf("%v, %d events", err, len(evs))
		}
		if diff := cmp.Diff(c.want, evs[0].Compute); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.body, diff)
		}
	}
}
