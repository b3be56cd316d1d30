package activitylog

import (
	"strings"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// autoMLTask is what a kind of AutoML task leaves to its defaults
// (azure-rest-api-specs, Microsoft.MachineLearningServices, stable
// 2024-04-01 and 2025-09-01 mfe.json: AutoMLJob.taskDetails, the
// AutoMLVertical its taskType names, and that vertical's limitSettings).
type autoMLTask struct {
	taskType string
	// trials is limitSettings.maxTrials when left out: 1000 for a
	// table's task (TableVerticalLimitSettings), 1 for an image's
	// (ImageLimitSettings) and a text's (NlpVerticalLimitSettings).
	trials int
	// gpu: the task trains on GPUs only, and Azure ML picks a GPU size
	// when the job names none (Learn, "Model training on serverless
	// compute", AutoML job: "If you submit an AutoML image classification
	// or NLP task without specifying an instance type, the GPU VM size is
	// automatically selected"; "Set up AutoML to train computer vision
	// models": they "require GPU SKUs and support NC and ND families";
	// "Set up AutoML for NLP": a workspace "with a GPU training compute").
	gpu bool
}

// autoMLTasks are the task types of the spec's TaskType enum.
var autoMLTasks = []autoMLTask{
	{"Classification", 1000, false}, {"Regression", 1000, false}, {"Forecasting", 1000, false},
	{"ImageClassification", 1, true}, {"ImageClassificationMultilabel", 1, true},
	{"ImageObjectDetection", 1, true}, {"ImageInstanceSegmentation", 1, true},
	{"TextClassification", 1, true}, {"TextClassificationMultilabel", 1, true}, {"TextNER", 1, true},
}

// autoMLJob reads an AutoML job on serverless compute (jobType AutoML).
// Unlike a sweep, whose every trial names its own machines, an AutoML
// job names one set: resources.instanceType, and resources.instanceCount
// machines on which its trials take turns (Azure/azureml-examples' serverless
// bank-marketing job: 6 machines for 5 concurrent trials). Its limits are
// not properties.limits but properties.taskDetails.limitSettings, and
// when it leaves instanceCount out Azure ML sizes the job from them
// (Learn, "Model training on serverless compute": "If an instance count
// isn't specified, it's defaulted based on the max_concurrent_trials and
// max_nodes parameters"): maxConcurrentTrials (1 when left out, as every
// vertical's limit settings say), no more than maxTrials (its task's
// default when left out: an image task left at one trial runs one), or
// maxNodes (the preview API versions' nodes for distributed training)
// when larger. Reading it as a command job took one machine whatever
// the concurrency.
//
// A table's task naming no size runs on the CPU size Azure ML picks (nil,
// as a command job's default size); an image's or a text's runs on a GPU
// size Azure ML picks: its machines are counted, their size unknown.
func autoMLJob(b *bodies) *event.Compute {
	c := &event.Compute{Service: svcAML, Size: b.first("properties", "resources", "instanceType")}
	task := autoMLTaskOf(b.first("properties", "taskDetails", "taskType"))
	if c.Size == "" && !task.gpu {
		return nil
	}
	if n, ok := b.countOK("properties", "resources", "instanceCount"); ok && n > 0 {
		c.Count = n
	} else {
		limit := func(name string) int {
			n, _ := b.countOK("properties", "taskDetails", "limitSettings", name)
			return n
		}
		c.Count = task.machines(limit("maxConcurrentTrials"), limit("maxTrials"), limit("maxNodes"))
	}
	jobTier(b, c)
	return c
}

// autoMLTaskOf is the task a taskType names, as the REST API spells it
// (ImageClassification) or a pipeline's step in the SDK's snake case
// (image_classification); the zero task (no default trials, not
// GPU-only) for one this reader does not know.
func autoMLTaskOf(taskType string) autoMLTask {
	taskType = strings.ReplaceAll(taskType, "_", "")
	for _, k := range autoMLTasks {
		if record.EqualFold(taskType, k.taskType) {
			return k
		}
	}
	return autoMLTask{}
}

// machines is how many machines an AutoML job naming no instance count
// runs at once, from its limits (0: left out): its concurrent trials (1
// when left out), no more than its trials in all (the task's default when
// left out), or its nodes when more.
func (task autoMLTask) machines(concurrent, total, nodes int) int {
	trials := 1
	if concurrent > 0 {
		trials = concurrent
	}
	if total <= 0 {
		total = task.trials // 0 for a task this reader does not know: no cap
	}
	if total > 0 && total < trials {
		trials = total
	}
	return max(trials, nodes)
}

// countOK returns the first integer at keys in either body, clamped as
// count clamps it, and whether a body held one there.
func (b *bodies) countOK(keys ...string) (int, bool) {
	for _, body := range b.list() {
		if n, ok := b.sc.Int(body, keys...); ok {
			return clampCount(n), true
		}
	}
	return 0, false
}
