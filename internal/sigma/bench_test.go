package sigma_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/fields"
	"github.com/mamori-sec/mamori/internal/sigma"
)

// benchRules are twenty rules in the styles SigmaHQ and mamori write:
// operation lists, keywords, wildcards, regular expressions, networks,
// normalised fields.
const benchRules = `
title: r1
detection:
    selection:
        operationName:
            - MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/DELETE
            - MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/SECURITYRULES/WRITE
            - MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/SECURITYRULES/DELETE
            - MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/JOIN/ACTION
    condition: selection
---
title: r2
detection:
    selection:
        operationName:
            - MICROSOFT.KEYVAULT/VAULTS/KEYS/UPDATE/ACTION
            - MICROSOFT.KEYVAULT/VAULTS/KEYS/CREATE
            - MICROSOFT.KEYVAULT/VAULTS/KEYS/CREATE/ACTION
            - MICROSOFT.KEYVAULT/VAULTS/KEYS/IMPORT/ACTION
            - MICROSOFT.KEYVAULT/VAULTS/KEYS/RECOVER/ACTION
            - MICROSOFT.KEYVAULT/VAULTS/KEYS/RESTORE/ACTION
            - MICROSOFT.KEYVAULT/VAULTS/KEYS/DELETE
    condition: selection
---
title: r3
detection:
    selection:
        operationName: MICROSOFT.PORTAL/CONSOLES/WRITE
    condition: selection
---
title: r4
detection:
    selection:
        operationName|startswith:
            - MICROSOFT.KUBERNETES/CONNECTEDCLUSTERS/BATCH
            - MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/BATCH
        operationName|endswith:
            - /CRONJOBS/WRITE
            - /JOBS/WRITE
    condition: selection
---
title: r5
detection:
    keywords:
        - Microsoft.DocumentDB/databaseAccounts/listKeys/action
        - Microsoft.Maps/accounts/listKeys/action
        - Microsoft.Storage/storageAccounts/listKeys/action
    condition: keywords
---
title: r6
detection:
    selection:
        properties.message:
            - Delete device
            - Delete device configuration
            - Update device
    condition: selection
---
title: r7
detection:
    selection:
        operation: microsoft.compute/virtualmachinescalesets/write
        enrich.size.gpus|gte: 1
    condition: selection
---
title: r8
detection:
    selection:
        CommandLine|contains:
            - ' --cpu-priority='
            - '--donate-level=0'
            - ' -o pool.'
            - 'stratum+tcp://'
    filter:
        CommandLine|contains: 'gcc -'
    condition: selection and not filter
---
title: r9
detection:
    selection:
        ResultType: 50053
        ResultDescription|contains: 'locked'
    condition: selection
---
title: r10
detection:
    selection:
        userAgent|contains:
            - azurehound
            - BAV2ROPC
    condition: selection
---
title: r11
detection:
    selection:
        callerIpAddress|cidr:
            - 10.0.0.0/8
            - 192.168.0.0/16
        CategoryValue: Administrative
    condition: selection
---
title: r12
detection:
    selection:
        resourceId|re: '(?i)/providers/microsoft\.compute/virtualmachines/[^/]*miner'
    condition: selection
---
title: r13
detection:
    selection:
        identity.claims.appid:
            - 1950a258-227b-4e31-a9cf-717495945fc2
            - 04b07795-8ddb-461a-bbee-02f9e1bf7b47
    condition: selection
---
title: r14
detection:
    selection:
        Status: Success
        AuthenticationRequirement: singleFactorAuthentication
    condition: selection
---
title: r15
detection:
    selection:
        DestinationHostname:
            - pool.minexmr.com
            - xmr.2miners.com
            - pool.hashvault.pro
            - gulf.moneroocean.stream
            - xmr-eu1.nanopool.org
            - pool.supportxmr.com
            - mine.c3pool.com
            - auto.c3pool.org
    condition: selection
---
title: r16
detection:
    selection:
        principal.type: ServicePrincipal
        operation|startswith: microsoft.authorization/roleassignments/
    condition: selection
---
title: r17
detection:
    sel_a:
        properties.statusCode: Forbidden
    sel_b:
        properties.statusCode: Conflict
    condition: 1 of sel_*
---
title: r18
detection:
    selection:
        quota.limit|gte: 100
        quota.family|contains: GPU
    condition: selection
---
title: r19
detection:
    selection:
        identity.authorization.action|endswith: '/listKeys/action'
        identity.claims.name|cased: Mallory
    condition: selection
---
title: r20
detection:
    selection:
        enrich.pool.kind: stratum
    condition: selection
`

