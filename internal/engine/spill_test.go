package engine

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/rules"
	"github.com/mamori-sec/mamori/internal/sigma"
	"github.com/mamori-sec/mamori/internal/slab"
)

// mixRules exercise every part of the end of a hunt: merge-by, a base rule
// of a correlation (silent) with fields, and a rule that reads whether an
// address is owned, so the late refresh matters.
const mixRules = `title: Elevated access
name: x.elevate
description: d
logsource: {product: azure, service: activitylogs}
detection:
  sel: {operation: microsoft.authorization/elevateaccess/action}
  condition: sel
level: high
merge-by: [correlation_id]
---
title: Compute created
name: x.compute
id: 1b2c
description: d
logsource: {product: azure, service: activitylogs}
detection:
  sel: {compute.service|exists: true}
  condition: sel
level: informational
---
title: Many regions
name: x.fanout
description: d
correlation:
  type: value_count
  rules: [x.compute]
  group-by: [principal.id]
  timespan: 1h
  condition: {field: region, gte: 3}
level: high
---
title: Sign-in from an address not owned
name: x.not_owned
description: d
logsource: {product: azure, service: signinlogs}
detection:
  sel: {enrich.src_ip.owned: false}
  condition: sel
level: medium
`

// mixEvents are n events in an order unrelated to their times, over two
// tenants, with redelivered records (same time, and a later copy), one
// action's records sharing a correlation id, compute in several regions
// and sign-ins from addresses of which some turn out to be owned.
func mixEvents(n int, seed uint64) []event.Event {
	r := rand.New(rand.NewPCG(seed, 7))
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	regions := []string{"eastus", "westeurope", "japaneast", "brazilsouth"}
	var out []event.Event
	for i := range n {
		at := t0.Add(time.Duration(r.IntN(30*24*3600)) * time.Second)
		if i%5 == 0 { // equal times across rules and tenants
			at = t0.Add(time.Duration(r.IntN(50)) * time.Hour)
		}
		tenant := []string{"t1", "t2"}[r.IntN(2)]
		p := event.Principal{ID: fmt.Sprintf("p%d", r.IntN(20)), UPN: fmt.Sprintf("u%d@x.example", r.IntN(20))}
		ev := event.Event{Time: at, Tenant: tenant, ID: fmt.Sprintf("id-%d", i), Principal: p, Subscription: "s1",
			Shape: "test", Loc: event.Location{File: fmt.Sprintf("f%d.json", i%7), Line: i + 1, Offset: int64(i) * 100}}
		switch i % 3 {
		case 0:
			ev.Kind, ev.Operation = event.KindActivity, "microsoft.authorization/elevateaccess/action"
			ev.CorrelationID = fmt.Sprintf("c%d", r.IntN(n/10+1))
		case 1:
			ev.Kind, ev.Operation = event.KindActivity, "microsoft.compute/virtualmachinescalesets/write"
			ev.Region = regions[r.IntN(len(regions))]
			ev.ResourceID = fmt.Sprintf("/subscriptions/s1/vmss/v%d", i)
			ev.Compute = &event.Compute{Service: "vmss", Size: "Standard_NC6s_v3", Count: 1 + r.IntN(8)}
		case 2:
			ev.Kind, ev.Operation = event.KindSignIn, "sign-in activity"
			ev.SourceIP = netip.AddrFrom4([4]byte{203, 0, 113, byte(r.IntN(8))})
			ev.Enrich.SrcIP = &event.IPInfo{Azure: true}
		}
		out = append(out, ev)
		if i%11 == 0 {
			out = append(out, ev) // redelivered as is
		}
		if i%13 == 0 {
			late := ev
			late.Time = ev.Time.Add(time.Minute)
			late.Loc.Line += 1000
			out = append(out, late) // the same record again, read with a later time
		}
	}
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// ownedLater marks 203.0.113.0-3 owned at the end, as a publicIPAddresses
// write read after the sign-ins would.
func ownedLater(ev *event.Event) bool {
	info := ev.Enrich.SrcIP
	if info == nil || info.Owned || !ev.SourceIP.IsValid() || ev.SourceIP.As4()[3] >= 4 {
		return false
	}
	info.Owned = true
	return true
}

// evalCopies evaluates a copy of each event, spread over the workers: the
// engine must not keep the caller's event (nor its enrichment, which the
// refresh changes).
func evalCopies(e *Engine, evs []event.Event, workers int) {
	for i := range evs {
		ev := evs[i]
		if ev.Enrich.SrcIP != nil {
			info := *ev.Enrich.SrcIP
			ev.Enrich.SrcIP = &info
		}
		e.Eval(i%workers, &ev)
	}
}

// hunt runs the mix through an engine with the given budget and workers.
func huntMix(t *testing.T, evs []event.Event, memory, workers int, dir string) ([]alert.Alert, Stats, *Engine) {
	t.Helper()
	set := load(t, map[string]string{"r.yml": mixRules})
	corr := set.Correlations()
	e, err := New(set, workers, corr)
	if err != nil {
		t.Fatal(err)
	}
	e.Refresh, e.Memory, e.TempDir = ownedLater, memory, dir
	evalCopies(e, evs, workers)
	if err := e.Err(); err != nil {
		t.Fatal(err)
	}
	spilled := len(e.runs)
	as, st, err := e.Alerts(&Correlations{Set: corr, Rules: set})
	if err != nil {
		t.Fatal(err)
	}
	if memory < 1<<20 && spilled <= maxFanIn {
		t.Fatalf("budget %d B: %d runs spilled, want more than %d (the merge of merges untested)", memory, spilled, maxFanIn)
	}
	return as, st, e
}

func TestSpilledHitsGiveTheSameAlertsAsHitsInMemory(t *testing.T) {
	t.Parallel()
	evs := mixEvents(3000, 1)
	want, wantSt, _ := huntMix(t, evs, 1<<30, 1, "")
	dir := t.TempDir()
	got, gotSt, _ := huntMix(t, evs, 2<<10, 3, dir)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("alerts differ between hits in memory and spilled (-memory +spilled):\n%s", diff)
	}
	if wantSt != gotSt {
		t.Errorf("stats: in memory %+v, spilled %+v", wantSt, gotSt)
	}
	if wantSt.Duplicates == 0 {
		t.Error("the mix has redelivered records, but none counted as duplicate")
	}
	left, _ := os.ReadDir(dir)
	if len(left) != 0 {
		t.Errorf("temporary files left after Alerts: %v", left)
	}

	// What the comparison covers must be there: the refresh dropped the
	// sign-ins from addresses found owned, the correlation fired, and a
	// redelivered record counted once.
	var fanout, signins int
	for _, a := range got {
		switch a.Rule {
		case "x.not_owned":
			signins++
			if ip := a.IPs[0]; strings.HasSuffix(ip, ".0") || strings.HasSuffix(ip, ".1") || strings.HasSuffix(ip, ".2") || strings.HasSuffix(ip, ".3") {
				t.Errorf("sign-in alert from %s, an address found owned later", ip)
			}
		case "x.fanout":
			fanout++
			if len(a.Evidence) == 0 || a.Principal == "" {
				t.Errorf("correlation alert without its members: %+v", a)
			}
		case "x.compute":
			t.Errorf("silent base rule alerted: %+v", a)
		}
	}
	if fanout == 0 || signins == 0 {
		t.Errorf("%d fan-out and %d sign-in alerts: the mix does not exercise correlations and refresh", fanout, signins)
	}
}

