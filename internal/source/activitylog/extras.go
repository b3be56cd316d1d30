package activitylog

import (
	"bytes"
	"strings"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// Operations whose bodies carry typed extras, lower case as events carry
// them.
const (
	opVM           = event.OpVMWrite
	opVMSS         = event.OpScaleSetWrite
	opAML          = "microsoft.machinelearningservices/workspaces/computes/write"
	opAMLDeploy    = "microsoft.machinelearningservices/workspaces/onlineendpoints/deployments/write"
	opAMLJob       = "microsoft.machinelearningservices/workspaces/jobs/write"
	opBatch        = event.OpBatchPoolWrite
	opBatchAccount = "microsoft.batch/batchaccounts/write"
	opACI          = "microsoft.containerinstance/containergroups/write"
	opAKS          = "microsoft.containerservice/managedclusters/write"
	opAKSPool      = "microsoft.containerservice/managedclusters/agentpools/write"
	opACA          = "microsoft.app/managedenvironments/write"
	opAppService   = "microsoft.web/serverfarms/write"
	opSFCluster    = "microsoft.servicefabric/managedclusters/write"
	opSFNodeType   = "microsoft.servicefabric/managedclusters/nodetypes/write"
	opAutoscale    = "microsoft.insights/autoscalesettings/write"
	opVMExt        = "microsoft.compute/virtualmachines/extensions/write"
	opVMSSExt      = "microsoft.compute/virtualmachinescalesets/extensions/write"
	opQuota        = "microsoft.quota/quotas/write"
	opServiceLimit = "microsoft.capacity/resourceproviders/locations/servicelimits/write"
	opSupport      = "microsoft.support/supporttickets/write"
	opRole         = "microsoft.authorization/roleassignments/write"
	opUpdateTenant = "microsoft.subscription/updatetenant/action"
	opChangeTenant = "microsoft.subscription/changetenantrequest/write"
	opPublicIP     = "microsoft.network/publicipaddresses/write"
	opPublicPrefix = "microsoft.network/publicipprefixes/write"
)

// bodies gives the request and response bodies of a record, parsed on
// first use only: most operations need neither, and a response body can be
// the largest part of the record.
type bodies struct {
	sc *record.Scratch
	// The properties' members, as written: held by value, as a pointer to
	// the record's props moved every decoded record's fields to the heap.
	respBody, reqBody, message *fastjson.Value
	resp, req                  *fastjson.Value // respBody and reqBody parsed
	parsed                     bool
}

// list returns the bodies present, response first: it is what ARM
// accepted, while the request is what the caller asked for (the Start event
// of an operation has only the request).
func (b *bodies) list() [2]*fastjson.Value {
	if !b.parsed {
		b.parsed = true
		b.resp = b.obj(b.respBody)
		b.req = b.obj(b.reqBody)
	}
	return [2]*fastjson.Value{b.resp, b.req}
}

// none reports whether the record carried neither body: what it created
// is unknown, not absent (event.Compute.NoBody).
func (b *bodies) none() bool {
	both := b.list()
	return both[0] == nil && both[1] == nil
}

// obj parses a body that is an object or a string holding one.
func (b *bodies) obj(x *fastjson.Value) *fastjson.Value {
	if o := b.sc.Object(x); o != nil && o.Type() == fastjson.TypeObject {
		return o
	}
	return nil
}

// props returns the properties object of the first body holding one.
func (b *bodies) props() *fastjson.Value {
	for _, body := range b.list() {
		if p := b.sc.Get(body, "properties"); p != nil && p.Type() == fastjson.TypeObject {
			return p
		}
	}
	return nil
}

// array returns the first non-empty array found at keys in either body.
func (b *bodies) array(keys ...string) []*fastjson.Value {
	for _, body := range b.list() {
		if a := b.sc.Array(body, keys...); len(a) > 0 {
			return a
		}
	}
	return nil
}

// first returns the first string found at keys in either body.
func (b *bodies) first(keys ...string) string {
	for _, body := range b.list() {
		if s := b.sc.Str(body, keys...); s != "" {
			return s
		}
	}
	return ""
}

// boolean returns the first boolean found at keys in either body.
func (b *bodies) boolean(keys ...string) (val, ok bool) {
	for _, body := range b.list() {
		if val, ok = b.sc.Bool(body, keys...); ok {
			return val, true
		}
	}
	return false, false
}

// location returns the region a body names. A body held in a string is
// parsed only when it may name a location at all.
func (b *bodies) location() string {
	if !b.parsed {
		mentions := false
		for _, x := range [2]*fastjson.Value{b.respBody, b.reqBody} {
			if x != nil && (x.Type() == fastjson.TypeObject ||
				x.Type() == fastjson.TypeString && mayNameLocation(x.GetStringBytes())) {
				mentions = true
			}
		}
		if !mentions {
			return ""
		}
	}
	return record.Region(b.first("location"))
}

// mayNameLocation reports whether a body's text may have a member named
// location as the lookup finds it: in any case (Azure binds "Location"
// as it does "location"), or spelled with an escape, which can be any
// letter. Looking for "location" alone let a caller's "Location" put
// the Start record of a deployment in no region. One walk over the
// quotes, a letter looked at before the name, finds it written plainly
// in any case as fast as bytes.Contains found it as written; the text
// is searched for an escape only when it is not there.
func mayNameLocation(s []byte) bool {
	const name = `location"`
	for i := bytes.IndexByte(s, '"'); i >= 0 && i+1+len(name) <= len(s); {
		if s[i+1]|0x20 == name[0] && record.EqualFold(s[i+1:i+1+len(name)], name) {
			return true
		}
		j := bytes.IndexByte(s[i+1:], '"')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return bytes.Contains(s, []byte(`\u`))
}

// extras sets the typed extras an operation calls for. rawID is the
// resource id as written (names keep their case: quota families); it may be
// a peek view, so the few operations that keep part of it get a copy.
func extras(b *bodies, rawID string, e *event.Event) {
	switch e.Operation {
	case opVM, opVMSS, opFleet, opAML, opAMLDeploy, opAMLJob, opBatch, opACI, opAKS, opAKSPool, opACA, opAppService, opSFNodeType,
		opACAApp, opACAJob, opHDInsight, opSynapse, opARO:
		e.Compute = compute(b, e.Operation)
		if e.Compute != nil {
			e.Compute.NoBody = b.none()
		}
		switch e.Operation {
		case opVMSS, opFleet:
			e.Extension = scaleSetExtension(b)
		case opVM:
			databricksMachine(b, e)
		}
		if e.Operation == opAMLJob && e.Compute != nil && e.Compute.Target != "" {
			// a job on its workspace's cluster: started.go
			if e.Compute.Target = clusterTarget(e.ResourceID, e.Compute.Target); e.Compute.Target == "" {
				e.Compute = nil // no cluster to name: read as before
			}
		}
	case opAutoscale:
		e.Compute = autoscaleSetting(b, e.Time)
		if e.Compute != nil {
			e.Compute.NoBody = b.none()
		}
		// The machines run where the target is, which a setting names.
		if r := record.Region(b.first("properties", "targetResourceLocation")); r != "" {
			e.Region = r
		}
	case event.OpStartVM, event.OpStartVMSS, event.OpStartVMSSVM, event.OpStartAML, event.OpStartAKS:
		e.Compute = started(b, e)
	case opHDInsightResize:
		if e.Compute = hdinsightResize(b, e.ResourceID); e.Compute != nil {
			e.Compute.NoBody = b.none()
		}
	case opVMExt, opVMSSExt:
		e.Extension = extension(b, strings.Clone(rawID))
	case opQuota:
		e.Quota = quotaRequest(b, strings.Clone(rawID))
	case opServiceLimit:
		e.Quota = serviceLimit(b, strings.Clone(rawID))
	case opSupport:
		e.Quota = supportTicket(b)
	case opRole:
		e.Role = roleAssignment(b, e.ResourceID)
	case opUpdateTenant, opChangeTenant:
		e.TenantChange = tenantChange(b, e)
	case opPublicIP, opPublicPrefix:
		e.PublicAddrs = publicAddrs(b)
	case opDiagWrite, opDiagDelete:
		e.Export = diagSetting(b, e)
	case opAlias:
		e.Export = subscriptionAlias(b, e)
	}
	if e.Quota == nil && e.Outcome == event.OutcomeFailed {
		e.Quota = quotaExceeded(e.StatusMessage, e.Region)
	}
}
