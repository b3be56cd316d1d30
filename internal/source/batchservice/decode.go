package batchservice

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// What the events are read as: the Activity Log's write of a Batch pool,
// which the rules on compute read.
const (
	opPoolWrite  = event.OpBatchPoolWrite
	typePool     = "microsoft.batch/batchaccounts/pools"
	serviceBatch = "batch"
	// PrincipalType is the principal.type of the events: the Batch
	// account stands for a caller the log does not name.
	PrincipalType = "BatchAccount"
)

// maxNodes bounds a count read from a record and the events' counts (it
// fits an int on 32-bit systems); Batch's own limits are far below it.
const maxNodes = 1<<31 - 1

var (
	errNoPool    = errors.New("batch pool event without the pool's id")
	errNoTarget  = errors.New("batch pool resize start without a target node count")
	errNoAccount = errors.New("batch pool event whose resource id names no Batch account")
)

// Decode appends the compute create a Batch pool's create or resize start
// asks for to out; a resize that adds no node (a pool shrinking, an
// autoscale evaluation that keeps its size) gives none.
//
// The service log names no caller: the shared key or token that called the
// Batch API is not in it. The event's principal is the account
// (principal.id its resource id, principal.type BatchAccount, its name
// saying the caller is unknown), so that a thief's pools are summed by
// account and their alerts make one incident. It
// names no region (the account's, learned from its Activity Log write, is
// the pool's: enrich.LateRegion), and its Tenant is Batch's own id, not the
// Entra tenant's (a workspace's TenantId is the workspace): the event names
// none, and the hunt gives it its subscription's.
//
// A create counts its target nodes, dedicated and low-priority (Spot), as
// the pool's ARM write does, and is a record of success (the pool exists);
// a resize start counts the nodes it adds, target less current of each,
// and is the request (outcome started), which mass_deployment sums: the
// resize that sizes a new pool follows its create, and counting both would
// count the pool twice. An autoscaled pool's formula is not evaluated: its
// resizes say what it asked for, as they happen. A pool Resource Manager
// wrote logs its create and resize too: compute.target is the pool itself,
// which the hunt settles at its end (enrich.LateRequest), taking off what an
// ARM write of the pool asked within the hour, and giving a resize the
// size the pool's create or ARM write named.
//
// The pool's resource id and the principal's name are composed, not the
// record's text: the reader must never hand Wants a record's text
// (event.Glance.Text), whose needles assume verbatim values. It reads
// every record in full: pools are created and resized seldom.
func Decode(sc *record.Scratch, v *fastjson.Value, shape string, out []event.Event) ([]event.Event, error) {
	var r reader
	switch shape {
	case ShapeDiagnostic:
		r = reader{sc: sc, cols: sc.Object(sc.Get(v, "properties"))}
		if r.cols == nil || r.cols.Type() != fastjson.TypeObject {
			return out, errors.New("batch service log record without properties")
		}
	case ShapeLA:
		r = reader{sc: sc, cols: v, la: true, more: sc.Object(sc.Get(v, "AdditionalFields"))}
	default:
		return out, fmt.Errorf("batchservice: unknown shape %q", shape)
	}
	name := sc.FirstStr(v, "operationName", "OperationName")
	ts := sc.FirstStr(v, "time", "TimeGenerated")
	if ts == "" {
		return out, record.ErrNoTime
	}
	t, err := record.Time(ts)
	if err != nil {
		return out, fmt.Errorf("bad batch service log time %q", record.Clip(ts, 48))
	}
	account, err := accountOf(sc.FirstStr(v, "resourceId", "ResourceId", "_ResourceId"))
	if err != nil {
		return out, err
	}
	// The pool's id: "id" since the 2017 API, "poolId" in the first
	// version of the log (Learn's older examples).
	pool := strings.TrimSpace(r.str("id", "poolId"))
	if pool == "" || strings.ContainsAny(pool, "/\\") {
		return out, errNoPool
	}
	c := &event.Compute{Service: serviceBatch}
	e := event.Event{
		Time: t, Kind: event.KindActivity, Shape: shape, Category: Category, Operation: opPoolWrite,
		Status: record.Clip(strings.TrimSpace(name), 64), Subscription: strings.ToLower(record.SubscriptionOf(account)),
		ResourceID: account + "/pools/" + strings.ToLower(record.Clip(pool, 256)), ResourceType: typePool,
		Principal: event.Principal{ID: account, Name: "unknown caller of Batch account " + accountName(account) + " (its service log names none)", Type: PrincipalType},
		Compute:   c,
	}
	c.Target = e.ResourceID
	// The record has no id: one is composed of what every export of it
	// writes alike (its event, pool and time to the millisecond, which a
	// workspace's CSV keeps), so the same record read from a blob and a
	// workspace counts once.
	e.ID = strings.ToLower(e.Status) + ":" + e.ResourceID + "@" + strconv.FormatInt(t.UnixMilli(), 10)
	// Learn's examples name the targets three ways over the years:
	// targetDedicatedNodes and targetLowPriorityNodes today,
	// targetDedicated (2016) and targetDedicatedComputeNodes (2018) before.
	dedicated, dok := r.count("targetDedicatedNodes", "targetDedicated", "targetDedicatedComputeNodes")
	low, lok := r.count("targetLowPriorityNodes")
	if strings.EqualFold(name, eventPoolCreate) {
		e.Outcome = event.OutcomeSucceeded
		c.Size = strings.TrimSpace(r.str("vmSize"))
		c.LowPri = int(low)
		c.Count = int(min(dedicated+low, maxNodes))
		return append(out, e), nil
	}
	if !dok && !lok {
		return out, errNoTarget
	}
	// A count the record leaves out is taken as none running: the resize
	// then counts more, never less.
	curDedicated, _ := r.count("currentDedicatedNodes", "currentDedicated")
	curLow, _ := r.count("currentLowPriorityNodes")
	addDedicated, addLow := max(dedicated-curDedicated, 0), max(low-curLow, 0)
	if addDedicated+addLow == 0 {
		return out, nil
	}
	e.Outcome = event.OutcomeStarted
	c.LowPri = int(addLow)
	c.Count = int(min(addDedicated+addLow, maxNodes))
	return append(out, e), nil
}

