package network

import (
	"errors"
	"slices"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

var errTupleType = errors.New("not a string")

// decodeNSG reads an NSG flow log record (versions 1 and 2):
// properties.flows[] per rule, .flows[] per MAC, .flowTuples[] strings.
func decodeNSG(sc *record.Scratch, v *fastjson.Value, out []event.Event) ([]event.Event, error) {
	rules, ok := arrayOf(sc.Object(sc.Get(v, "properties", "flows")))
	if !ok {
		return out, errors.New("no properties.flows in NSG flow record")
	}
	base := event.Event{Kind: event.KindFlow, Shape: shapeNSG, Operation: opFlow, Category: catNSG}
	setResource(sc, &base, view(sc.Get(v, "resourceId")))

	w := newTupleWriter(sc, out, false)
	for _, r := range rules {
		for _, g := range sc.Array(r, "flows") {
			w.count(sc.Array(g, "flowTuples"))
		}
	}
	w.alloc()
	for _, r := range rules {
		rule := sc.Str(r, "rule")
		for _, g := range sc.Array(r, "flows") {
			w.write(&base, rule, sc.Array(g, "flowTuples"))
		}
	}
	return w.out, w.bad.err()
}

// decodeVNet reads a VNet flow log record (flowLogVersion 4):
// flowRecords.flows[] per ACL, .flowGroups[] per rule, .flowTuples[].
func decodeVNet(sc *record.Scratch, v *fastjson.Value, out []event.Event) ([]event.Event, error) {
	acls, ok := arrayOf(sc.Object(sc.Get(v, "flowRecords", "flows")))
	if !ok {
		return out, errors.New("no flowRecords.flows in VNet flow record")
	}
	base := event.Event{Kind: event.KindFlow, Shape: shapeVNet, Operation: opFlow, Category: catVNet}
	// The target (VNet, subnet or NIC) is what the flows belong to; the
	// flow log resource only adds the region, from its watcher's name.
	setResource(sc, &base, view(sc.Get(v, "targetResourceID")))
	if fl := record.LowerCopy(view(sc.Get(v, "flowLogResourceID"))); fl != "" {
		base.Region = watcherRegion(fl)
		if base.Subscription == "" {
			base.Subscription = record.SubscriptionOf(fl)
		}
	}

	w := newTupleWriter(sc, out, true)
	for _, a := range acls {
		for _, g := range sc.Array(a, "flowGroups") {
			w.count(sc.Array(g, "flowTuples"))
		}
	}
	w.alloc()
	for _, a := range acls {
		for _, g := range sc.Array(a, "flowGroups") {
			w.write(&base, sc.Str(g, "rule"), sc.Array(g, "flowTuples"))
		}
	}
	return w.out, w.bad.err()
}

// arrayOf returns the elements of v when it is an array (nil-safe, unlike
// fastjson's Array).
func arrayOf(v *fastjson.Value) ([]*fastjson.Value, bool) {
	if v == nil || v.Type() != fastjson.TypeArray {
		return nil, false
	}
	a, _ := v.Array()
	return a, true
}

// tupleWriter turns the tuples of one record into events. It counts them
// first so that out grows once and the record's Flow values fit in the
// memory the scratch keeps (one allocation a record, with pointers the
// collector scanned, was a tenth of a flow log's hunt): flow logs carry
// thousands of tuples per record.
type tupleWriter struct {
	sc    *record.Scratch
	out   []event.Event
	flows []event.Flow
	n     int // tuples counted
	next  int // ordinal of the next tuple: Loc.Index
	vnet  bool
	bad   badParts
}

func newTupleWriter(sc *record.Scratch, out []event.Event, vnet bool) *tupleWriter {
	return &tupleWriter{sc: sc, out: out, vnet: vnet, bad: badParts{what: "flow tuple"}}
}

func (w *tupleWriter) count(tuples []*fastjson.Value) { w.n += len(tuples) }

func (w *tupleWriter) alloc() {
	if cap(w.sc.Flows) < w.n {
		w.sc.Flows = make([]event.Flow, w.n)
	}
	w.flows = w.sc.Flows[:w.n]
	clear(w.flows)
	w.out = slices.Grow(w.out, w.n)
}

// write appends one event per good tuple, a copy of base with the tuple's
// time and flow; bad tuples are counted with their ordinal.
func (w *tupleWriter) write(base *event.Event, rule string, tuples []*fastjson.Value) {
	for _, tv := range tuples {
		i := w.next
		w.next++
		if i >= len(w.flows) { // count and write walk the same arrays; this only guards the index
			w.bad.add(i, errors.New("tuple not counted"))
			continue
		}
		b, err := tv.StringBytes()
		if err != nil {
			w.bad.add(i, errTupleType)
			continue
		}
		fl := &w.flows[i]
		t, err := parseTuple(parserString(b), w.vnet, fl)
		if err != nil {
			w.bad.add(i, err)
			continue
		}
		fl.Rule = rule
		w.out = append(w.out, *base)
		e := &w.out[len(w.out)-1]
		e.Time, e.Flow, e.SourceIP, e.Loc.Index = t, fl, fl.Src, i
	}
}
