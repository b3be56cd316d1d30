package hunt

import (
	"cmp"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/coverage"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/owner"
)

// A service over many tenants shares one count per kind of log: one
// tenant's export that stops is hidden by the others that go on. So each
// worker also spans the events of each tenant's log (the kinds whose
// records name a tenant: Activity Log, sign-ins, audit, security alerts),
// and of each subscription's Activity Log (diagnostic settings are made
// per subscription: one can stop, or be deleted by an attacker, while the
// others go on), for a store to tell which went quiet.

// TenantRead is one tenant's log of one kind, or one subscription's
// (Subscription set): when its events fall (to the second), and how many
// were read (of those with a time; those a service reads again, Reread,
// not counted).
type TenantRead struct {
	Tenant       string
	Subscription string
	Kind         event.Kind
	Span         coverage.Span
	Events       int64
}

type tenantKind struct {
	tenant, sub string
	kind        event.Kind
}

// tenantSpans is one worker's span per tenant and kind, in readSlot's
// seconds, and how many records it read of each; and how many records
// naming each tenant it read in each folder (for owner.Sightings). Most
// records of a chunk are one tenant's, from one file: the last keys
// answer without a map look-up.
type tenantSpans struct {
	spans   map[tenantKind]*[3]int64 // first, last, records
	lastKey tenantKind
	last    *[3]int64
	folders map[folderTenant]*int64
	lastIn  folderTenant
	lastN   *int64
	// byFolder spans the events that name neither tenant nor
	// subscription (a host's processes, DNS lookups read briefly) per
	// folder and kind: the end gives each folder's its owner.
	byFolder map[folderKind]*[3]int64
	inFolder [event.KindCount]*[3]int64 // the current file's folder's, per kind
	// reread is Config.Reread: records of a file below its offset were
	// counted by an earlier hunt. file is the last record's file, again
	// its offset there.
	reread map[string]int64
	file   string
	again  int64
}

type folderTenant struct{ folder, tenant string }

type folderKind struct {
	folder string
	kind   event.Kind
}

// add spans an event at u (readSlot's seconds, above 0) of a tenant, or
// of a subscription when it names no tenant (a flow, a DNS lookup, a
// Defender alert's Activity Log record), or of its folder when it names
// neither (a host's process, a DNS lookup read briefly): those are given
// the subscription's or the folder's owner at the end (tenantReads).
func (t *tenantSpans) add(ev *event.Event, u int64) {
	if ev.Loc.File != t.file {
		t.file, t.again = ev.Loc.File, t.reread[ev.Loc.File]
		t.lastIn.folder, t.lastN, t.inFolder = filepath.Dir(ev.Loc.File), nil, [event.KindCount]*[3]int64{}
	}
	fresh := ev.Loc.Offset >= t.again // not read again
	if ev.Tenant == "" && ev.Subscription == "" {
		t.addInFolder(ev.Kind, u, fresh)
		return
	}
	if t.last == nil || ev.Tenant != t.lastKey.tenant || ev.Subscription != t.lastKey.sub || ev.Kind != t.lastKey.kind {
		k := tenantKind{ev.Tenant, ev.Subscription, ev.Kind}
		p := t.spans[k]
		if p == nil {
			if t.spans == nil {
				t.spans = map[tenantKind]*[3]int64{}
			}
			p = &[3]int64{u, u}
			t.spans[k] = p
		}
		t.lastKey, t.last = k, p
	}
	t.last[0], t.last[1] = min(t.last[0], u), max(t.last[1], u)
	if fresh {
		t.last[2]++
	}
	if ev.Tenant == "" {
		return // counted for no tenant's folder: it names none
	}
	if t.lastN == nil || ev.Tenant != t.lastIn.tenant {
		t.lastIn.tenant = ev.Tenant
		p := t.folders[t.lastIn]
		if p == nil {
			if t.folders == nil {
				t.folders = map[folderTenant]*int64{}
			}
			p = new(int64)
			t.folders[t.lastIn] = p
		}
		t.lastN = p
	}
	if fresh {
		*t.lastN++
	}
}