func TestResultDoesNotDependOnArrivalOrder(t *testing.T) {
	t.Parallel()
	evs := mixEvents(1500, 2)
	want, _, _ := huntMix(t, evs, 1<<30, 2, "")
	rev := make([]event.Event, len(evs))
	for i := range evs {
		rev[len(evs)-1-i] = evs[i]
	}
	got, _, _ := huntMix(t, rev, 1<<10, 4, t.TempDir())
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("reversed input, spilled, gives other alerts (-want +got):\n%s", diff)
	}
}

func TestCloseRemovesTemporaryFilesWithoutAlerts(t *testing.T) {
	t.Parallel()
	set := load(t, map[string]string{"r.yml": mixRules})
	e, err := New(set, 2, set.Correlations())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	e.Memory, e.TempDir = 1<<10, dir
	for i, ev := range mixEvents(300, 3) {
		e.Eval(i%2, &ev)
	}
	made, _ := filepath.Glob(filepath.Join(dir, "mamori-hits-*", "run-*"))
	if len(made) == 0 {
		t.Fatal("no run written with a 1 KiB budget")
	}
	// A cancelled hunt ends here: Close, no Alerts.
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("left after Close: %v", left)
	}
}

func TestAFolderThatCannotBeWrittenIsAnError(t *testing.T) {
	t.Parallel()
	set := load(t, map[string]string{"r.yml": mixRules})
	e, err := New(set, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "no", "such", "folder")
	e.Memory, e.TempDir = 1<<10, missing
	for _, ev := range mixEvents(200, 4) {
		e.Eval(0, &ev)
	}
	if e.Err() == nil {
		t.Fatal("Err is nil after hits could not be spilled")
	}
	_, _, err = e.Alerts(nil)
	if err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("Alerts error %v, want the folder's error", err)
	}
}

