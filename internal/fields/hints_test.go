package fields_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/fields"
	"github.com/mamori-sec/mamori/internal/samples"
	"github.com/mamori-sec/mamori/internal/sigma"
)

// TestEngineHints checks what an engine learns from SigmaHQ's rules
// compiled against these fields: operation sets to index them by, and
// needles to pre-filter records.
func TestEngineHints(t *testing.T) {
	t.Parallel()
	dir := samples.Dir(t) + "/sigmahq/rules/cloud/azure/"
	tests := []struct {
		rule    string
		ops     []string // nil: not indexable
		needles string   // groups joined by ";"
	}{
		{rule: "activity_logs/azure_kubernetes_pods_deleted.yml", ops: []string{"microsoft.kubernetes/connectedclusters/pods/delete"}},
		{rule: "activity_logs/azure_aadhybridhealth_adfs_service_delete.yml", ops: []string{"microsoft.adhybridhealthservice/services/delete"},
			needles: "adfederationservice;microsoft.adhybridhealthservice"},
		{rule: "activity_logs/azure_dns_zone_modified_or_deleted.yml"},
		{rule: "activity_logs/azure_granting_permission_detection.yml", needles: "microsoft.authorization/roleassignments/write"},
		{rule: "audit_logs/azure_service_principal_created.yml", ops: []string{"add service principal"}},
		{rule: "signin_logs/azure_ad_azurehound_discovery.yml", needles: "azurehound"},
	}
	for _, tc := range tests {
		t.Run(tc.rule, func(t *testing.T) {
			t.Parallel()
			rules, err := sigma.ParseFile(dir + tc.rule)
			if err != nil {
				t.Fatal(err)
			}
			c, err := sigma.Compile(rules[0], fields.New(), nil)
			if err != nil {
				t.Fatal(err)
			}
			ops, ok := c.Operations()
			if ok != (tc.ops != nil) || !slices.Equal(ops, tc.ops) {
				t.Errorf("Operations = %q, %v; want %q", ops, ok, tc.ops)
			}
			var groups []string
			for _, g := range c.Needles() {
				groups = append(groups, strings.Join(g, ","))
			}
			if got := strings.Join(groups, ";"); got != tc.needles {
				t.Errorf("Needles = %q, want %q", got, tc.needles)
			}
		})
	}
}

// TestCollectOutlivesTheEvent checks that collected values survive the
// next Reset, which reuses the memory Field's values point into.
func TestCollectOutlivesTheEvent(t *testing.T) {
	t.Parallel()
	r := fields.New()
	user, _ := r.Resolve("properties.userPrincipalName")
	code, _ := r.Resolve("ResultType")
	e := r.NewEvent()
	first := event.Event{Kind: event.KindSignIn, Raw: record(t, signInDiag)}
	e.Reset(&first)
	vals, present := sigma.Collect(e, user.ID, nil)
	vals, _ = sigma.Collect(e, code.ID, vals)
	second := event.Event{Kind: event.KindSignIn, Raw: record(t, strings.ReplaceAll(signInDiag, "alice", "zzzzz"))}
	e.Reset(&second)
	sigma.Collect(e, user.ID, nil)
	if !present || len(vals) != 2 || vals[0].Str() != "alice@contoso.com" || vals[1].Text() != "500121" {
		t.Errorf("collected %v, %v", vals, present)
	}
}
