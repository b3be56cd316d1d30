package posture

import (
	"strings"
	"testing"

	"github.com/mamori-sec/mamori/internal/posture/capture"
)

// FuzzBuild feeds one random body to every dataset pattern: Build and every
// check must neither panic nor hang on whatever a tenant (or a tampered
// saved capture) returns, and no check may pass on a dataset that was cut
// short (every fifth dataset is marked partial).
func FuzzBuild(f *testing.F) {
	seeds := []string{
		`{"value":[]}`,
		`{"value":[{"id":"1","properties":{"retentionInDays":"90"}}]}`,
		`{"value":[{"name":{"value":"cores"},"currentValue":"0","limit":1e400}]}`,
		`{"value":[{"properties":{"policyRule":{"if":{"allOf":[{"field":"location"},{"anyOf":[{"not":{"field":"Microsoft.Compute/virtualMachines/sku.name"}}]}]},"then":{"effect":"deny"}}}}]}`,
		`{"value":[{"properties":{"alertNotifications":{"state":true},"emails":["a",1,null]}}]}`,
		`{"value":[{"conditions":{"users":{"includeUsers":"All"}},"grantControls":{"builtInControls":["mfa"],"authenticationStrength":{}}}]}`,
		`{"properties":{"blockSubscriptionsLeavingTenant":"true","exemptedPrincipals":"a;b"}}`,
		// A hierarchy that loops (g and h each other's parent), and an
		// alert scoped to a group.
		`{"value":[{"id":"/subscriptions/s1","properties":{"parent":{"id":"/providers/Microsoft.Management/managementGroups/g"},"scopes":["/providers/Microsoft.Management/managementGroups/x"],"actions":{"actionGroups":[{"actionGroupId":"a"}]}}},` +
			`{"id":"/providers/Microsoft.Management/managementGroups/g","properties":{"parent":{"id":"/providers/Microsoft.Management/managementGroups/h"}}},` +
			`{"name":"h","type":"Microsoft.Management/managementGroups","properties":{"parent":{"id":"/providers/Microsoft.Management/managementGroups/g"}}}]}`,
		`[1,2]`, `null`, `{"value":{"a":1}}`, `"x"`, ``,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	// One capture key per reader, with placeholders filled in.
	var keys []string
	for _, r := range readers {
		keys = append(keys, capture.Key(r.pattern, "s1", "westeurope"))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		c := &capture.Capture{}
		for i, k := range keys {
			st := capture.OK
			if i%5 == 4 {
				st = capture.Partial
			}
			c.Add(&capture.Dataset{Key: k, Status: st, Pages: [][]byte{body, body}})
		}
		s, _ := Build(c)
		cfg := DefaultConfig()
		for _, fd := range Run(s, cfg) {
			// The invariant that matters: no pass on data not read fully.
			if fd.Status != Pass {
				continue
			}
			chk, _ := checkByName(fd.Check)
			var sub *Subscription
			if fd.Scope != tenantScope {
				sub = s.Subscriptions[subscriptionOfID(fd.Scope)]
			}
			e := &env{s: s, cfg: &cfg, c: chk}
			var pats []string
			for _, p := range append(chk.required, chk.optional...) {
				if sub == nil || strings.Contains(p, "{sub}") || chk.tenant == nil {
					pats = append(pats, p)
				}
			}
			if g := e.need(sub, pats...); !g.empty() {
				t.Fatalf("%s passed at %s with %v %v", fd.Check, fd.Scope, g.missing, g.reasons)
			}
		}
	})
}