func TestCorruptRunIsAnErrorNotAPanic(t *testing.T) {
	t.Parallel()
	e, set := spilledEngine(t)
	for i, p := range e.runs {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		// Cut one run short and garble another's record.
		switch i {
		case 0:
			b = b[:len(b)/2]
		case 1:
			for j := 20; j < len(b); j += 7 {
				b[j] ^= 0xff
			}
		}
		os.WriteFile(p, b, 0o600)
	}
	if _, _, err := e.Alerts(&Correlations{Set: set.Correlations(), Rules: set}); err == nil {
		t.Error("Alerts over a truncated run gave no error")
	}
}

// TestGarbledRuleIsAnErrorNotAPanic garbles the rule in one record's
// header at a time so that it reads as a negative index: every such run
// must end the hunt with an error, never index the rules with it.
func TestGarbledRuleIsAnErrorNotAPanic(t *testing.T) {
	t.Parallel()
	for n := range 5 {
		e, set := spilledEngine(t)
		b, err := os.ReadFile(e.runs[0])
		if err != nil {
			t.Fatal(err)
		}
		off := 0 // where the n-th record's length begins
		for range n {
			l, k := binary.Uvarint(b[off:])
			off += k + int(l)
		}
		if off >= len(b) {
			t.Fatalf("the run has fewer than %d records", n+1)
		}
		_, k := binary.Uvarint(b[off:])
		binary.LittleEndian.PutUint32(b[off+k+12:], 0xffffffff) // the rule: -1
		if err := os.WriteFile(e.runs[0], b, 0o600); err != nil {
			t.Fatal(err)
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("record %d with rule -1: panic %v", n, r)
				}
			}()
			if _, _, err := e.Alerts(&Correlations{Set: set.Correlations(), Rules: set}); err == nil {
				t.Errorf("record %d with rule -1: no error", n)
			}
		}()
		e.Close()
	}
}