// benchRecord is a diagnostic-settings Activity Log record that none of
// the rules matches.
const benchRecord = `{"time":"2024-05-01T10:00:00.1234567Z","resourceId":"/SUBSCRIPTIONS/11111111-2222-3333-4444-555555555555/RESOURCEGROUPS/RG-PROD/PROVIDERS/MICROSOFT.COMPUTE/VIRTUALMACHINES/WEB-01",
"operationName":"MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE","category":"Administrative","resultType":"Success","resultSignature":"Succeeded.Created",
"durationMs":"1532","callerIpAddress":"203.0.113.7","correlationId":"0f3b0b7e-1c52-4b1e-9c64-0e0f8d8e1a11","level":"Information","location":"eastus",
"identity":{"authorization":{"scope":"/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-prod/providers/Microsoft.Compute/virtualMachines/web-01","action":"Microsoft.Compute/virtualMachines/write",
"evidence":{"role":"Contributor","roleAssignmentScope":"/subscriptions/11111111-2222-3333-4444-555555555555","roleAssignmentId":"7a1d","roleDefinitionId":"b24988ac6180","principalId":"9b11","principalType":"User"}},
"claims":{"aud":"https://management.core.windows.net/","iss":"https://sts.windows.net/t/","iat":"1714557600","appid":"c44b4083-3bb0-49c1-b47d-974e53cbdf3c","appidacr":"2",
"http://schemas.microsoft.com/identity/claims/objectidentifier":"aaaaaaaa-0000-0000-0000-000000000001","name":"Alice Operator","ipaddr":"203.0.113.7",
"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn":"alice@contoso.com"}},
"properties":{"requestbody":"{\"location\":\"eastus\",\"properties\":{\"hardwareProfile\":{\"vmSize\":\"Standard_D4s_v5\"}}}","statusCode":"Created","serviceRequestId":"s1",
"eventCategory":"Administrative","entity":"/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-prod/providers/Microsoft.Compute/virtualMachines/web-01",
"message":"Microsoft.Compute/virtualMachines/write","hierarchy":"t/11111111-2222-3333-4444-555555555555"}}`

func benchSetup(b testing.TB) ([]*sigma.Compiled, *fields.Event, *event.Event) {
	docs, err := sigma.Parse([]byte(benchRules))
	if err != nil || len(docs) != 20 {
		b.Fatalf("bench rules: %d, %v", len(docs), err)
	}
	res := fields.New()
	var rules []*sigma.Compiled
	for _, d := range docs {
		c, err := sigma.Compile(d, res, nil)
		if err != nil {
			b.Fatal(err)
		}
		rules = append(rules, c)
	}
	var p fastjson.Parser
	raw, err := p.Parse(benchRecord)
	if err != nil {
		b.Fatal(err)
	}
	ev := &event.Event{Time: time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC), Kind: event.KindActivity, Shape: "activity.diagnostic",
		Operation: "microsoft.compute/virtualmachines/write", Category: "Administrative", Outcome: event.OutcomeSucceeded, Status: "Succeeded",
		Principal: event.Principal{UPN: "alice@contoso.com", Type: "User"}, SourceIP: netip.MustParseAddr("203.0.113.7"), Region: "eastus",
		ResourceType: "microsoft.compute/virtualmachines", Compute: &event.Compute{Service: "vm", Size: "Standard_D4s_v5", Count: 1},
		Enrich: event.Enrichment{Size: &event.SizeInfo{Size: "Standard_D4s_v5", VCPUs: 4}}, Raw: raw}
	return rules, res.NewEvent(), ev
}

// BenchmarkEvaluate evaluates twenty rules against one Activity Log event
// that none of them matches, as an engine without an operation index
// would.
func BenchmarkEvaluate(b *testing.B) {
	rules, fe, ev := benchSetup(b)
	b.ReportAllocs()
	for b.Loop() {
		fe.Reset(ev)
		for _, r := range rules {
			if r.Match(fe) {
				b.Fatalf("%s matched", r.Rule.Title)
			}
		}
	}
}

// TestEvaluateAllocatesNothing holds the benchmark's promise: a warm
// evaluation of the twenty rules on a non-matching event allocates nothing.
func TestEvaluateAllocatesNothing(t *testing.T) {
	rules, fe, ev := benchSetup(t)
	run := func() {
		fe.Reset(ev)
		for _, r := range rules {
			r.Match(fe)
		}
	}
	run() // warm the scratch memory
	if n := testing.AllocsPerRun(100, run); n != 0 {
		t.Errorf("%v allocations per evaluation, want 0", n)
	}
}

// oneValue is a Fields whose every field holds one value.
type oneValue struct{ v sigma.Value }

func (o *oneValue) Field(_ sigma.FieldID, match func(sigma.Value) bool) (present, matched bool) {
	return true, match(o.v)
}

// BenchmarkCompareNumbers evaluates one numeric item (equality or a
// comparison) on a field value: the integers and floats logs hold, and
// integers beyond 2^53, where float64 is not exact.
func BenchmarkCompareNumbers(b *testing.B) {
	cases := []struct {
		name, det string
		v         sigma.Value
	}{
		{"equal/number", "sel:\n    f: 50053\ncondition: sel", sigma.NumberValue(50054, "50054")},
		{"equal/numeric string", "sel:\n    f: 50053\ncondition: sel", sigma.StringValue("50054")},
		{"equal/beyond 2^53", "sel:\n    f: 9007199254740993\ncondition: sel", sigma.NumberValue(9007199254740992, "9007199254740992")},
		{"gte/integer", "sel:\n    f|gte: 100\ncondition: sel", sigma.NumberValue(8, "8")},
		{"gte/float", "sel:\n    f|gte: 0.5\ncondition: sel", sigma.NumberValue(0.25, "0.25")},
		{"gte/numeric string", "sel:\n    f|gte: 100\ncondition: sel", sigma.StringValue("8")},
		{"gt/beyond 2^53", "sel:\n    f|gt: 9007199254740992\ncondition: sel", sigma.NumberValue(9007199254740992, "9007199254740993")},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			c := compile(b, &mapResolver{}, tc.det, nil)
			f := &oneValue{tc.v}
			b.ReportAllocs()
			for b.Loop() {
				c.Match(f)
			}
		})
	}
}
