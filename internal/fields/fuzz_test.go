package fields_test

import (
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
	for _, s := range []string{activityDiag, activityREST, activityLA, activityCSV, signInDiag, signInLA, signInGraph, auditDiag, auditLA, auditd,
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