func TestHitEncodingRoundTrips(t *testing.T) {
	t.Parallel()
	zones := []*time.Location{time.UTC, time.FixedZone("CEST", 2*3600), time.FixedZone("", -5*3600-1800)}
	for _, z := range zones {
		ev := event.Event{Time: time.Date(2026, 3, 14, 1, 2, 3, 456789, z), Tenant: "t", ID: "i", Shape: "s", Operation: "op",
			// An application: its app id is kept (actingApp), its type is not.
			Principal: event.Principal{ID: "oid", UPN: "a@b", Name: "A", AppID: "app", Type: "ServicePrincipal"}, CorrelationID: "C", ResourceID: "/r", Region: "eastus",
			SourceIP: netip.MustParseAddr("fe80::1%eth0"), Flow: &event.Flow{Src: netip.MustParseAddr("10.0.0.1"), Dst: netip.MustParseAddr("192.0.2.9")},
			DNS:     &event.DNS{Client: netip.MustParseAddr("10.0.0.2")},
			Compute: &event.Compute{Service: "batch", Size: "Standard_NC6", Count: 3, LowPri: 2, CountNote: event.CountFormula},
			Loc:     event.Location{File: "f", Line: 7, Offset: 1 << 40, Index: 3},
			Enrich:  event.Enrichment{SrcIP: &event.IPInfo{}, DstIP: &event.IPInfo{Owned: true}}}
		rec := appendHeader(nil, ev.Time, 1, "k")
		rec = appendStr(rec, "g")
		rec = append(rec, keepDst)
		rec = appendRecordPart(rec, &ev, "sum")
		rec = appendFields(rec, [][]string{{"x", "y"}, {}})
		h, err := decodeHit(rec, func(int) []need { return []need{{name: "a"}, {name: "b"}} })
		if err != nil {
			t.Fatal(err)
		}
		want := &keptHit{time: ev.Time, rule: 1, key: "k", group: "g", tenant: "t", sub: "", principal: event.Principal{ID: "oid", UPN: "a@b", Name: "A", AppID: "app"},
			corrID: "C", resource: "/r", summary: "sum", loc: ev.Loc, eventID: "i", shape: "s", operation: "op", keep: keepDst,
			addrs: hitAddrs{source: ev.SourceIP, flow: true, src: ev.Flow.Src, dst: ev.Flow.Dst, dns: true, client: ev.DNS.Client, srcCand: true},
			compute: &alert.Compute{Service: "batch", Size: "Standard_NC6", Count: 3, Region: "eastus", Spot: true, Resource: "/r", Operation: "C",
				CountNote: event.CountFormula},
			fields: map[string][]string{"a": {"x", "y"}, "b": {}}}
		if diff := cmp.Diff(want, h, cmp.AllowUnexported(keptHit{}, hitAddrs{}), cmp.Comparer(func(a, b netip.Addr) bool { return a == b }),
			cmp.Comparer(func(a, b time.Time) bool {
				return a.Equal(b) && a.Format(time.RFC3339Nano) == b.Format(time.RFC3339Nano)
			})); diff != "" {
			t.Errorf("zone %s: round trip (-want +got):\n%s", z, diff)
		}
		// A light decode reads the same of what it reads, nothing else; a
		// compute create whole enough to price it, and who made it
		// (Engine.Created).
		var ls lightState
		l, err := decodeLight(rec, func(int) []string { return []string{"a", "b"} }, &ls)
		if err != nil {
			t.Fatal(err)
		}
		wantLight := &keptHit{time: want.time, rule: 1, tenant: "t", loc: ev.Loc, keep: keepDst, addrs: want.addrs,
			principal: event.Principal{ID: "oid", UPN: "a@b", AppID: "app"}, corrID: "C", resource: "/r", compute: want.compute,
			names: []string{"a", "b"}, vals: [][]string{{"x", "y"}, {}}}
		if diff := cmp.Diff(wantLight, l, cmp.AllowUnexported(keptHit{}, hitAddrs{}), cmp.Comparer(func(a, b netip.Addr) bool { return a == b }),
			cmp.Comparer(func(a, b time.Time) bool {
				return a.Equal(b) && a.Format(time.RFC3339Nano) == b.Format(time.RFC3339Nano)
			})); diff != "" {
			t.Errorf("zone %s: light decode (-want +got):\n%s", z, diff)
		}
		for cut := range len(rec) - 1 {
			if _, err := decodeHit(rec[:cut], func(int) []need { return []need{{name: "a"}, {name: "b"}} }); err == nil {
				t.Fatalf("zone %s: a hit cut to %d of %d bytes decoded without error", z, cut, len(rec))
			}
			if _, err := decodeLight(rec[:cut], func(int) []string { return []string{"a", "b"} }, &ls); err == nil {
				t.Fatalf("zone %s: a hit cut to %d of %d bytes decoded lightly without error", z, cut, len(rec))
			}
		}
	}
}