// reader reads the pool event's properties: a diagnostic record's
// properties object, or a Log Analytics row's flattened columns.
type reader struct {
	sc   *record.Scratch
	cols *fastjson.Value
	more *fastjson.Value // a row's AdditionalFields, where columns past the table's 500 go
	la   bool
}

// get finds a property by its name, or, in a Log Analytics row, by the
// column AzureDiagnostics made of it: the name and its type's suffix
// (_s text, _d number, _b boolean), in the row or its AdditionalFields.
func (r *reader) get(suffix string, names ...string) *fastjson.Value {
	for _, n := range names {
		if !r.la {
			if x := r.sc.Get(r.cols, n); x != nil {
				return x
			}
			continue
		}
		for _, in := range [2]*fastjson.Value{r.cols, r.more} {
			if x := r.sc.Get(in, n+suffix); x != nil && record.Peek(x) != "" {
				return x
			}
			if x := r.sc.Get(in, n); x != nil && record.Peek(x) != "" {
				return x
			}
		}
	}
	return nil
}

func (r *reader) str(names ...string) string { return record.String(r.get("_s", names...)) }

// count reads a node count, at most maxNodes (two of them add up in an
// int64); a negative or unreadable one is none.
func (r *reader) count(names ...string) (int64, bool) {
	n, ok := record.Int(r.get("_d", names...))
	if !ok {
		return 0, false
	}
	return min(max(n, 0), maxNodes), true
}

// accountOf is the Batch account's resource id a record names, lower case,
// without the trailing slash diagnostic records write.
func accountOf(id string) (string, error) {
	id = strings.ToLower(strings.TrimRight(strings.TrimSpace(id), "/"))
	i := strings.Index(id, batchAccounts)
	if i < 0 || record.SubscriptionOf(id) == "" {
		return "", errNoAccount
	}
	name := id[i+len(batchAccounts):]
	if name == "" || strings.Contains(name, "/") {
		return "", errNoAccount
	}
	return id, nil
}

// accountName is the last segment of an account's id.
func accountName(id string) string { return id[strings.LastIndexByte(id, '/')+1:] }