// addInFolder spans an event of kind k that names neither tenant nor
// subscription under the folder of the file being read.
func (t *tenantSpans) addInFolder(k event.Kind, u int64, fresh bool) {
	p := t.inFolder[k]
	if p == nil {
		key := folderKind{t.lastIn.folder, k}
		if p = t.byFolder[key]; p == nil {
			if t.byFolder == nil {
				t.byFolder = map[folderKind]*[3]int64{}
			}
			p = &[3]int64{u, u}
			t.byFolder[key] = p
		}
		t.inFolder[k] = p
	}
	p[0], p[1] = min(p[0], u), max(p[1], u)
	if fresh {
		p[2]++
	}
}

// tenantReads merges the workers' spans: each tenant's logs (over all
// its subscriptions), and each subscription's Activity Log, by tenant,
// subscription ("" first: the tenant's), then kind. Records that named
// only their subscription are their owner's (owners), those that named
// neither their folder's: a log none of whose records names a tenant
// (flows, a host's processes) is spanned for its owner; one whose other
// records of that tenant do (Defender's records in the Activity Log, which
// carry no tenant id) keeps the spans of those alone, so that its arrivals stay
// those of the records that name it (a diagnostic setting's Administrative
// category removed while Security goes on still shows). Those of a
// subscription or folder no one owns are counted in unplaced per kind.
func tenantReads(slots []readSlot, owners *owner.Table) (out []TenantRead, unplaced [event.KindCount]int64) {
	all := map[tenantKind][3]int64{}
	widen := func(k tenantKind, p [3]int64) {
		if o, ok := all[k]; ok {
			p = [3]int64{min(o[0], p[0]), max(o[1], p[1]), o[2] + p[2]}
		}
		all[k] = p
	}
	// Which tenants' logs of a kind name their tenant: whether, for that
	// tenant, the records that do not are spanned or left out. Asked per
	// tenant: one tenant's machines may log through Defender for Endpoint,
	// whose records name it, and another's through auditd, whose records
	// its folder places.
	named := map[tenantKind]bool{}
	for i := range slots {
		for k := range slots[i].tenants.spans {
			if k.tenant != "" {
				named[tenantKind{tenant: k.tenant, kind: k.kind}] = true
			}
		}
	}
	for i := range slots {
		for k, p := range slots[i].tenants.byFolder {
			switch who := owners.OfFolder(k.folder); {
			case who == "":
				unplaced[k.kind] += p[2]
			case !named[tenantKind{tenant: who, kind: k.kind}]:
				widen(tenantKind{who, "", k.kind}, *p)
			}
		}
		for k, p := range slots[i].tenants.spans {
			if k.tenant == "" {
				if k.tenant = owners.Of(k.sub, ""); k.tenant == "" {
					unplaced[k.kind] += p[2]
					continue
				}
				if named[tenantKind{tenant: k.tenant, kind: k.kind}] {
					continue
				}
			}
			if k.sub != "" {
				if k.kind == event.KindActivity {
					widen(k, *p)
				}
				k.sub = ""
			}
			widen(k, *p)
		}
	}
	keys := slices.SortedFunc(maps.Keys(all), func(a, b tenantKind) int {
		return cmp.Or(strings.Compare(a.tenant, b.tenant), strings.Compare(a.sub, b.sub), cmp.Compare(a.kind, b.kind))
	})
	out = make([]TenantRead, len(keys))
	for i, k := range keys {
		s := all[k]
		out[i] = TenantRead{Tenant: k.tenant, Subscription: k.sub, Kind: k.kind, Span: coverage.Span{First: fromSlot(s[0]), Last: fromSlot(s[1])}, Events: s[2]}
	}
	return out, unplaced
}

// fromSlot is the time of readSlot's seconds.
func fromSlot(u int64) time.Time { return time.Unix(u+zeroUnix, 0).UTC() }

// tenancy is what each tenant read (coverage.NewTenancy): the tenants'
// own reads, not their subscriptions'.
func tenancy(reads []TenantRead, kinds, unnamed [event.KindCount]int64) *coverage.Tenancy {
	own := map[string][]coverage.Read{}
	for _, r := range reads {
		if r.Subscription == "" {
			own[r.Tenant] = append(own[r.Tenant], coverage.Read{Kind: r.Kind, Source: coverage.Source(r.Kind), Events: r.Events, Span: r.Span})
		}
	}
	return coverage.NewTenancy(kinds, unnamed, own)
}
