package activitylog

import (
	"strings"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/enrich"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// Container Apps' apps and jobs (azure-rest-api-specs Microsoft.App
// stable 2024-03-01, ContainerApps_CreateOrUpdate.json and
// Job_CreateorUpdate.json): an app's properties.template holds its
// containers (resources.cpu, in vCPUs) and scale (minReplicas,
// maxReplicas, rules); a job's properties.configuration holds its trigger
// (triggerType Manual, Schedule or Event) and that trigger's config,
// whose parallelism is the replicas one execution runs at once. Both name
// the environment's profile they run on in properties.workloadProfileName
// (none, or "Consumption", for the Consumption profile).
//
// On the Consumption profile the replicas run on machines Azure names
// nowhere (Learn, "Quotas for Azure Container Apps": 100 cores per
// environment by default, 15 environments per region, so 1,500 vCPUs a
// region with no quota request): the app's or job's write is the only
// record of them. A replica is an instance with no VM size: compute.count
// counts replicas, compute.cpus the vCPUs each asks for. Having no size,
// they are counted by the rules but give the incident no cost line, as a
// container group's CPUs give none: the price table is per VM size, and
// Consumption bills per vCPU-second and GiB-second. No line is better
// than a line of $0.
//
// On a dedicated profile the replicas share the profile's machines, which
// the environment's write counted (containerAppsEnv): the app counts none
// of its own. A serverless GPU profile (Consumption-GPU-NC24-A100) gives
// each replica a GPU machine of its own: when the app names the profile
// by its type, its replicas are counted at that size. A profile the
// environment named otherwise ("gpu" of type Consumption-GPU-NC8as-T4)
// cannot be told from a dedicated one by the app's record alone.

const (
	opACAApp = "microsoft.app/containerapps/write"
	opACAJob = "microsoft.app/jobs/write"
)

// maxReplicas bounds what one app is taken to run: Learn documents at
// most 1,000 replicas per app (CLI), and a hostile count must not claim
// more.
const maxReplicas = 1000

// containerApp reads a container app's write. Its count is what Azure
// keeps running whatever the load: minReplicas (0 by default, scaled to
// zero), or a cron scale rule's desiredReplicas when larger (a KEDA cron
// rule holds that many replicas for its whole window, load or not), within
// maxReplicas. The maximum alone is not counted: replicas up to it run
// only under the load the app's rules read, as an autoscale setting's
// maximum is not.
func containerApp(b *bodies) *event.Compute {
	c := &event.Compute{Service: svcACA}
	p := b.props()
	if p == nil {
		return c
	}
	tmpl := b.sc.Get(p, "template")
	n, _ := b.sc.Int(tmpl, "scale", "minReplicas")
	ceiling := int64(maxReplicas)
	if m, ok := b.sc.Int(tmpl, "scale", "maxReplicas"); ok && m > 0 {
		ceiling = min(m, maxReplicas)
	}
	for _, r := range b.sc.Array(tmpl, "scale", "rules") {
		if !strings.EqualFold(b.sc.Str(r, "custom", "type"), "cron") {
			continue
		}
		// KEDA's metadata values are strings ("desiredReplicas": "10"),
		// which Int reads as numbers.
		if d, ok := b.sc.Int(r, "custom", "metadata", "desiredReplicas"); ok {
			n = max(n, min(d, ceiling))
		}
	}
	acaReplicas(b.sc, c, p, tmpl, min(n, ceiling))
	return c
}

// containerAppsJob reads a Container Apps job's write: one execution runs
// parallelism replicas at once (1 when not given), whatever its trigger.
// An event-driven job's further executions (scale.maxExecutions) run on
// the events its rules read, and are not counted, as an app's maximum is
// not.
func containerAppsJob(b *bodies) *event.Compute {
	c := &event.Compute{Service: svcACA}
	p := b.props()
	if p == nil {
		return c
	}
	conf := b.sc.Get(p, "configuration")
	n := int64(1)
	for _, key := range jobTriggers {
		// The trigger's own config, named by triggerType; a PATCH may
		// carry the config alone.
		if v, ok := b.sc.Int(conf, key, "parallelism"); ok && v > 0 {
			n = v
			if strings.HasPrefix(strings.ToLower(key), strings.ToLower(b.sc.Str(conf, "triggerType"))+"trigger") {
				break
			}
		}
	}
	acaReplicas(b.sc, c, p, b.sc.Get(p, "template"), min(n, maxReplicas))
	return c
}

// jobTriggers are the configs of a job's trigger types, one of which its
// triggerType names.
var jobTriggers = [...]string{"manualTriggerConfig", "scheduleTriggerConfig", "eventTriggerConfig"}

// acaReplicas fills c with n replicas of the template's containers, on the
// profile p names.
func acaReplicas(sc *record.Scratch, c *event.Compute, p, tmpl *fastjson.Value, n int64) {
	for _, ct := range sc.Array(tmpl, "containers") {
		if f, ok := sc.Float(ct, "resources", "cpu"); ok && f > 0 && f < 1e6 {
			c.CPUs += f
		}
	}
	switch profile := strings.TrimSpace(sc.Str(p, "workloadProfileName")); {
	case profile == "" || strings.EqualFold(profile, "Consumption"):
		c.Count = clampCount(n)
	case isServerlessGPUProfile(profile):
		c.Size, c.Count = profile, clampCount(n)
	default:
		// A dedicated profile's machines, counted with the environment.
	}
}

// isServerlessGPUProfile reports whether a workload profile's name is a
// serverless GPU profile's type: one replica, one machine of its own.
func isServerlessGPUProfile(name string) bool {
	return len(name) > len("consumption-") && strings.EqualFold(name[:len("consumption-")], "consumption-") &&
		enrich.ContainerAppsProfileSize(name) != ""
}
