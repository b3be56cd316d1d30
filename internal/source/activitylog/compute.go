package activitylog

import (
	"cmp"
	"iter"
	"slices"
	"strings"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/enrich"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// Compute services, as event.Compute names them.
const (
	svcVM    = "vm"
	svcVMSS  = "vmss"
	svcAML   = "aml"
	svcBatch = "batch"
	svcACI   = "aci"
	svcAKS   = "aks"
	svcACA   = "aca"
)

// compute reads a compute create or update. Every such operation yields a
// Compute, with only the service known when the record has no body (a
// rule can still count the creations); the size, count and priority come
// from whichever body has them.
func compute(b *bodies, op string) *event.Compute {
	switch op {
	case opVM:
		c := &event.Compute{Service: svcVM, Count: 1}
		c.Size = b.first("properties", "hardwareProfile", "vmSize")
		c.Priority = b.first("properties", "priority")
		c.Image = image(b, vmImagePath)
		spot(c)
		return c
	case opVMSS:
		c := scaleSet(b)
		c.Image = image(b, vmssImagePath)
		return c
	case opFleet:
		c := fleet(b)
		c.Image = image(b, fleetImagePath)
		return c
	case opAML:
		return amlCompute(b)
	case opAMLDeploy:
		// A managed online endpoint's deployment runs its container on
		// instanceType machines, sku.capacity of them: Azure ML's other
		// way to GPUs, with no compute of the workspace's to create.
		c := &event.Compute{Service: svcAML}
		c.Size = b.first("properties", "instanceType")
		c.Count = b.count("sku", "capacity")
		return c
	case opAMLJob:
		return amlJob(b)
	case opBatch:
		return batchPool(b)
	case opACI:
		return containerGroup(b)
	case opAKSPool:
		c := &event.Compute{Service: svcAKS}
		aksPool(b.sc, c, b.props())
		return c
	case opAKS:
		return aksCluster(b)
	case opACA:
		return containerAppsEnv(b)
	case opACAApp:
		return containerApp(b)
	case opACAJob:
		return containerAppsJob(b)
	case opHDInsight:
		return hdinsightCluster(b)
	case opSynapse:
		return synapseSparkPool(b)
	case opARO:
		return openShiftCluster(b)
	case opAppService:
		return appServicePlan(b)
	case opSFNodeType:
		return sfNodeType(b)
	}
	return nil
}

// spot counts every instance of a Spot or low-priority VM or scale set as
// low priority: they are billed and evicted as such.
func spot(c *event.Compute) {
	if record.EqualFold(c.Priority, "Spot") || record.EqualFold(c.Priority, "Low") || record.EqualFold(c.Priority, "LowPriority") {
		c.LowPri = c.Count
	}
}

// count returns the first non-negative integer at keys in either body.
func (b *bodies) count(keys ...string) int {
	for _, body := range b.list() {
		if n, ok := b.sc.Int(body, keys...); ok {
			return clampCount(n)
		}
	}
	return 0
}

// amlCompute reads an Azure Machine Learning compute: a cluster
// (AmlCompute, counted at its maximum node count) or a single compute
// instance.
func amlCompute(b *bodies) *event.Compute {
	c := &event.Compute{Service: svcAML}
	c.Size = b.first("properties", "properties", "vmSize")
	c.Priority = b.first("properties", "properties", "vmPriority")
	if record.EqualFold(b.first("properties", "computeType"), "ComputeInstance") {
		c.Count = 1
	} else {
		c.Count = b.count("properties", "properties", "scaleSettings", "maxNodeCount")
	}
	spot(c)
	return c
}

// amlJob reads an Azure ML job's write. A job on serverless compute names
// its machines itself (resources.instanceType, instanceCount of them; a
// sweep's trial names them, and runs maxConcurrentTrials at once; an
// AutoML job's concurrency sizes it when it names no count: autoMLJob)
// and no computeId, or the one Azure ML reserves for serverless compute
// (serverlessCompute): Azure ML creates those machines for the job, and
// the job's write is the only record of them. A job on a workspace
// compute runs on machines counted when that compute was written
// (computeId names it; an attached Kubernetes cluster's instance types are
// no VM sizes), so it yields no Compute. The request decides, when the
// record has one: a response may name the compute the service chose.
//
// A record with no body to tell (the portal's CSV download, an export
// that dropped the bodies) may be either: a Compute of the service alone,
// counting no machines (no rule counts it, as none knows there were any),
// for the hunt to count as not judged and say that such a job may run on
// a cluster of its workspace (hunt.OpJob). Giving it no Compute, as a job
// on a cluster, hid serverless GPU jobs from NOT JUDGED.
func amlJob(b *bodies) *event.Compute {
	both := b.list()
	body := both[1] // the request
	if body == nil {
		body = both[0]
	}
	if body == nil {
		return &event.Compute{Service: svcAML}
	}
	c := jobCompute(b, body)
	// Archiving a job (the studio, the SDK's jobs.archive) writes it back
	// whole, resources and all: a team tidying up its old GPU jobs is no
	// burst of machines. The write still shows which machines the job
	// named, so a GPU job is still one, but counts none.
	if archived, _ := b.sc.Bool(body, "properties", "isArchived"); archived && c != nil {
		c.Count, c.LowPri = 0, 0
	}
	return c
}

// jobCompute is amlJob's reading of the job's body.
func jobCompute(b *bodies, body *fastjson.Value) *event.Compute {
	if record.EqualFold(b.sc.Str(body, "properties", "jobType"), "Pipeline") {
		return pipelineJob(b.sc, body)
	}
	automl := record.EqualFold(b.sc.Str(body, "properties", "jobType"), "AutoML")
	if id := b.sc.Str(body, "properties", "computeId"); !serverlessCompute(id) {
		if automl {
			return nil // its trials' concurrency on a cluster is the cluster's to bound
		}
		return clusterJob(b, id)
	}
	if automl {
		return autoMLJob(b)
	}
	c := &event.Compute{Service: svcAML}
	c.Size = b.first("properties", "resources", "instanceType")
	trial := c.Size == ""
	if trial {
		c.Size = b.first("properties", "trial", "resources", "instanceType")
	}
	if c.Size == "" {
		return nil // the workspace's default serverless size: not the job's to say
	}
	c.Count = jobMachines(b, trial)
	jobTier(b, c)
	return c
}

// jobMachines is how many machines a command or sweep job asks for at
// once: its instanceCount (its sweep trial's when trial), at least one,
// times a sweep's concurrent trials.
func jobMachines(b *bodies, trial bool) int {
	n := b.count("properties", "resources", "instanceCount")
	if trial {
		n = b.count("properties", "trial", "resources", "instanceCount")
	}
	machines := int64(max(n, 1))
	if record.EqualFold(b.first("properties", "jobType"), "Sweep") {
		// No more trials run at once than the sweep has in all.
		trials := b.count("properties", "limits", "maxConcurrentTrials")
		if total := b.count("properties", "limits", "maxTotalTrials"); total > 0 && total < trials {
			trials = total
		}
		machines *= int64(max(trials, 1))
	}
	return clampCount(machines)
}

// jobTier reads a job's queueSettings.jobTier: Spot runs the job on
// evictable capacity.
func jobTier(b *bodies, c *event.Compute) {
	if tier := b.first("properties", "queueSettings", "jobTier"); record.EqualFold(tier, "Spot") {
		c.Priority = tier
	}
	spot(c)
}

// pipelineJob reads a pipeline job's steps (properties.jobs), as the SDK
// and the CLI write them: in snake case (resources.instance_type and
// instance_count, queue_settings.job_tier, limits.max_concurrent_trials)
// beside computeId. A step runs on its own computeId, else the pipeline's,
// else its settings' default_compute; those on serverless compute that
// name their machines are what the job creates, and the pipeline's write
// is their only record (Azure ML submits the steps itself). Steps with no
// input from another run at once: every step is counted, as bestPools
// counts a cluster's pools. The pipeline names no machines of its own, so
// reading it as a command job took none of them.
func pipelineJob(sc *record.Scratch, body *fastjson.Value) *event.Compute {
	def := sc.FirstStr(body, "properties/computeId", "properties/settings/default_compute", "properties/settings/defaultCompute")
	jobs := sc.Object(sc.Get(body, "properties", "jobs"))
	if jobs == nil || jobs.Type() != fastjson.TypeObject {
		return nil
	}
	steps := func(yield func(event.Compute) bool) {
		lastOfEach(jobs, func(_ []byte, step *fastjson.Value) bool {
			if step.Type() != fastjson.TypeObject {
				return true
			}
			if id := sc.Str(step, "computeId"); !serverlessCompute(cmp.Or(id, def)) {
				return true
			}
			s := event.Compute{Size: sc.FirstStr(step, "resources/instance_type", "resources/instanceType")}
			if s.Size == "" {
				return true // the default serverless size: not the step's to say
			}
			count := stepInt(sc, step, "resources", "instance_count", "instanceCount")
			machines := int64(max(count, 1))
			switch kind := sc.Str(step, "type"); {
			case record.EqualFold(kind, "sweep"):
				machines *= int64(max(stepInt(sc, step, "limits", "max_concurrent_trials", "maxConcurrentTrials"), 1))
			case record.EqualFold(kind, "automl") && count <= 0:
				// Its trials take turns on one set of machines, which
				// its limits size when it names no count (autoMLJob).
				task := autoMLTaskOf(sc.FirstStr(step, "task", "task_type", "taskType"))
				machines = int64(task.machines(stepInt(sc, step, "limits", "max_concurrent_trials", "maxConcurrentTrials"),
					stepInt(sc, step, "limits", "max_trials", "maxTrials"), stepInt(sc, step, "limits", "max_nodes", "maxNodes")))
			}
			s.Count = clampCount(machines)
			if tier := sc.FirstStr(step, "queue_settings/job_tier", "queueSettings/jobTier"); record.EqualFold(tier, "Spot") {
				s.Priority = tier
			}
			spot(&s)
			return yield(s)
		})
	}
	c := &event.Compute{Service: svcAML}
	bestPools(c, steps)
	if c.Size == "" {
		return nil
	}
	return c
}

// stepInt returns the integer a pipeline's step holds in its object
// parent, under its snake-case name or else its camel-case one.
func stepInt(sc *record.Scratch, step *fastjson.Value, parent, snake, camel string) int {
	n, ok := sc.Int(step, parent, snake)
	if !ok {
		n, _ = sc.Int(step, parent, camel)
	}
	return clampCount(n)
}

// serverlessCompute reports whether a job's computeId puts it on
// serverless compute: none at all, or the name Azure ML reserves for it,
// "serverless". The Python SDK sends that name as it is (a pipeline's
// steps, compute="serverless"); the CLI resolves `compute:
// azureml:serverless` to the workspace's .../computes/serverless, as it
// does any compute's name. Taking any computeId for a cluster let a job
// name serverless compute and create its machines unseen.
func serverlessCompute(id string) bool {
	id = strings.TrimRight(strings.TrimSpace(id), "/")
	if id == "" {
		return true
	}
	name := id
	if i := strings.LastIndexAny(id, "/:"); i >= 0 {
		prefix := strings.ToLower(id[:i+1])
		if !strings.HasSuffix(prefix, "/computes/") && prefix != "azureml:" {
			return false
		}
		name = id[i+1:]
	}
	return strings.EqualFold(name, "serverless")
}

// batchPool reads a Batch pool. A fixed-scale pool asks for dedicated plus
// low-priority nodes; an autoscaled pool's size is a formula, whose
// constant bounds are an estimated count (formula.go), else the count is
// unknown and said to be (event.CountFormulaUnknown), its count 0.
func batchPool(b *bodies) *event.Compute {
	c := &event.Compute{Service: svcBatch}
	c.Size = b.first("properties", "vmSize")
	dedicated := b.count("properties", "scaleSettings", "fixedScale", "targetDedicatedNodes")
	c.LowPri = b.count("properties", "scaleSettings", "fixedScale", "targetLowPriorityNodes")
	c.Count = clampCount(int64(dedicated) + int64(c.LowPri))
	if c.Count > 0 {
		return c
	}
	if f := b.first("properties", "scaleSettings", "autoScale", "formula"); f != "" {
		if d, low, ok := formulaCount(f); ok {
			c.LowPri, c.Count, c.CountNote = low, clampCount(int64(d)+int64(low)), event.CountFormula
		} else {
			c.CountNote = event.CountFormulaUnknown
		}
	}
	return c
}

// containerGroup reads a container group: one instance whose containers'
// GPU and CPU requests are summed. The GPU SKU is the first one named.
func containerGroup(b *bodies) *event.Compute {
	c := &event.Compute{Service: svcACI, Count: 1}
	var gpus int64
	for _, ct := range b.array("properties", "containers") {
		req := b.sc.Get(ct, "properties", "resources", "requests")
		if n, ok := b.sc.Int(req, "gpu", "count"); ok && n > 0 {
			gpus += n
		}
		if c.GPUSKU == "" {
			c.GPUSKU = b.sc.Str(req, "gpu", "sku")
		}
		if f, ok := b.sc.Float(req, "cpu"); ok && f > 0 && f < 1e9 {
			c.CPUs += f
		}
	}
	c.GPUs = clampCount(gpus)
	c.Priority = b.first("properties", "priority")
	spot(c) // a Spot container group is billed and evicted as such too
	return c
}

// aksPool reads an AKS node pool (an agent pool's properties, or one of a
// cluster's agentPoolProfiles) into c: AKS writes the pool's scale set in
// the node resource group under its own identity, so the pool's write is
// the only record that names who asked for the machines. An autoscaled
// pool is counted at its maximum, as an Azure ML cluster is.
func aksPool(sc *record.Scratch, c *event.Compute, p *fastjson.Value) {
	c.Size = sc.Str(p, "vmSize")
	c.Priority = sc.Str(p, "scaleSetPriority")
	n, _ := sc.Int(p, "count")
	if on, _ := sc.Bool(p, "enableAutoScaling"); on {
		if m, ok := sc.Int(p, "maxCount"); ok && m > n {
			n = m
		}
	}
	c.Count = clampCount(n)
	spot(c)
}

// aksCluster reads a managed cluster's write: a cluster created with its
// pools (agentPoolProfiles) makes no agent pool write of its own.
func aksCluster(b *bodies) *event.Compute {
	c := &event.Compute{Service: svcAKS}
	pools := b.array("properties", "agentPoolProfiles")
	all := make([]event.Compute, len(pools))
	for i, p := range pools {
		aksPool(b.sc, &all[i], p)
	}
	bestPools(c, slices.Values(all))
	return c
}

// containerAppsEnv reads a Container Apps environment's write: its
// dedicated workload profiles are pools of machines (a GPU profile, such
// as NC24-A100, of A100 machines), up to maximumCount of each. A
// serverless GPU profile has no count: it is at least one machine. The
// built-in Consumption profile has no size and is not counted.
func containerAppsEnv(b *bodies) *event.Compute {
	c := &event.Compute{Service: svcACA}
	var all []event.Compute
	for _, p := range b.array("properties", "workloadProfiles") {
		// The size is the profile type as written (compute.size is the
		// record's own text); the size table and the prices know each
		// type by the VM it runs on.
		if typ := b.sc.Str(p, "workloadProfileType"); enrich.ContainerAppsProfileSize(typ) != "" {
			n, _ := b.sc.Int(p, "maximumCount")
			all = append(all, event.Compute{Size: typ, Count: clampCount(max(n, 1))})
		}
	}
	bestPools(c, slices.Values(all))
	return c
}

// bestPools fills c from a write's pools of machines (an AKS cluster's
// node pools, a Container Apps environment's profiles, a pipeline's
// steps), which it reads twice and keeps none of. An event carries
// one size, so it is the pool's that mines best (most GPUs, else most
// vCPUs, over its nodes): a small system pool beside a GPU pool must not
// hide it. Count and low priority are the nodes of that size, in every
// pool of it: adding the other pools' nodes would claim 63 A100s (and
// their cost) for 60 beside a 3-node system pool.
func bestPools(c *event.Compute, pools iter.Seq[event.Compute]) {
	var best float64 = -1
	for p := range pools {
		if w := poolWeight(p); w > best {
			best, c.Size, c.Priority = w, p.Size, p.Priority
		}
	}
	var count, lowPri int64
	for p := range pools {
		if strings.EqualFold(p.Size, c.Size) {
			count += int64(p.Count)
			lowPri += int64(p.LowPri)
		}
	}
	c.Count, c.LowPri = clampCount(count), clampCount(lowPri)
}

// poolWeight ranks a pool by what it can mine: its nodes' GPUs first, then
// their vCPUs; a size the table does not know ranks last.
func poolWeight(c event.Compute) float64 {
	info, ok := enrich.SizeOf(c.Size)
	if !ok {
		return 0
	}
	n := float64(max(c.Count, 1))
	return n*info.GPUs*1e6 + n*float64(info.VCPUs)
}

// gpuDrivers are the extension types of the GPU driver extensions
// (publisher Microsoft.HpcCompute). The portal names an extension after its
// type, so a record without a body still tells them by name.
var gpuDrivers = []string{"NvidiaGpuDriverLinux", "NvidiaGpuDriverWindows", "AmdGpuDriverWindows", "AmdGpuDriverLinux"}

// publisherHPC publishes the GPU driver extensions.
const publisherHPC = "Microsoft.HpcCompute"

// customScripts are the extension types that run arbitrary commands: the
// usual way a miner is installed on a scale set.
var customScripts = []string{"CustomScript", "CustomScriptExtension", "CustomScriptForLinux", "RunCommandLinux", "RunCommandWindows"}

// extension reads a VM or scale-set extension install: publisher and type
// from the body, the name from the resource id; with no body, a name that
// is a GPU driver's type stands for that driver.
func extension(b *bodies, rawID string) *event.Extension {
	x := &event.Extension{Name: lastSegment(rawID)}
	x.Publisher = b.first("properties", "publisher")
	x.Type = b.first("properties", "type")
	if x.Type == "" {
		if t := canonical(x.Name, gpuDrivers); t != "" {
			x.Type = t
			if x.Publisher == "" {
				x.Publisher = publisherHPC
			}
		}
	}
	return x
}

// scaleSetExtension picks one extension from a scale set's model
// (properties.virtualMachineProfile.extensionProfile.extensions) or a
// fleet's base VM profile, since an
// event carries one: the first GPU driver, else the first custom script or
// run command (how miners are installed), else none - monitoring and
// domain-join extensions on every scale set say nothing.
func scaleSetExtension(b *bodies) *event.Extension {
	for _, body := range b.list() {
		exts := b.sc.Array(body, "properties", "virtualMachineProfile", "extensionProfile", "extensions")
		if len(exts) == 0 {
			// A Compute Fleet's scale sets take their model from its
			// computeProfile.baseVirtualMachineProfile (REST spec
			// azurefleet 2024-11-01), extensions and all.
			exts = b.sc.Array(body, "properties", "computeProfile", "baseVirtualMachineProfile", "extensionProfile", "extensions")
		}
		if len(exts) == 0 {
			continue
		}
		var script *fastjson.Value
		for _, x := range exts {
			t := b.sc.Str(x, "properties", "type")
			if canonical(t, gpuDrivers) != "" || strings.EqualFold(b.sc.Str(x, "properties", "publisher"), publisherHPC) {
				return scaleSetExt(b.sc, x)
			}
			if script == nil && canonical(t, customScripts) != "" {
				script = x
			}
		}
		if script != nil {
			return scaleSetExt(b.sc, script)
		}
		return nil
	}
	return nil
}

// scaleSetExt reads one element of a scale set's extension list.
func scaleSetExt(sc *record.Scratch, x *fastjson.Value) *event.Extension {
	return &event.Extension{
		Publisher: sc.Str(x, "properties", "publisher"),
		Type:      sc.Str(x, "properties", "type"),
		Name:      sc.Str(x, "name"),
	}
}
