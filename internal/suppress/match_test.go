package suppress

import (
	"strings"
	"testing"

	"github.com/mamori-sec/mamori/internal/alert"
)

const (
	sub    = "0b1e5f2a-1111-4222-8333-944455556666"
	tenant = "7f3c9d10-aaaa-4bbb-8ccc-ddddeeeeffff"
	vm1    = "/subscriptions/" + sub + "/resourcegroups/render/providers/microsoft.compute/virtualmachines/vm1"
	vm2    = "/subscriptions/" + sub + "/resourcegroups/render/providers/microsoft.compute/virtualmachines/vm2"
	other  = "/subscriptions/" + sub + "/resourcegroups/prod/providers/microsoft.compute/virtualmachines/db1"
)

func TestMatch(t *testing.T) {
	t.Parallel()
	base := alert.Alert{
		Rule: "azure.compute.gpu_vm_created", Tenant: tenant, Subscription: sub,
		Principal: "Render.Bot@Contoso.com", IPs: []string{"203.0.113.7"}, Resources: []string{vm1},
	}
	with := func(f func(a *alert.Alert)) alert.Alert {
		a := base
		f(&a)
		return a
	}
	tests := []struct {
		name  string
		entry string // the body of the one entry, indented under "- "
		alert alert.Alert
		want  bool
	}{
		{"exact rule name matches", "rule: azure.compute.gpu_vm_created", base, true},
		{"exact rule name does not match another rule", "rule: azure.compute.gpu_vm", base, false},
		{"rule glob azure.compute.* matches a compute rule", "rule: azure.compute.*", base, true},
		{"rule glob azure.compute.* does not match a network rule", "rule: azure.compute.*", with(func(a *alert.Alert) { a.Rule = "azure.network.pool_dns" }), false},
		{"rule glob with a star in the middle", "rule: azure.*.gpu_*", base, true},
		{"rule name is case-sensitive", "rule: Azure.Compute.GPU_VM_Created", base, false},
		{"tenant in another case matches", "tenant: " + "7F3C9D10-AAAA-4BBB-8CCC-DDDDEEEEFFFF", base, true},
		{"other tenant does not match", "tenant: 11111111-aaaa-4bbb-8ccc-ddddeeeeffff", base, false},
		{"alert without tenant does not match a tenant entry", "tenant: " + tenant, with(func(a *alert.Alert) { a.Tenant = "" }), false},
		{"subscription as a resource path matches", "subscription: /subscriptions/" + sub, base, true},
		{"subscription in upper case matches", "subscription: 0B1E5F2A-1111-4222-8333-944455556666", base, true},
		{"principal UPN matches whatever its case", "principal: render.bot@contoso.COM", base, true},
		{"principal is exact, not a prefix", "principal: render.bot@contoso", base, false},
		{"resource glob with ** across segments", "resource: /subscriptions/" + sub + "/resourcegroups/render/**", base, true},
		{"resource glob ** matches zero segments", "resource: /subscriptions/" + sub + "/resourcegroups/render/**/microsoft.compute/virtualmachines/vm1", with(func(a *alert.Alert) {
			a.Resources = []string{"/subscriptions/" + sub + "/resourcegroups/render/microsoft.compute/virtualmachines/vm1"}
		}), true},
		{"resource glob * stays within a segment", "resource: /subscriptions/*/resourcegroups/render", with(func(a *alert.Alert) {
			a.Resources = []string{"/subscriptions/" + sub + "/resourcegroups/render"}
		}), true},
		{"resource glob * does not cross a slash", "resource: /subscriptions/*/virtualmachines/vm1", base, false},
		{"resource glob * inside a segment", "resource: /subscriptions/**/virtualmachines/vm*", base, true},
		{"resource pattern in mixed case matches the lower-cased id", "resource: /Subscriptions/" + sub + "/resourceGroups/Render/**", base, true},
		{"resource id in mixed case matches a lower-case pattern", "resource: /subscriptions/**/virtualmachines/vm1", with(func(a *alert.Alert) {
			a.Resources = []string{"/SUBSCRIPTIONS/" + sub + "/resourceGroups/Render/providers/Microsoft.Compute/virtualMachines/VM1"}
		}), true},
		{"all resources in scope: suppressed", "resource: /subscriptions/**/resourcegroups/render/**", with(func(a *alert.Alert) { a.Resources = []string{vm1, vm2} }), true},
		{"one resource out of scope keeps the alert", "resource: /subscriptions/**/resourcegroups/render/**", with(func(a *alert.Alert) { a.Resources = []string{vm1, other} }), false},
		{"alert without resources does not match a resource entry", "resource: /subscriptions/**", with(func(a *alert.Alert) { a.Resources = nil }), false},
		{"single address matches", "ip: 203.0.113.7", base, true},
		{"CIDR contains the address", "ip: 203.0.113.0/24", base, true},
		{"CIDR does not contain the address", "ip: 198.51.100.0/24", base, false},
		{"one address outside the CIDR keeps the alert", "ip: 203.0.113.0/24", with(func(a *alert.Alert) { a.IPs = []string{"203.0.113.7", "192.0.2.9"} }), false},
		{"every address inside the CIDR: suppressed", "ip: 203.0.113.0/24", with(func(a *alert.Alert) { a.IPs = []string{"203.0.113.7", "203.0.113.200"} }), true},
		{"IPv4-mapped alert address matches an IPv4 CIDR", "ip: 203.0.113.0/24", with(func(a *alert.Alert) { a.IPs = []string{"::ffff:203.0.113.7"} }), true},
		{"IPv6 CIDR", "ip: 2001:db8::/32", with(func(a *alert.Alert) { a.IPs = []string{"2001:db8::1"} }), true},
		{"unparsable alert address does not match", "ip: 203.0.113.0/24", with(func(a *alert.Alert) { a.IPs = []string{"not-an-ip"} }), false},
		{"alert without addresses does not match an ip entry", "ip: 203.0.113.0/24", with(func(a *alert.Alert) { a.IPs = nil }), false},
		{"every key matching suppresses", "rule: azure.compute.*\n  tenant: " + tenant + "\n  subscription: " + sub + "\n  principal: render.bot@contoso.com\n  resource: /subscriptions/**/render/**\n  ip: 203.0.113.0/24", base, true},
		{"one key not matching keeps the alert", "rule: azure.compute.*\n  tenant: " + tenant + "\n  principal: someone.else@contoso.com", base, false},
		{"rule * narrowed by a principal matches", "rule: '*'\n  principal: render.bot@contoso.com", base, true},
		{"expired entry is not applied", "rule: azure.compute.*\n  expires: 2025-06-14", base, false},
		{"entry expiring today still applies", "rule: azure.compute.*\n  expires: 2025-06-15", base, true},
		{"entry expiring later today by the hour still applies", "rule: azure.compute.*\n  expires: 2025-06-15T13:00:00Z", base, true},
		{"entry expired an hour ago by the hour is not applied", "rule: azure.compute.*\n  expires: 2025-06-15T13:00:00+02:00", base, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, _ := mustLoad(t, "suppressions:\n- "+tt.entry+"\n  reason: test\n")
			e, ok := s.Match(&tt.alert)
			if ok != tt.want {
				t.Fatalf("Match = %v, want %v", ok, tt.want)
			}
			if ok && e != s.Entries()[0] {
				t.Errorf("Match returned %v, want the file's entry", e)
			}
		})
	}
}

