package sigma_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/mamori-sec/mamori/internal/samples"
	"github.com/mamori-sec/mamori/internal/sigma"
)

// mamoriRule is the shape of mamori's own rules: a Sigma rule with a
// response note and a version.
const mamoriRule = `title: GPU scale set created
id: 6c8d6a36-1d4c-4d0e-9d43-0a3f7c1b2e90
name: azure_gpu_vmss_create
status: experimental
description: A scale set of GPU sizes was created.
author: mamori
references:
    - https://learn.microsoft.com/azure/virtual-machines/sizes-gpu
tags:
    - attack.impact
    - attack.t1496
level: high
falsepositives:
    - Machine-learning teams
fields:
    - principal.upn
    - compute.size
logsource:
    product: azure
    service: activitylogs
detection:
    selection:
        operation: microsoft.compute/virtualmachinescalesets/write
        enrich.size.gpus|gte: 1
    condition: selection
response: |
    Check who created the scale set and whether GPUs were expected.
version: 3
`

func TestParseKeepsAttributes(t *testing.T) {
	t.Parallel()
	rules, err := sigma.Parse([]byte(mamoriRule))
	if err != nil || len(rules) != 1 {
		t.Fatalf("Parse: %d rules, %v", len(rules), err)
	}
	r := rules[0]
	want := &sigma.Rule{
		Kind: sigma.KindDetection, Line: 1,
		Title: "GPU scale set created", ID: "6c8d6a36-1d4c-4d0e-9d43-0a3f7c1b2e90", Name: "azure_gpu_vmss_create",
		Status: "experimental", Description: "A scale set of GPU sizes was created.", Author: "mamori", Level: "high",
		References:     []string{"https://learn.microsoft.com/azure/virtual-machines/sizes-gpu"},
		Tags:           []string{"attack.impact", "attack.t1496"},
		FalsePositives: []string{"Machine-learning teams"},
		Fields:         []string{"principal.upn", "compute.size"},
		Logsource:      sigma.Logsource{Product: "azure", Service: "activitylogs"},
	}
	opts := cmpopts.IgnoreFields(sigma.Rule{}, "Detection", "Custom")
	if d := cmp.Diff(want, r, opts); d != "" {
		t.Errorf("rule (-want +got):\n%s", d)
	}
	if len(r.Detection.Searches) != 1 || r.Detection.Searches[0].Name != "selection" || len(r.Detection.Conditions) != 1 {
		t.Errorf("detection = %+v", r.Detection)
	}
	var note string
	var version int
	if ok, err := r.Decode("response", &note); !ok || err != nil || !strings.HasPrefix(note, "Check who") {
		t.Errorf("response = %q, %v, %v", note, ok, err)
	}
	if ok, err := r.Decode("version", &version); !ok || err != nil || version != 3 {
		t.Errorf("version = %d, %v, %v", version, ok, err)
	}
	if ok, _ := r.Decode("absent", &note); ok {
		t.Error("Decode found a key the rule does not have")
	}
}