// An Azure Databricks cluster's compute is priced as the cluster
// (computeResource: the workspace's id and /clusters/<id>) while the
// hit's resource stays the workspace the record names; the full and the
// light decode both read past it. A VM write's light decode keeps its
// resource and operation, which Managed asks about. Autoscale's record
// of a scale-out of its own (flag 64) and a longer compute resource
// (bit 4 of the second flags byte, flag 128) are flagged apart: with one bit for both, each hit was read
// as the other's and what followed its compute misread.
func TestHitEncodingOfDatabricksClustersAndTheirMachines(t *testing.T) {
	t.Parallel()
	ws := "/subscriptions/s/resourcegroups/r/providers/microsoft.databricks/workspaces/w"
	ev := event.Event{Time: time.Date(2026, 11, 23, 2, 15, 4, 0, time.UTC), Tenant: "t", ID: "log", Shape: "databricks.diagnostic",
		Operation: "microsoft.databricks/clusters/create", CorrelationID: "req", ResourceID: ws, Region: "eastus",
		Compute: &event.Compute{Service: "databricks", Size: "Standard_NC24ads_A100_v4", Count: 40, LowPri: 40, Priority: "Spot", Cluster: "s/1123-021504-x7k2mq9a"}}
	vm := event.Event{Time: ev.Time, Tenant: "t", Shape: "activity.diagnostic", Operation: event.OpVMWrite, CorrelationID: "c", ResourceID: "/subscriptions/s/resourcegroups/m/providers/microsoft.compute/virtualmachines/v",
		Compute: &event.Compute{Service: "vm", Size: "Standard_NC24ads_A100_v4", Count: 1, Cluster: "s/1123-021504-x7k2mq9a"}}
	setting := "/subscriptions/s/resourcegroups/r/providers/microsoft.insights/autoscalesettings/a"
	target := "/subscriptions/s/resourcegroups/r/providers/microsoft.compute/virtualmachinescalesets/x"
	scaled := event.Event{Time: ev.Time, Tenant: "t", Shape: "activity.rest", Operation: "microsoft.insights/autoscalesettings/scaleupresult/action",
		CorrelationID: "sc", ResourceID: setting, Region: "eastus",
		Compute: &event.Compute{Service: "vmss", Count: 20, Old: 1, New: 21, Target: target}}
	for _, c := range []struct {
		ev       event.Event
		resource string // the compute's
		light    *keptHit
	}{
		// A compute hit's light decode keeps the event's resource, for
		// Engine.Created to price it (the workspace: its compute's is longer).
		{ev, ws + "/clusters/1123-021504-x7k2mq9a", &keptHit{resource: ws}},
		{vm, vm.ResourceID, &keptHit{resource: vm.ResourceID, operation: event.OpVMWrite}},
		{scaled, setting, &keptHit{resource: setting, action: true, target: target, from: 1, to: 21}},
	} {
		rec := appendHeader(nil, c.ev.Time, 0, "k")
		rec = appendStr(rec, "")
		rec = append(rec, 0)
		rec = appendRecordPart(rec, &c.ev, "sum")
		rec = appendFields(rec, [][]string{{"41"}})
		h, err := decodeHit(rec, func(int) []need { return []need{{name: "compute.count"}} })
		if err != nil {
			t.Fatal(err)
		}
		want := computeOf(&c.ev).Count
		if h.resource != c.ev.ResourceID || h.compute == nil || h.compute.Resource != c.resource || h.compute.Count != want ||
			h.fields["compute.count"][0] != "41" {
			t.Errorf("%s: resource %q, compute %+v, fields %v", c.ev.Operation, h.resource, h.compute, h.fields)
		}
		if h.action != c.light.action || h.target != c.light.target || h.from != c.light.from || h.to != c.light.to {
			t.Errorf("%s: action %v of %q from %d to %d", c.ev.Operation, h.action, h.target, h.from, h.to)
		}
		var ls lightState
		l, err := decodeLight(rec, func(int) []string { return []string{"compute.count"} }, &ls)
		if err != nil || l.resource != c.light.resource || l.operation != c.light.operation || l.vals[0][0] != "41" ||
			l.action != c.light.action || l.target != c.light.target || l.from != c.light.from || l.to != c.light.to {
			t.Errorf("%s: light decode %+v, %v", c.ev.Operation, l, err)
		}
	}
}

