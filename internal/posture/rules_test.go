package posture

import "testing"

func TestRequiresMFA(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		p    CAPolicy
		want bool
	}{
		{"mfa alone", CAPolicy{Operator: "OR", BuiltInControls: []string{"mfa"}}, true},
		{"mfa or compliant device", CAPolicy{Operator: "OR", BuiltInControls: []string{"mfa", "compliantDevice"}}, false},
		{"mfa and compliant device", CAPolicy{Operator: "AND", BuiltInControls: []string{"mfa", "compliantDevice"}}, true},
		{"authentication strength", CAPolicy{Operator: "OR", AuthStrength: "Phishing-resistant MFA"}, true},
		{"strength or compliant device", CAPolicy{Operator: "OR", BuiltInControls: []string{"compliantDevice"}, AuthStrength: "MFA"}, false},
		{"block", CAPolicy{Operator: "OR", BuiltInControls: []string{"block"}}, true},
		{"terms of use only", CAPolicy{}, false},
	}
	for _, tc := range tests {
		if got := tc.p.RequiresMFA(); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestAlertCovers(t *testing.T) {
	t.Parallel()
	const sub = "s1"
	op := "Microsoft.Compute/virtualMachines/write"
	base := func(conds ...AlertCondition) *ActivityLogAlert {
		return &ActivityLogAlert{Enabled: true, Scopes: []string{"/subscriptions/S1"}, ActionGroups: []string{"ag"}, Conditions: conds}
	}
	cat := AlertCondition{Field: "category", Equals: "Administrative"}
	group := func(name string) *ActivityLogAlert {
		return &ActivityLogAlert{Enabled: true, Scopes: []string{"/providers/Microsoft.Management/managementGroups/" + name}, ActionGroups: []string{"ag"}}
	}
	// s1 lies under corp, under the tenant root group.
	placed := Ancestry{Groups: map[string]bool{"corp": true, "tenant-root": true}, Complete: true}
	tests := []struct {
		name string
		a    *ActivityLogAlert
		anc  Ancestry
		want cover
	}{
		{"operation", base(cat, AlertCondition{Field: "operationName", Equals: "microsoft.compute/virtualmachines/write"}), Ancestry{}, covered},
		{"other operation", base(cat, AlertCondition{Field: "operationName", Equals: "Microsoft.Compute/virtualMachines/delete"}), Ancestry{}, notCovered},
		{"resource type", base(cat, AlertCondition{Field: "resourceType", Equals: "Microsoft.Compute/virtualMachines"}), Ancestry{}, covered},
		{"provider", base(cat, AlertCondition{Field: "resourceProvider", Equals: "Microsoft.Compute"}), Ancestry{}, covered},
		{"anyOf", base(cat, AlertCondition{AnyOf: []AlertCondition{{Field: "operationName", Equals: "x"}, {Field: "operationName", Equals: op}}}), Ancestry{}, covered},
		{"one caller only", base(cat, AlertCondition{Field: "caller", Equals: "ops@contoso.com"}), Ancestry{}, notCovered},
		{"service health category", base(AlertCondition{Field: "category", Equals: "ServiceHealth"}), Ancestry{}, notCovered},
		{"succeeded only", base(cat, AlertCondition{Field: "operationName", Equals: op}, AlertCondition{Field: "status", Equals: "Succeeded"}), Ancestry{}, covered},
		{"started or failed", base(cat, AlertCondition{Field: "status", ContainsAny: []string{"Failed", "started"}}), Ancestry{}, covered},
		{"informational level", base(cat, AlertCondition{Field: "level", Equals: "Informational"}), Ancestry{}, covered},
		// Alerts that fire only when the write fails miss the attacker's
		// successful VM; they were counted as covering it.
		{"failed only", base(cat, AlertCondition{Field: "operationName", Equals: op}, AlertCondition{Field: "status", Equals: "Failed"}), Ancestry{}, notCovered},
		{"error level only", base(cat, AlertCondition{Field: "operationName", Equals: op}, AlertCondition{Field: "level", ContainsAny: []string{"Error", "Critical"}}), Ancestry{}, notCovered},
		{"no action group", &ActivityLogAlert{Enabled: true, Scopes: []string{"/subscriptions/s1"}, Conditions: []AlertCondition{cat}}, Ancestry{}, notCovered},
		{"disabled", &ActivityLogAlert{Scopes: []string{"/subscriptions/s1"}, ActionGroups: []string{"ag"}}, Ancestry{}, notCovered},
		{"resource group scope", &ActivityLogAlert{Enabled: true, Scopes: []string{"/subscriptions/s1/resourceGroups/rg"}, ActionGroups: []string{"ag"}}, Ancestry{}, notCovered},
		// A management group's alert used to count for every subscription.
		{"management group above the subscription", group("Corp"), placed, covered},
		{"management group the subscription is not under", group("sandbox"), placed, notCovered},
		{"management group, the subscription's groups unread", group("corp"), Ancestry{}, mayCover},
		{"management group, the groups read stop short of the root", group("sandbox"), Ancestry{Groups: map[string]bool{"corp": true}}, mayCover},
		{"known group despite a short chain", group("corp"), Ancestry{Groups: map[string]bool{"corp": true}}, covered},
		{"a resource below a management group", &ActivityLogAlert{Enabled: true, Scopes: []string{"/providers/Microsoft.Management/managementGroups/corp/providers/x/y"}, ActionGroups: []string{"ag"}}, placed, notCovered},
		{"disabled at a group above it", &ActivityLogAlert{Scopes: group("corp").Scopes, ActionGroups: []string{"ag"}}, placed, notCovered},
	}
	for _, tc := range tests {
		if got := alertCovers(tc.a, sub, tc.anc, op); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestAssignmentApplies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		a    PolicyAssignment
		want bool
	}{
		{"subscription", PolicyAssignment{Scope: "/subscriptions/S1"}, true},
		{"management group", PolicyAssignment{Scope: "/providers/Microsoft.Management/managementGroups/corp"}, true},
		{"resource group", PolicyAssignment{Scope: "/subscriptions/s1/resourceGroups/rg"}, false},
		{"excluded", PolicyAssignment{Scope: "/providers/Microsoft.Management/managementGroups/corp", NotScopes: []string{"/subscriptions/s1"}}, false},
		{"audit only", PolicyAssignment{Scope: "/subscriptions/s1", EnforcementMode: "DoNotEnforce"}, false},
		{"another subscription", PolicyAssignment{Scope: "/subscriptions/s2"}, false},
	}
	for _, tc := range tests {
		if got := assignmentApplies(&tc.a, "s1"); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
