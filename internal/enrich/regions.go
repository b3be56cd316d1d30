package enrich

import (
	"strings"
	"sync"

	"github.com/mamori-sec/mamori/internal/event"
)

// A Batch pool runs in its account's region, and its records do not say
// which: the pool's body names none, and only the diagnostic settings'
// records carry a location of their own. In an export from the REST API
// or Log Analytics the region is known from the account's write alone,
// which may come after the pool's (the REST API lists newest first): it
// is learned as records are read, and asked at the end of the hunt
// (LateRegion). An AKS node pool and a Service Fabric managed cluster's
// node type are the same: their bodies name no location, their cluster's
// write does; so is an HDInsight cluster's resize, whose resource is the
// cluster's worker role; so is an Azure Databricks cluster, whose workspace's
// clusters log names no region (its events' resource is the workspace),
// and the workspace's write does.
const (
	opBatchAccount = "microsoft.batch/batchaccounts/write"
	batchAccounts  = "/providers/microsoft.batch/batchaccounts/"
	opAKS          = "microsoft.containerservice/managedclusters/write"
	aksClusters    = "/providers/microsoft.containerservice/managedclusters/"
	opSFCluster    = "microsoft.servicefabric/managedclusters/write"
	sfClusters     = "/providers/microsoft.servicefabric/managedclusters/"
	opDatabricks   = "microsoft.databricks/workspaces/write"
	dbxWorkspaces  = "/providers/microsoft.databricks/workspaces/"
	hdiClusters    = "/providers/microsoft.hdinsight/clusters/"
)

// regionParents are the resources whose children run in their region: the
// parent's write operation, the id prefix of parents, and the child
// collection ("": the parent itself, a Databricks workspace, whose
// clusters log names the workspace as its records' resource).
var regionParents = []struct{ op, parents, children string }{
	{opBatchAccount, batchAccounts, "pools/"},
	{opAKS, aksClusters, "agentpools/"},
	{opSFCluster, sfClusters, "nodetypes/"},
	{opDatabricks, dbxWorkspaces, ""},
	{event.OpHDInsightWrite, hdiClusters, "roles/"},
}

// regionTable is what the hunt learned of where Batch accounts and AKS
// and Service Fabric clusters are: their
// resource ids, lower case, and regions. Accounts are few and written
// seldom, so one lock will do.
type regionTable struct {
	mu sync.Mutex
	m  map[string]fact
}

// fact is a value learned of a resource (a region, a size); fresh when
// this Enricher learned it from a record or was asked for it, not only
// told it by Know: what a store keeps, or keeps longer (Learned).
type fact struct {
	value string
	fresh bool
}

// learnRegion keeps the region of a Batch account or a cluster whose
// write names one.
func (e *Enricher) learnRegion(ev *event.Event) {
	switch ev.Operation {
	case opBatchAccount, opAKS, opSFCluster, opDatabricks, event.OpHDInsightWrite: // regionParents' ops
	default:
		return
	}
	if ev.Outcome == event.OutcomeFailed || ev.Region == "" || ev.Region == "global" {
		return
	}
	id := resourceKey(ev.ResourceID)
	r := &e.regions
	r.mu.Lock()
	defer r.mu.Unlock()
	e.keep(keep(&r.m, id, fact{ev.Region, true}))
}

// resourceKey is how the tables of what the hunt learns key a resource
// id: lower case, without trailing slashes.
func resourceKey(id string) string { return strings.ToLower(strings.TrimRight(id, "/")) }

// LateRegion is the region learned, by the end of the hunt, for a
// resource whose own records named none: a Batch pool's is its account's,
// an AKS node pool's or a Service Fabric node type's its cluster's, an
// Azure Databricks workspace's (its clusters') its own write's, else its
// clusters' machines'; a resource started, what its writes named
// (startRegion). It is "" when nothing was learned.
func (e *Enricher) LateRegion(resourceID string) string {
	if r := e.startRegion(resourceID); r != "" {
		return r
	}
	id := strings.ToLower(resourceID)
	for _, p := range regionParents {
		i := strings.Index(id, p.parents)
		if i < 0 {
			continue
		}
		rest := id[i+len(p.parents):]
		name, child, ok := strings.Cut(rest, "/")
		if name == "" || p.children == "" && ok || p.children != "" && (!ok || !strings.HasPrefix(child, p.children)) {
			return ""
		}
		parent := id[:i+len(p.parents)+len(name)]
		r := &e.regions
		r.mu.Lock()
		f := r.m[parent]
		if f.value != "" && !f.fresh {
			// Asked for: a store keeps it as long again (Learned).
			r.m[parent] = fact{f.value, true}
		}
		r.mu.Unlock()
		region := f.value
		if region == "" && p.op == opDatabricks {
			// No write of the workspace read: the machines Azure
			// Databricks wrote for its clusters say where it runs.
			region = e.workspaceRegion(parent)
		}
		return region
	}
	return ""
}