// TestSpecificationExamples parses the specification's own examples: its
// schema test rule and filter, and the correlation file of its correlation
// chapter (three kinds of documents in one file).
func TestSpecificationExamples(t *testing.T) {
	t.Parallel()
	spec := filepath.Join(filepath.Dir(samples.Dir(t)), "sigma-spec")
	rule, err := sigma.ParseFile(filepath.Join(spec, "tests", "schema", "rules", "rule_1.yml"))
	if err != nil || len(rule) != 1 {
		t.Fatalf("rule_1.yml: %v", err)
	}
	if r := rule[0]; r.Kind != sigma.KindDetection || r.Date != "2017-05-09" || len(r.Related) != 1 || r.Related[0].Type != "similar" || r.Logsource.Service != "application" {
		t.Errorf("rule_1.yml read as %+v", r)
	}
	res := &mapResolver{}
	c, err := sigma.Compile(rule[0], res, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Match(mapFields{r: res, ev: record{"Provider_Name": str("application error")}}) {
		t.Error("rule_1.yml does not match its own selection")
	}

	filter, err := sigma.ParseFile(filepath.Join(spec, "tests", "schema", "filter", "filter_1.yml"))
	if err != nil || len(filter) != 1 || filter[0].Kind != sigma.KindFilter {
		t.Fatalf("filter_1.yml: %v", err)
	}
	if got := filter[0].FilterRules; len(got) != 2 || got[0] != "6f3e2987-db24-4c78-a860-b4f4095a7095" {
		t.Errorf("filter rules = %q", got)
	}

	text, err := os.ReadFile(filepath.Join(spec, "specification", "sigma-correlation-rules-specification.md"))
	if err != nil {
		t.Fatal(err)
	}
	// The last yml block of the chapter "Failed Logins Followed by
	// Successful Login" is a complete multi-document file.
	body := string(text)
	start := strings.LastIndex(body, "```yml\ntitle: Correlation - Multiple Failed Logins")
	if start < 0 {
		t.Fatal("correlation example not found in the specification")
	}
	body = body[start+len("```yml\n"):]
	body = body[:strings.Index(body, "```")]
	docs, err := sigma.Parse([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, d := range docs {
		kinds = append(kinds, d.Kind.String()+":"+d.Name)
	}
	if got := strings.Join(kinds, " "); got != "correlation: correlation:multiple_failed_login detection:failed_login detection:successful_login" {
		t.Errorf("documents = %s", got)
	}
	failed, err := sigma.Compile(docs[2], res, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !failed.Match(mapFields{r: res, ev: record{"EventID": num(4625, "4625")}}) {
		t.Error("failed_login does not match EventID 4625")
	}
}

func TestParseRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		yaml    string
		feature string
		msg     string
	}{
		{name: "not a mapping", yaml: "- a\n- b\n", msg: "mapping"},
		{name: "no title", yaml: "detection:\n    s:\n        a: 1\n    condition: s\n", msg: "no title"},
		{name: "no condition", yaml: "title: t\ndetection:\n    s:\n        a: 1\n", msg: "no condition"},
		{name: "no detection", yaml: "title: t\nlogsource:\n    product: azure\n", msg: "no detection"},
		{name: "Sigma 1 collection", yaml: "title: t\naction: global\ndetection:\n    s:\n        a: 1\n    condition: s\n", feature: "rule collection"},
		{name: "bad YAML", yaml: "title: [unclosed\n", msg: "document 1"},
		{name: "tags not a list", yaml: "title: t\ntags:\n    a: b\ndetection:\n    s:\n        a: 1\n    condition: s\n", msg: "tags"},
		{name: "filter without rules", yaml: "title: t\nfilter:\n    selection:\n        a: 1\n    condition: selection\n", msg: "no rules"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rules, err := sigma.Parse([]byte(tc.yaml))
			if err == nil || len(rules) != 0 {
				t.Fatalf("Parse = %d rules, %v; want an error", len(rules), err)
			}
			var ue *sigma.UnsupportedError
			if tc.feature != "" && (!errors.As(err, &ue) || ue.Feature != tc.feature) {
				t.Fatalf("error %v, want unsupported %q", err, tc.feature)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not say %q", err, tc.msg)
			}
		})
	}
}

func TestParseKeepsGoodDocuments(t *testing.T) {
	t.Parallel()
	file := "title: good\ndetection:\n    s:\n        a: 1\n    condition: s\n---\ntitle: bad\n---\n---\ntitle: also good\ndetection:\n    s: word\n    condition: s\n"
	rules, err := sigma.Parse([]byte(file))
	if len(rules) != 2 || rules[0].Title != "good" || rules[1].Title != "also good" {
		t.Fatalf("rules = %d", len(rules))
	}
	if err == nil || !strings.Contains(err.Error(), "line 7") {
		t.Errorf("error %v should name the bad document's line", err)
	}
}

func TestFilters(t *testing.T) {
	t.Parallel()
	res := &mapResolver{}
	file := `title: Miner command line
id: 11111111-1111-1111-1111-111111111111
logsource:
    category: process_creation
    product: linux
detection:
    sel:
        CommandLine|contains: '--donate-level'
    condition: sel
---
title: Other rule
name: other
logsource:
    product: azure
detection:
    sel:
        op: x
    condition: sel
---
title: Lab hosts mine on purpose
logsource:
    category: process_creation
filter:
    rules:
        - 11111111-1111-1111-1111-111111111111
        - other
        - not-loaded
    selection:
        Host|startswith: 'lab-'
    condition: selection
`
	docs, err := sigma.Parse([]byte(file))
	if err != nil || len(docs) != 3 {
		t.Fatalf("Parse: %d, %v", len(docs), err)
	}
	var rules []*sigma.Compiled
	for _, d := range docs[:2] {
		c, err := sigma.Compile(d, res, nil)
		if err != nil {
			t.Fatal(err)
		}
		rules = append(rules, c)
	}
	f, err := sigma.CompileFilter(docs[2], res, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = sigma.ApplyFilters(rules, []*sigma.Filter{f})
	if err == nil || !strings.Contains(err.Error(), `"not-loaded" is not loaded`) || !strings.Contains(err.Error(), "does not cover rule \"Other rule\"") {
		t.Errorf("ApplyFilters error = %v", err)
	}
	lab := mapFields{r: res, ev: record{"CommandLine": str("xmrig --donate-level=1"), "Host": str("LAB-7")}}
	prod := mapFields{r: res, ev: record{"CommandLine": str("xmrig --donate-level=1"), "Host": str("web-1")}}
	if rules[0].Match(lab) {
		t.Error("the filter did not exclude the lab host")
	}
	if !rules[0].Match(prod) {
		t.Error("the filter excluded a production host")
	}
	other := mapFields{r: res, ev: record{"op": str("x"), "Host": str("lab-1")}}
	if !rules[1].Match(other) {
		t.Error("the filter applied to a rule whose log source it does not cover")
	}
}