func TestMatchFirstEntryWins(t *testing.T) {
	t.Parallel()
	s, _ := mustLoad(t, `suppressions:
- id: old
  rule: azure.compute.*
  reason: r
  expires: 2025-01-01
- id: broad
  rule: azure.*
  reason: r
- id: narrow
  rule: azure.compute.gpu_vm_created
  reason: r
`)
	e, ok := s.Match(&alert.Alert{Rule: "azure.compute.gpu_vm_created"})
	if !ok || e.ID != "broad" {
		t.Fatalf("Match = %v %v, want the first entry in force, broad", e, ok)
	}
}

func TestApply(t *testing.T) {
	t.Parallel()
	s, _ := mustLoad(t, `suppressions:
- id: render
  rule: azure.compute.*
  resource: /subscriptions/**/resourcegroups/render/**
  reason: render farm
  owner: secops@contoso.com
  expires: 2025-12-31
- rule: azure.network.pool_dns
  principal: lab@contoso.com
  reason: mining lab
- id: never
  tenant: 00000000-0000-4000-8000-000000000000
  reason: old tenant
`)
	alerts := []alert.Alert{
		{ID: "a1", Rule: "azure.compute.gpu_vm_created", Resources: []string{vm1}},
		{ID: "a2", Rule: "azure.compute.gpu_vm_created", Resources: []string{other}},
		{ID: "a3", Rule: "azure.network.pool_dns", Principal: "LAB@contoso.com"},
		{ID: "a4", Rule: "azure.compute.quota_raise", Resources: []string{vm2}},
	}
	kept, sup := s.Apply(alerts)
	if len(kept) != 1 || kept[0].ID != "a2" {
		t.Fatalf("kept = %v, want a2 only", ids(kept))
	}
	var got []string
	for _, x := range sup {
		got = append(got, x.Alert.ID+"="+x.Entry.ID)
	}
	if want := "a1=render a3=#2 a4=render"; strings.Join(got, " ") != want {
		t.Fatalf("suppressed = %q, want %q", strings.Join(got, " "), want)
	}
	if sup[0].Entry.Suppression() != (alert.Suppression{ID: "render", Reason: "render farm", Owner: "secops@contoso.com", Expires: "2025-12-31", File: "s.yml", Line: 2}) {
		t.Errorf("Suppression = %+v", sup[0].Entry.Suppression())
	}
	uses := map[string]int{}
	for _, e := range s.Entries() {
		uses[e.ID] = e.Uses()
	}
	if uses["render"] != 2 || uses["#2"] != 1 || uses["never"] != 0 {
		t.Errorf("uses = %v, want render 2, #2 1, never 0", uses)
	}
	un := s.Unused()
	if len(un) != 1 || un[0].Entry != "never" || un[0].Line != 11 {
		t.Fatalf("Unused = %v, want entry never at line 11", un)
	}
	if got, want := un[0].String(), `s.yml:11: suppression "never" matched nothing`; got != want {
		t.Errorf("Unused()[0] = %q, want %q", got, want)
	}
	// A second batch adds to the counts.
	s.Apply(alerts[:1])
	if n := s.Entries()[0].Uses(); n != 3 {
		t.Errorf("uses after a second Apply = %d, want 3", n)
	}
}

