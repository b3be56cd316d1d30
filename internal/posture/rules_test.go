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

// TestAlertCovers judges an alert held in subscription s1. Azure runs a
// rule only on the activity log of the subscription that holds it, for
// events whose resource ID its scopes prefix: s1's operations are logged
// under /subscriptions/s1, which no management group's ID prefixes, so a
// rule on a group (any group used to count, then one above s1) never
// fires for them, nor does one on another subscription.
func TestAlertCovers(t *testing.T) {
	t.Parallel()
	const sub = "s1"
	op := "Microsoft.Compute/virtualMachines/write"
	base := func(conds ...AlertCondition) *ActivityLogAlert {
		return &ActivityLogAlert{Enabled: true, Scopes: []string{"/subscriptions/S1"}, ActionGroups: []string{"ag"}, Conditions: conds}
	}
	cat := AlertCondition{Field: "category", Equals: "Administrative"}
	scoped := func(scopes ...string) *ActivityLogAlert {
		return &ActivityLogAlert{Enabled: true, Scopes: scopes, ActionGroups: []string{"ag"}, Conditions: []AlertCondition{cat}}
	}
	tests := []struct {
		name string
		a    *ActivityLogAlert
		want bool
	}{
		{"operation", base(cat, AlertCondition{Field: "operationName", Equals: "microsoft.compute/virtualmachines/write"}), true},
		{"other operation", base(cat, AlertCondition{Field: "operationName", Equals: "Microsoft.Compute/virtualMachines/delete"}), false},
		{"resource type", base(cat, AlertCondition{Field: "resourceType", Equals: "Microsoft.Compute/virtualMachines"}), true},
		{"provider", base(cat, AlertCondition{Field: "resourceProvider", Equals: "Microsoft.Compute"}), true},
		{"anyOf", base(cat, AlertCondition{AnyOf: []AlertCondition{{Field: "operationName", Equals: "x"}, {Field: "operationName", Equals: op}}}), true},
		{"one caller only", base(cat, AlertCondition{Field: "caller", Equals: "ops@contoso.com"}), false},
		{"service health category", base(AlertCondition{Field: "category", Equals: "ServiceHealth"}), false},
		{"succeeded only", base(cat, AlertCondition{Field: "operationName", Equals: op}, AlertCondition{Field: "status", Equals: "Succeeded"}), true},
		{"started or failed", base(cat, AlertCondition{Field: "status", ContainsAny: []string{"Failed", "started"}}), true},
		{"informational level", base(cat, AlertCondition{Field: "level", Equals: "Informational"}), true},
		// Alerts that fire only when the write fails miss the attacker's
		// successful VM; they were counted as covering it.
		{"failed only", base(cat, AlertCondition{Field: "operationName", Equals: op}, AlertCondition{Field: "status", Equals: "Failed"}), false},
		{"error level only", base(cat, AlertCondition{Field: "operationName", Equals: op}, AlertCondition{Field: "level", ContainsAny: []string{"Error", "Critical"}}), false},
		{"no action group", &ActivityLogAlert{Enabled: true, Scopes: []string{"/subscriptions/s1"}, Conditions: []AlertCondition{cat}}, false},
		{"disabled", &ActivityLogAlert{Scopes: []string{"/subscriptions/s1"}, ActionGroups: []string{"ag"}}, false},
		{"trailing slash", scoped("/subscriptions/s1/"), true},
		{"resource group scope", scoped("/subscriptions/s1/resourceGroups/rg"), false},
		{"another subscription", scoped("/subscriptions/s2"), false},
		{"management group", scoped("/providers/Microsoft.Management/managementGroups/corp"), false},
		{"a group and the subscription", scoped("/providers/Microsoft.Management/managementGroups/corp", "/subscriptions/s1"), true},
	}
	for _, tc := range tests {
		if got := alertCovers(tc.a, sub, op); got != tc.want {
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