// appendFields encodes vals as a hit's correlation fields through
// appendNeeds, the i-th need reading vals[i].
func appendFields(b []byte, vals [][]string) []byte {
	needs := make([]need, len(vals))
	for i := range needs {
		needs[i].id = sigma.FieldID(i)
	}
	b, _ = appendNeeds(b, listFields(vals), needs, newFieldTexts())
	return b
}

// listFields is a sigma.Fields whose field i holds the strings at i.
type listFields [][]string

func (l listFields) Field(id sigma.FieldID, match func(sigma.Value) bool) (present, matched bool) {
	for _, v := range l[id] {
		if match(sigma.StringValue(v)) {
			return true, true
		}
	}
	return true, false
}

// TestHugeLengthInARunIsAnErrorNotAnAllocation sets a run's first length
// to a gigabyte: the hunt must end with an error without making a buffer
// that size (a damaged temporary file must not exhaust memory).
func TestHugeLengthInARunIsAnErrorNotAnAllocation(t *testing.T) {
	e, set := spilledEngine(t)
	if len(e.runs) == 0 {
		t.Fatal("no run was spilled")
	}
	b, err := os.ReadFile(e.runs[0])
	if err != nil {
		t.Fatal(err)
	}
	_, k := binary.Uvarint(b)
	b = append(binary.AppendUvarint(nil, 1<<30), b[k:]...)
	if err := os.WriteFile(e.runs[0], b, 0o600); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _, err = e.Alerts(&Correlations{Set: set.Correlations(), Rules: set})
	runtime.ReadMemStats(&after)
	if err == nil {
		t.Error("Alerts over a run with a gigabyte length gave no error")
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 256<<20 {
		t.Errorf("reading the damaged run allocated %d MB", grew>>20)
	}
}

// spilledEngine returns an engine that has read a mix of events with a
// budget so small that its hits went to runs on disk, and its rules.
func spilledEngine(t *testing.T) (*Engine, *rules.Set) {
	t.Helper()
	set := load(t, map[string]string{"r.yml": mixRules})
	e, err := New(set, 1, set.Correlations())
	if err != nil {
		t.Fatal(err)
	}
	e.Memory, e.TempDir = 1<<10, t.TempDir()
	for _, ev := range mixEvents(300, 5) {
		e.Eval(0, &ev)
	}
	return e, set
}

// TestHitMemoryComesBack: the blocks that hold hits are outside the
// collector's heap (package slab); Alerts gives every one back, whether
// the hits stayed in memory or were spilled. Not parallel: it reads the
// pools' count.
func TestHitMemoryComesBack(t *testing.T) {
	evs := mixEvents(2000, 5)
	for _, memory := range []int{1 << 30, 2 << 10} {
		before := slab.Out()
		huntMix(t, evs, memory, 2, t.TempDir())
		if out := slab.Out(); out != before {
			t.Errorf("budget %d: %d bytes of hit blocks out after Alerts, %d before", memory, out, before)
		}
	}
}