func TestNilSetSuppressesNothing(t *testing.T) {
	t.Parallel()
	var s *Set
	alerts := []alert.Alert{{ID: "a1", Rule: "x"}}
	kept, sup := s.Apply(alerts)
	if len(kept) != 1 || sup != nil {
		t.Fatalf("Apply on nil set = %v, %v", kept, sup)
	}
	if _, ok := s.Match(&alerts[0]); ok {
		t.Error("nil set matched")
	}
	if s.Unused() != nil || s.CheckRules([]string{"x"}) != nil {
		t.Error("nil set reported warnings")
	}
}

func TestCheckRules(t *testing.T) {
	t.Parallel()
	s, _ := mustLoad(t, `suppressions:
- rule: azure.compute.*
  reason: r
- id: typo
  rule: azure.comptue.*
  reason: r
- tenant: x
  reason: no rule, nothing to check
- id: lapsed
  rule: gone.rule
  reason: expired entries were reported already
  expires: 2024-01-01
`)
	ws := s.CheckRules([]string{"azure.compute.gpu_vm_created", "azure.network.pool_dns"})
	if len(ws) != 1 || ws[0].Entry != "typo" || ws[0].Line != 4 {
		t.Fatalf("CheckRules = %v, want the typo entry at line 4", ws)
	}
}

func ids(as []alert.Alert) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.ID)
	}
	return out
}
