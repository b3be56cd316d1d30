package fields_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/fields"
	"github.com/mamori-sec/mamori/internal/sigma"
)

// fuzzRules read fields in every way the resolver knows: aliases per kind,
// raw paths through arrays and JSON strings, key/value lists, keywords.
const fuzzRules = `title: a
detection:
    s1:
        operationName|contains: write
        Status: [Success, Failure]
    s2:
        TargetResources.modifiedProperties.newValue|contains: admin
        additionalDetails.User-Agent|startswith: mozilla
    s3:
        DeviceDetail.trustType: null
        RiskEventTypes: unlikelyTravel
    s4:
        - 'evil'
        - 'xmrig'
    s5:
        properties.0.a.1|re: '^[0-9]+$'
        identity.claims.http://schemas.microsoft.com/identity/claims/objectidentifier|exists: true
    s6:
        ResultType|gte: 50000
        callerIpAddress|cidr: 10.0.0.0/8
    s7:
        properties.requestbody.sku.name|contains: ND
        requestbody.sku.dots.in.name|exists: true
    condition: 1 of them
---
title: b
detection:
    s:
        a1|fieldref: a2
        enrich.size.gpus|lt: 1
    condition: s or not s
`

// FuzzFields evaluates rules on arbitrary records of every kind: nothing
// may panic, and evaluating the same event twice gives the same answers
// (the per-event caches must not leak between evaluations).
func FuzzFields(f *testing.F) {
	for _, s := range []string{activityDiag, activityREST, activityLA, activityCSV, activityDupBody, signInDiag, signInLA, signInGraph, auditDiag, auditLA, auditd,
		`{"properties":[{"a":[1,"2"]}],"Status":"{\"x\":[[[[]]]]}"}`, `"just a string"`, `[{"key":"User-Agent","value":"Mozilla"}]`, `{"A":{"value":1,"localizedValue":2}}`} {
		for k := byte(0); k <= byte(event.KindProcess); k++ {
			f.Add(s, k)
		}
	}
	docs, err := sigma.Parse([]byte(fuzzRules))
	if err != nil {
		f.Fatal(err)
	}
	res := fields.New()
	var rules []*sigma.Compiled
	for _, d := range docs {
		c, err := sigma.Compile(d, res, nil)
		if err != nil {
			f.Fatal(err)
		}
		rules = append(rules, c)
	}
	f.Fuzz(func(t *testing.T, js string, kind byte) {
		var p fastjson.Parser
		v, err := p.Parse(js)
		if err != nil {
			return
		}
		ev := &event.Event{Kind: event.Kind(kind % 8), Raw: v, Operation: "x/write"}
		e := res.NewEvent()
		var first []bool
		for round := 0; round < 2; round++ {
			e.Reset(ev)
			for i, r := range rules {
				got := r.Match(e)
				if round == 0 {
					first = append(first, got)
				} else if got != first[i] {
					t.Fatalf("rule %s: %v then %v on the same event", r.Rule.Title, first[i], got)
				}
			}
		}
	})
}

// TestLargeRecord reads a record with tens of thousands of objects and
// JSON strings: the per-event caches are bounded, so the work stays linear
// (this test would take minutes if a cache were searched quadratically).
func TestLargeRecord(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString(`{"properties":{"targetResources":[`)
	for i := 0; i < 30000; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"%d","modifiedProperties":"[{\"newValue\":\"v%d\"}]"}`, i, i)
	}
	b.WriteString(`]}}`)
	res := fields.New()
	docs, err := sigma.Parse([]byte("title: t\ndetection:\n    s:\n        TargetResources|contains: 'absent'\n    t:\n        TargetResources.modifiedProperties.newValue: v29999\n    condition: s or t\n"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := sigma.Compile(docs[0], res, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := res.NewEvent()
	ev := event.Event{Raw: record(t, b.String())}
	e.Reset(&ev)
	// The last JSON string lies beyond the parse bound: not matched, but
	// the first ones are.
	if c.Match(e) {
		t.Error("matched past the bound of parsed JSON strings")
	}
	docs, _ = sigma.Parse([]byte("title: t\ndetection:\n    t:\n        TargetResources.modifiedProperties.newValue: v7\n    condition: t\n"))
	c, _ = sigma.Compile(docs[0], res, nil)
	if !c.Match(e) {
		t.Error("a JSON string within the bound was not read")
	}
}
