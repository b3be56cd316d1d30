package databricks

import (
	"cmp"
	"slices"
	"strings"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// service is the compute service a cluster's machines are counted under.
const service = "databricks"

// clusterOps starts the operations of the clusters service.
const clusterOps = opPrefix + category + "/"

// machines are a cluster's machines of one size and priority: how many,
// and whether they are Spot VMs.
type machines struct {
	size  string
	count int
	spot  bool
}

// appendCompute appends e and, when it asks for a cluster's machines
// (clusters/create, edit, resize), one event for each size and priority
// of machine, the events of one record told apart by Loc.Index: a GPU
// driver and CPU workers are tested apart, an on-demand driver and Spot
// workers priced apart. A request Databricks refused
// (Outcome failed) still asked for them, as an ARM write's Start record
// does: the rules that count requests count it, those that count what
// was created do not.
func appendCompute(sc *record.Scratch, p *fastjson.Value, action string, e event.Event, out []event.Event) []event.Event {
	if !strings.HasPrefix(e.Operation, clusterOps) {
		return append(out, e)
	}
	rp := sc.Object(sc.Get(p, "requestParams"))
	var ms []machines
	id := ""
	switch strings.ToLower(action) {
	case "create":
		ms = clusterMachines(sc, rp)
		id = sc.Str(p, "response", "result", "cluster_id") // Databricks gives the id in its answer
	case "edit":
		ms = clusterMachines(sc, rp)
		id = sc.Str(rp, "cluster_id")
	case "resize":
		ms = resizeMachines(sc, rp)
		id = sc.Str(rp, "cluster_id")
	}
	if len(ms) == 0 {
		return append(out, e)
	}
	cluster := ""
	if id = strings.ToLower(strings.TrimSpace(id)); id != "" && !strings.ContainsAny(id, "/ ") && e.Subscription != "" {
		// Clusters are no Azure resources: the event's resource is the
		// workspace, as the record names it, and the cluster is named
		// as the tags of the VMs Azure Databricks writes for it name it
		// (event.Compute.Cluster).
		cluster = e.Subscription + "/" + id
	}
	for i, m := range ms {
		ev := e
		ev.Loc.Index = i
		c := &event.Compute{Service: service, Size: m.size, Count: m.count, Cluster: cluster}
		if m.spot {
			c.LowPri, c.Priority = m.count, "Spot"
		}
		ev.Compute = c
		out = append(out, ev)
	}
	return out
}

// clusterMachines reads a cluster's specification (a create's or an
// edit's request): a driver of driver_node_type_id (node_type_id when it
// names none) and workers of node_type_id, num_workers of them, or
// autoscale.min_workers: the machines the cluster starts with. The
// maximum is not counted, as an autoscale setting's is not
// (activitylog/autoscale.go): the cluster reaches it under load, and the
// Activity Log then shows the machines Azure Databricks adds. A cluster
// on an instance pool (instance_pool_id) names no node type here: its
// size is unknown, its count is not.
func clusterMachines(sc *record.Scratch, rp *fastjson.Value) []machines {
	if rp == nil || rp.Type() != fastjson.TypeObject {
		return nil
	}
	node := strings.TrimSpace(sc.Str(rp, "node_type_id"))
	driver := strings.TrimSpace(sc.Str(rp, "driver_node_type_id"))
	if driver == "" {
		driver = node
	}
	workers := workerCount(sc, rp)
	onDemand := 1 + workers // the driver first, then the workers
	if spotPast, ok := spotAfter(sc, rp); ok {
		onDemand = min(onDemand, spotPast)
	}
	var ms []machines
	add := func(size string, n int, spot bool) {
		if n <= 0 {
			return
		}
		for i := range ms {
			if ms[i].spot == spot && strings.EqualFold(ms[i].size, size) {
				ms[i].count += n
				return
			}
		}
		ms = append(ms, machines{size, n, spot})
	}
	add(driver, 1, onDemand == 0)
	add(node, min(workers, max(onDemand-1, 0)), false)
	add(node, workers-min(workers, max(onDemand-1, 0)), true)
	// The most machines first: an alert that merges a record's events
	// (merge-by correlation_id) is summed up by its first.
	slices.SortStableFunc(ms, func(a, b machines) int { return cmp.Compare(b.count, a.count) })
	return ms
}

// resizeMachines reads a resize's request: the workers the cluster is to
// have (num_workers, or a new autoscale's min_workers), their size named
// only by the cluster's create or edit. A resize Databricks made itself
// (cause AUTOSCALE, or AUTORECOVERY replacing lost machines) is no one's
// request: the load decided it, and nothing is counted.
func resizeMachines(sc *record.Scratch, rp *fastjson.Value) []machines {
	if rp == nil || rp.Type() != fastjson.TypeObject {
		return nil
	}
	switch strings.ToUpper(strings.TrimSpace(sc.Str(rp, "cause"))) {
	case "AUTOSCALE", "AUTORECOVERY":
		return nil
	}
	if sc.Get(rp, "num_workers") == nil && sc.Get(rp, "autoscale") == nil {
		return nil
	}
	return []machines{{count: workerCount(sc, rp)}}
}

// workerCount is the workers a specification starts: autoscale's
// min_workers when it autoscales, else num_workers.
func workerCount(sc *record.Scratch, rp *fastjson.Value) int {
	if sc.Get(rp, "autoscale") != nil {
		n, _ := sc.Int(rp, "autoscale", "min_workers")
		return clampCount(n)
	}
	n, _ := sc.Int(rp, "num_workers")
	return clampCount(n)
}

// spotAfter says how many of a cluster's nodes, the driver first, are on
// demand when the rest are Spot VMs: azure_attributes.availability
// SPOT_AZURE or SPOT_WITH_FALLBACK_AZURE puts every node past the first
// first_on_demand on Spot, and first_on_demand is 1 when the request
// names none (the Clusters API's default, which keeps the driver on
// demand). ok is false when no node is on Spot: ON_DEMAND_AZURE, or no
// azure_attributes. A fallback to on-demand machines, when Azure has no
// Spot capacity, is not in the request: they are counted as asked, Spot.
func spotAfter(sc *record.Scratch, rp *fastjson.Value) (onDemand int, ok bool) {
	switch strings.ToUpper(strings.TrimSpace(sc.Str(rp, "azure_attributes", "availability"))) {
	case "SPOT_AZURE", "SPOT_WITH_FALLBACK_AZURE":
	default:
		return 0, false
	}
	if n, ok := sc.Int(rp, "azure_attributes", "first_on_demand"); ok {
		return clampCount(n), true
	}
	return 1, true
}

// clampCount keeps a count a request names within what an int holds on
// every platform, and never below zero.
func clampCount(n int64) int {
	const maxCount = 1<<31 - 1
	return int(min(max(n, 0), maxCount))
}
