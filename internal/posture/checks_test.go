package posture

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/mamori-sec/mamori/internal/posture/capture"
)

// checkCase names, per check, the scope its finding is judged at and the
// datasets whose denial must leave it not assessed.
type checkCase struct {
	check string
	scope string
	deny  []string
}

var prodScope = "/subscriptions/" + subProd

var checkCases = []checkCase{
	{"posture.identity.mfa_registration", tenantScope, []string{capture.KeyRegistrationDetails}},
	{"posture.identity.admin_conditional_access", tenantScope, []string{capture.KeyConditionalAccess}},
	{"posture.identity.risk_policies", tenantScope, []string{capture.KeyConditionalAccess}},
	{"posture.identity.admin_separation", tenantScope, []string{capture.KeySubscribedSkus}},
	{"posture.rbac.compute_role_holders", prodScope, []string{capture.Key(capture.KeyRoleAssignments, subProd)}},
	{"posture.rbac.root_user_access_admin", tenantScope, []string{capture.KeyRootRoleAssignments}},
	{"posture.notify.security_contacts", prodScope, []string{capture.Key(capture.KeySecurityContacts, subProd)}},
	{"posture.quota.unused_headroom", prodScope, []string{capture.Key(capture.KeyComputeUsages, subProd, "westeurope")}},
	{"posture.quota.dormant_capacity", prodScope, []string{capture.Key(capture.KeyVirtualMachineStatuses, subProd)}},
	{"posture.monitoring.activity_log_export", prodScope, []string{capture.Key(capture.KeyDiagnosticSettings, subProd)}},
	{"posture.monitoring.activity_log_export", tenantScope, []string{capture.KeyEntraDiagnostics}},
	{"posture.monitoring.quota_and_compute_alerts", prodScope, []string{capture.Key(capture.KeyActivityLogAlerts, subProd)}},
	{"posture.subscription.transfer_policy", tenantScope, []string{capture.KeyTransferPolicy}},
	{"posture.defender.plans", prodScope, []string{capture.Key(capture.KeyPricings, subProd)}},
	{"posture.policy.allowed_vm_skus_locations", prodScope, []string{capture.Key(capture.KeyPolicyAssignments, subProd)}},
}

// TestChecksOnFixtures runs every check on the passing tenant, the failing
// tenant and the passing tenant with the check's data denied.
func TestChecksOnFixtures(t *testing.T) {
	t.Parallel()
	good := Run(build(t, loadTenant(t, "tenant-good")), testConfig())
	bad := Run(build(t, loadTenant(t, "tenant-good", "tenant-bad")), testConfig())
	for _, tc := range checkCases {
		t.Run(tc.check+"@"+tc.scope, func(t *testing.T) {
			t.Parallel()
			if f := findingFor(t, good, tc.check, tc.scope); f.Status != Pass {
				t.Errorf("good tenant: %s: %s %v", f.Status, f.Summary, f.Evidence)
			}
			f := findingFor(t, bad, tc.check, tc.scope)
			if f.Status != Fail || len(f.Evidence) == 0 {
				t.Errorf("bad tenant: want fail with evidence, got %s: %s %v", f.Status, f.Summary, f.Evidence)
			}
			if f.Why == "" || f.Fix == "" || f.Severity == "" || f.Title == "" {
				t.Errorf("finding lacks words: %+v", f)
			}
			c := loadTenant(t, "tenant-good")
			perm := "Test.Permission/" + tc.check
			deny(c, perm, tc.deny...)
			f = findingFor(t, Run(build(t, c), testConfig()), tc.check, tc.scope)
			if f.Status != NotAssessed || len(f.Missing) != 1 || f.Missing[0] != perm || !strings.Contains(f.Summary, perm) {
				t.Errorf("denied: want not_assessed missing %q, got %s %v: %s", perm, f.Status, f.Missing, f.Summary)
			}
		})
	}
}

// TestUnparsedPageIsNotAPass: a saved page that does not parse (a file
// edited by hand, a truncated copy) is reported, and the check that needs
// it is not assessed: it used to pass on the good tenant, judging an empty
// list of role assignments, contacts or alerts as "no problem".
func TestUnparsedPageIsNotAPass(t *testing.T) {
	t.Parallel()
	for _, tc := range checkCases {
		t.Run(tc.check+"@"+tc.scope, func(t *testing.T) {
			t.Parallel()
			c := loadTenant(t, "tenant-good")
			c.Datasets[tc.deny[0]].Pages[0] = []byte(`{"value": [ garbage`)
			s, errs := Build(c)
			if len(errs) != 1 || !strings.Contains(errs[0].Error(), tc.deny[0]+" page 1") {
				t.Errorf("want one error naming %s page 1, got %v", tc.deny[0], errs)
			}
			f := findingFor(t, Run(s, testConfig()), tc.check, tc.scope)
			if f.Status != NotAssessed || !strings.Contains(f.Summary, tc.deny[0]) || !strings.Contains(f.Summary, "page 1 does not parse") {
				t.Errorf("want not_assessed naming the page, got %s: %s", f.Status, f.Summary)
			}
		})
	}
}

// TestEveryCheckHasACase keeps the table above complete.
func TestEveryCheckHasACase(t *testing.T) {
	t.Parallel()
	covered := map[string]bool{}
	for _, tc := range checkCases {
		covered[tc.check] = true
	}
	for _, name := range Checks() {
		if !covered[name] {
			t.Errorf("%s has no fixture case", name)
		}
	}
	if len(Checks()) != 14 {
		t.Errorf("catalogue has %d checks, want 14 (the issue's 13 and posture.quota.dormant_capacity)", len(Checks()))
	}
}

// TestBadTenantEvidence checks the facts the failing findings report, not
// just their verdicts.
func TestBadTenantEvidence(t *testing.T) {
	t.Parallel()
	fs := Run(build(t, loadTenant(t, "tenant-good", "tenant-bad")), testConfig())
	tests := []struct {
		check, scope, subject, detail, summary string
	}{
		{"posture.identity.mfa_registration", tenantScope, "admin@contoso.com", "privileged (Global Administrator)", "2 of 4 enabled users have no MFA method registered, 1 of them privileged"},
		{"posture.identity.mfa_registration", tenantScope, "alice@contoso.com", "registered: email", ""},
		{"posture.identity.admin_conditional_access", tenantScope, "Global Administrator", `excludes user alice@contoso.com`, ""},
		{"posture.identity.admin_conditional_access", tenantScope, "Azure management (" + azureManagementApp + ")", "no enabled policy", ""},
		{"posture.identity.risk_policies", tenantScope, "Sign-in risk: require MFA", "state enabledForReportingButNotEnforced", "no enforced sign-in risk or user risk policy"},
		{"posture.identity.admin_separation", tenantScope, "admin@contoso.com", "EXCHANGE_S_ENTERPRISE, SHAREPOINTENTERPRISE, TEAMS1; synced from on-premises AD", "1 of 3"},
		{"posture.rbac.compute_role_holders", prodScope, "bob_partner.com#EXT#@contoso.onmicrosoft.com", "guest user: Virtual Machine Contributor", "7 principals can create VMs (limit 5), 1 of them guests"},
		{"posture.rbac.compute_role_holders", prodScope, "secadmin@contoso.onmicrosoft.com", "Compute Operator", ""},
		{"posture.rbac.compute_role_holders", prodScope, "breakglass@contoso.onmicrosoft.com", "Owner at /", ""},
		{"posture.rbac.root_user_access_admin", tenantScope, "alice@contoso.com", "User Access Administrator at root", "1 standing"},
		{"posture.notify.security_contacts", prodScope, "technical notification mail", "has none", "4 of 4"},
		{"posture.quota.unused_headroom", prodScope, "westeurope Standard NCASv3_T4 Family", "GPU family: limit 64, used 0; lower the limit to 0", "4 unused quotas with 638 vCPUs"},
		{"posture.quota.unused_headroom", prodScope, "eastus cores", "total regional vCPUs: limit 200", ""},
		{"posture.quota.dormant_capacity", prodScope, "ml/train-a100-spare", "Standard_ND96asr_v4 in eastus (8 GPUs, 96 vCPUs), deallocated; $27.20/h if started",
			"2 deallocated GPU or high-core VMs, each one start action from running: 8 GPUs, 216 vCPUs, $30.80/h if started; sizes Standard_HB120rs_v3, Standard_ND96asr_v4; regions eastus, westeurope"},
		{"posture.quota.dormant_capacity", prodScope, "hpc/cfd-hb120", "Standard_HB120rs_v3 in westeurope (120 vCPUs), deallocated; $3.60/h (eastus price) if started", ""},
		{"posture.monitoring.activity_log_export", prodScope, "diagnostic setting activity-local", "same subscription", ""},
		{"posture.monitoring.activity_log_export", prodScope, "diagnostic setting activity-short", "deletes after 30 days", ""},
		{"posture.monitoring.activity_log_export", tenantScope, "Entra SignInLogs", "not exported", ""},
		{"posture.monitoring.activity_log_export", tenantScope, "tenant activity log", "not exported", ""},
		{"posture.monitoring.quota_and_compute_alerts", prodScope, "Microsoft.Compute/virtualMachines/write", "no enabled alert", "5 of 5"},
		{"posture.subscription.transfer_policy", tenantScope, "blockSubscriptionsLeavingTenant", "false", "may leave"},
		{"posture.defender.plans", prodScope, "VirtualMachines P2", "sub-plan P1", "2 of 2"},
		{"posture.defender.plans", prodScope, "Arm", "tier Free", ""},
		{"posture.policy.allowed_vm_skus_locations", prodScope, "allowed-skus-audit", "not enforced", ""},
		{"posture.policy.allowed_vm_skus_locations", prodScope, "allowed-locations-rg", "not enforced on the whole subscription", ""},
	}
	for _, tc := range tests {
		t.Run(tc.check+"/"+tc.subject, func(t *testing.T) {
			f := findingFor(t, fs, tc.check, tc.scope)
			if !has(f, tc.subject, tc.detail) {
				t.Errorf("no evidence %q ~ %q in %v", tc.subject, tc.detail, f.Evidence)
			}
			if tc.summary != "" && !strings.Contains(f.Summary, tc.summary) {
				t.Errorf("summary %q lacks %q", f.Summary, tc.summary)
			}
		})
	}
}

// TestNoSubscriptionsReadable: per-subscription checks say why they could
// not run instead of vanishing from the report.
func TestNoSubscriptionsReadable(t *testing.T) {
	t.Parallel()
	c := &capture.Capture{Datasets: map[string]*capture.Dataset{}}
	deny(c, "Microsoft.Resources/subscriptions/read", capture.KeySubscriptions)
	fs := Run(build(t, c), DefaultConfig())
	if len(fs) != len(Checks())+1 {
		t.Fatalf("want one finding per check plus the tenant half of activity_log_export, got %d", len(fs))
	}
	for _, f := range fs {
		if f.Status != NotAssessed {
			t.Errorf("%s@%s: %s, want not_assessed", f.Check, f.Scope, f.Status)
		}
	}
	f := findingFor(t, fs, "posture.defender.plans", tenantScope)
	if len(f.Missing) != 1 || f.Missing[0] != "Microsoft.Resources/subscriptions/read" {
		t.Errorf("missing = %v", f.Missing)
	}
}

// TestPartialAndFailedNeverPass: a dataset cut short by an error, or one
// the collector never fetched, cannot back a pass.
func TestPartialAndFailedNeverPass(t *testing.T) {
	t.Parallel()
	for _, status := range []capture.Status{capture.Partial, capture.Failed} {
		c := loadTenant(t, "tenant-good")
		ds := c.Datasets[capture.Key(capture.KeyPricings, subProd)]
		ds.Status, ds.Error = status, "HTTP 500 after 3 retries"
		f := findingFor(t, Run(build(t, c), testConfig()), "posture.defender.plans", prodScope)
		if f.Status != NotAssessed || !strings.Contains(f.Summary, "HTTP 500 after 3 retries") {
			t.Errorf("%s: got %s: %s", status, f.Status, f.Summary)
		}
	}
	c := loadTenant(t, "tenant-good")
	delete(c.Datasets, capture.KeyTransferPolicy)
	f := findingFor(t, Run(build(t, c), testConfig()), "posture.subscription.transfer_policy", tenantScope)
	if f.Status != NotAssessed || !strings.Contains(f.Summary, "not collected") {
		t.Errorf("not collected: got %s: %s", f.Status, f.Summary)
	}
}

// TestOptionalDataTurnsPassIntoNotAssessed: PIM eligibility unreadable
// means an eligible admin might be an everyday account.
func TestOptionalDataTurnsPassIntoNotAssessed(t *testing.T) {
	t.Parallel()
	c := loadTenant(t, "tenant-good")
	deny(c, "RoleEligibilitySchedule.Read.Directory", capture.KeyDirectoryEligible)
	f := findingFor(t, Run(build(t, c), testConfig()), "posture.identity.admin_separation", tenantScope)
	if f.Status != NotAssessed || len(f.Missing) != 1 || f.Missing[0] != "RoleEligibilitySchedule.Read.Directory" {
		t.Errorf("got %s %v: %s", f.Status, f.Missing, f.Summary)
	}
	// The failing tenant still fails: what was read already shows it.
	c = loadTenant(t, "tenant-good", "tenant-bad")
	deny(c, "RoleEligibilitySchedule.Read.Directory", capture.KeyDirectoryEligible)
	f = findingFor(t, Run(build(t, c), testConfig()), "posture.identity.admin_separation", tenantScope)
	if f.Status != Fail || len(f.Missing) != 1 {
		t.Errorf("bad tenant: got %s %v", f.Status, f.Missing)
	}
}

// TestAbsentMeansNoneConfigured: a 404 on a setting the tenant never made
// is a complete answer (fail), while a 404 on a report is not.
func TestAbsentMeansNoneConfigured(t *testing.T) {
	t.Parallel()
	c := loadTenant(t, "tenant-good")
	c.Datasets[capture.KeyTransferPolicy] = &capture.Dataset{Key: capture.KeyTransferPolicy, Status: capture.Absent, HTTPStatus: 404}
	c.Datasets[capture.KeyRegistrationDetails] = &capture.Dataset{Key: capture.KeyRegistrationDetails, Status: capture.Absent, HTTPStatus: 404}
	fs := Run(build(t, c), testConfig())
	if f := findingFor(t, fs, "posture.subscription.transfer_policy", tenantScope); f.Status != Fail {
		t.Errorf("transfer policy never set: %s", f.Status)
	}
	if f := findingFor(t, fs, "posture.identity.mfa_registration", tenantScope); f.Status != NotAssessed {
		t.Errorf("registration report absent: %s", f.Status)
	}
}

// TestBreakGlassConfig: without the break-glass account configured, the
// good tenant's exclusion of it is an exclusion like any other.
func TestBreakGlassConfig(t *testing.T) {
	t.Parallel()
	s := build(t, loadTenant(t, "tenant-good"))
	f := findingFor(t, Run(s, DefaultConfig()), "posture.identity.admin_conditional_access", tenantScope)
	if f.Status != Fail || !strings.Contains(fmt.Sprint(f.Evidence), "breakglass@contoso.onmicrosoft.com") {
		t.Errorf("got %s %v", f.Status, f.Evidence)
	}
	cfg := DefaultConfig()
	cfg.BreakGlass = []string{"10000000-0000-4000-8000-000000000003"} // by object ID
	if f := findingFor(t, Run(s, cfg), "posture.identity.admin_conditional_access", tenantScope); f.Status != Pass {
		t.Errorf("by object ID: %s %v", f.Status, f.Evidence)
	}
}

// TestThresholdsAreConfig: the same tenant passes or fails by config alone.
func TestThresholdsAreConfig(t *testing.T) {
	t.Parallel()
	s := build(t, loadTenant(t, "tenant-good"))
	cfg := testConfig()
	cfg.ComputeRoles.Max = 2 // the good tenant has 3
	if f := findingFor(t, Run(s, cfg), "posture.rbac.compute_role_holders", prodScope); f.Status != Fail {
		t.Errorf("max 2: %s: %s", f.Status, f.Summary)
	}
	cfg = testConfig()
	cfg.Monitoring.RetentionDays = 400 // the central workspace keeps 365
	cfg.Monitoring.ActivityCategories = []string{"Administrative", "ServiceHealth"}
	// The storage archive only has Administrative/Security/Policy, so
	// ServiceHealth rests on the 365-day workspace alone: fail.
	if f := findingFor(t, Run(s, cfg), "posture.monitoring.activity_log_export", prodScope); f.Status != Fail {
		t.Errorf("retention 400: %s: %s", f.Status, f.Summary)
	}
	cfg = testConfig()
	cfg.Quota.HighCoreLimit = 20 // eastus has 20 unused regional vCPUs
	f := findingFor(t, Run(s, cfg), "posture.quota.unused_headroom", prodScope)
	if f.Status != Fail || len(f.Evidence) != 1 || f.Evidence[0].Subject != "eastus cores" {
		t.Errorf("limit 20: %s %v", f.Status, f.Evidence)
	}
	bad := build(t, loadTenant(t, "tenant-good", "tenant-bad"))
	cfg = testConfig()
	cfg.EvidenceLimit = 3 // the failing CA finding has 15 lines
	f = findingFor(t, Run(bad, cfg), "posture.identity.admin_conditional_access", tenantScope)
	if len(f.Evidence) != 4 || f.Evidence[3].Subject != "and 12 more" {
		t.Errorf("evidence cap: %v", f.Evidence)
	}
	cfg = testConfig()
	cfg.Severity = map[string]string{"posture.defender.plans": "low"}
	if f := findingFor(t, Run(s, cfg), "posture.defender.plans", prodScope); f.Severity != "low" {
		t.Errorf("severity override: %s", f.Severity)
	}
}

// A stolen service principal's sign-ins are a category of their own: an
// Entra export of the users' sign-ins and the audit log alone leaves the
// fan-out's way in unrecorded past 30 days, and the finding names it.
func TestServicePrincipalSignInsMustBeExported(t *testing.T) {
	t.Parallel()
	s := build(t, loadTenant(t, "tenant-good"))
	if f := findingFor(t, Run(s, testConfig()), "posture.monitoring.activity_log_export", tenantScope); f.Status != Pass {
		t.Fatalf("good tenant: %s: %s", f.Status, f.Summary)
	}
	for i := range s.EntraDiagnostics {
		d := &s.EntraDiagnostics[i]
		d.Logs = slices.DeleteFunc(d.Logs, func(l LogCategory) bool { return l.Category == "ServicePrincipalSignInLogs" })
	}
	f := findingFor(t, Run(s, testConfig()), "posture.monitoring.activity_log_export", tenantScope)
	if f.Status != Fail || !has(f, "Entra ServicePrincipalSignInLogs", "not exported") {
		t.Errorf("without service principals' sign-ins: %s %v", f.Status, f.Evidence)
	}
}

// has reports whether f holds evidence on subject whose detail says detail.
func has(f Finding, subject, detail string) bool {
	return slices.ContainsFunc(f.Evidence, func(e Evidence) bool {
		return e.Subject == subject && strings.Contains(e.Detail, detail)
	})
}

// TestSubscriptionNotAskedForIsNotJudged: `posture --subscription S` reads
// the tenant's subscription list but only S; every other listed
// subscription used to get a "not collected" finding per check. One whose
// data nobody read at all, while S's was, is left out; with no
// subscription's data read, each still says why it is not assessed.
func TestSubscriptionNotAskedForIsNotJudged(t *testing.T) {
	t.Parallel()
	const other = "dddddddd-4444-4444-8444-444444444444"
	c := loadTenant(t, "tenant-good")
	c.Datasets[capture.KeySubscriptions].Pages = append(c.Datasets[capture.KeySubscriptions].Pages, []byte(
		`{"value":[{"id":"/subscriptions/`+other+`","subscriptionId":"`+other+`","displayName":"Not asked for","state":"Enabled"}]}`))
	for _, f := range Run(build(t, c), testConfig()) {
		if f.Scope == "/subscriptions/"+other {
			t.Errorf("%s judged a subscription that was not read: %s: %s", f.Check, f.Status, f.Summary)
		}
	}
	only := &capture.Capture{Datasets: map[string]*capture.Dataset{capture.KeySubscriptions: c.Datasets[capture.KeySubscriptions]}}
	f := findingFor(t, Run(build(t, only), testConfig()), "posture.defender.plans", "/subscriptions/"+other)
	if f.Status != NotAssessed || !strings.Contains(f.Summary, "not collected") {
		t.Errorf("nothing read anywhere: %s: %s; want not assessed, not collected", f.Status, f.Summary)
	}
}

// TestUsageWithoutCurrentValueIsUnknown: a usage counter the API gave no
// currentValue (or a null one) was taken as 0 in use, so an unread GPU
// family was reported as unused headroom, or a tenant passed on it. It is
// unknown: a failure still stands on what was read and says how many were
// not judged; a pass becomes not assessed.
func TestUsageWithoutCurrentValueIsUnknown(t *testing.T) {
	t.Parallel()
	eastus := capture.Key(capture.KeyComputeUsages, subProd, "eastus")
	westeurope := capture.Key(capture.KeyComputeUsages, subProd, "westeurope")
	page := func(items ...string) []byte {
		return []byte(`{"value":[` + strings.Join(items, ",") + `]}`)
	}
	const (
		ndsNoCurrent   = `{"unit":"Count","limit":24,"name":{"value":"standardNDSFamily","localizedValue":"Standard NDS Family vCPUs"}}`
		ndsNullCurrent = `{"unit":"Count","currentValue":null,"limit":24,"name":{"value":"standardNDSFamily","localizedValue":"Standard NDS Family vCPUs"}}`
		coresNoLimit   = `{"unit":"Count","currentValue":0,"name":{"value":"cores","localizedValue":"Total Regional vCPUs"}}`
		// Neither can be headroom whatever their usage: a small
		// non-GPU family, a GPU family with no quota.
		smallNoCurrent = `{"unit":"Count","limit":10,"name":{"value":"standardDSv5Family","localizedValue":"Standard DSv5 Family vCPUs"}}`
		gpuZeroLimit   = `{"unit":"Count","limit":0,"name":{"value":"standardNCFamily","localizedValue":"Standard NC Family vCPUs"}}`
	)
	tests := []struct {
		name     string
		tenants  []string
		key      string
		page     []byte
		status   Status
		summary  string
		evidence Evidence
	}{
		{"GPU family without currentValue on a clean tenant", []string{"tenant-good"}, eastus, page(ndsNoCurrent),
			NotAssessed, "not assessed: 1 counter with no usage or limit in the response not judged",
			Evidence{"eastus standardNDSFamily", "GPU family: limit 24, no currentValue in the response; usage unknown, not judged"}},
		{"null currentValue", []string{"tenant-good"}, eastus, page(ndsNullCurrent),
			NotAssessed, "among the rest, no unused GPU quota",
			Evidence{"eastus standardNDSFamily", "no currentValue"}},
		{"region total without a limit", []string{"tenant-good"}, eastus, page(coresNoLimit),
			NotAssessed, "1 counter with no usage",
			Evidence{"eastus cores", "total regional vCPUs: used 0, no limit in the response; headroom unknown"}},
		{"counters that cannot be headroom", []string{"tenant-good"}, eastus, page(smallNoCurrent, gpuZeroLimit),
			Pass, "no unused GPU quota", Evidence{}},
		// tenant-bad's westeurope GPU family (limit 64) loses its
		// currentValue: the three other unused quotas still fail.
		{"failure stands on what was read", []string{"tenant-good", "tenant-bad"}, westeurope, page(
			`{"unit":"Count","currentValue":16,"limit":350,"name":{"value":"cores"}}`,
			`{"unit":"Count","limit":"64","name":{"value":"Standard NCASv3_T4 Family"}}`,
			`{"unit":"Count","currentValue":0,"limit":350,"name":{"value":"lowPriorityCores"}}`),
			Fail, "3 unused quotas with 574 vCPUs of headroom across 2 regions; 1 counter with no usage or limit in the response not judged",
			Evidence{"westeurope Standard NCASv3_T4 Family", "GPU family: limit 64, no currentValue"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := loadTenant(t, tc.tenants...)
			c.Datasets[tc.key].Pages = [][]byte{tc.page}
			f := findingFor(t, Run(build(t, c), testConfig()), "posture.quota.unused_headroom", prodScope)
			if f.Status != tc.status || !strings.Contains(f.Summary, tc.summary) {
				t.Errorf("got %s: %q; want %s: %q", f.Status, f.Summary, tc.status, tc.summary)
			}
			if tc.evidence.Subject != "" && !has(f, tc.evidence.Subject, tc.evidence.Detail) {
				t.Errorf("no evidence %q ~ %q in %v", tc.evidence.Subject, tc.evidence.Detail, f.Evidence)
			}
			if tc.status == Fail && has(f, tc.evidence.Subject, "lower the limit") {
				t.Errorf("%s is reported as unused headroom: %v", tc.evidence.Subject, f.Evidence)
			}
		})
	}
}

// rescoped rewrites the good tenant's alerts, held in Production and
// scoped to it, to scope them to scope instead; with holder set, it moves
// them to the list of that subscription, as a central monitoring team
// keeps them.
func rescoped(t *testing.T, c *capture.Capture, scope, holder string) {
	t.Helper()
	key := capture.Key(capture.KeyActivityLogAlerts, subProd)
	ds := c.Datasets[key]
	page := strings.ReplaceAll(string(ds.Pages[0]), `"/subscriptions/`+subProd+`"`, `"`+scope+`"`)
	if page == string(ds.Pages[0]) && scope != "/subscriptions/"+subProd {
		t.Fatal("no alert scope rewritten")
	}
	if holder != "" {
		// The rules' and action groups' IDs name the subscription holding them.
		page = strings.ReplaceAll(page, `"/subscriptions/`+subProd+`/`, `"/subscriptions/`+holder+`/`)
		c.Datasets[capture.Key(capture.KeyActivityLogAlerts, holder)] = &capture.Dataset{Key: capture.Key(capture.KeyActivityLogAlerts, holder), Status: capture.OK, Pages: [][]byte{[]byte(page)}}
		page = `{"value":[]}`
	}
	ds.Pages = [][]byte{[]byte(page)}
}

// TestAlertRulesWatchOnlyTheSubscriptionThatHoldsThem: Azure runs an
// activity log alert rule only on the activity log of the subscription
// that holds it, for events whose resource ID its scopes prefix. A rule
// scoped to a management group counted for the subscriptions under it;
// it fires for none of their operations, and neither does a rule a
// central monitoring subscription holds, whatever it is scoped to. Such
// rules fail the check, named with the subscription holding them and why,
// whether or not the hierarchy or the central subscription could be read.
func TestAlertRulesWatchOnlyTheSubscriptionThatHoldsThem(t *testing.T) {
	t.Parallel()
	const check = "posture.monitoring.quota_and_compute_alerts"
	const perm = "Test.Permission/denied"
	const group = "/providers/Microsoft.Management/managementGroups/"
	const vm = "Microsoft.Compute/virtualMachines/write"
	const root = "cccccccc-3333-4333-8333-333333333333"
	failed := "5 of 5 quota and compute operations raise no alert"
	tests := []struct {
		name    string
		scope   string // the rules' scope
		holder  string // the subscription holding them; "" for Production
		edit    func(c *capture.Capture)
		status  Status
		summary string
		detail  string // on the VM creation's evidence
	}{
		{"held and scoped in the subscription", "/subscriptions/" + subProd, "", nil, Pass, "all 5", "alerted by vm-create"},
		{"scoped to a group above the subscription", group + "landing-zones", "", nil, Fail,
			failed + "; 3 alert rules aimed at it from another subscription or a management group see none of its operations",
			"rule vm-create is scoped to management group landing-zones, but a rule fires only for events whose resource ID starts with its scope, and this subscription's start with /subscriptions/" + subProd},
		// The verdict no longer hangs on the hierarchy.
		{"scoped to a group, the hierarchy refused", group + "landing-zones", "", func(c *capture.Capture) {
			deny(c, perm, capture.KeyManagementGroupEntities)
		}, Fail, failed, "rule vm-create is scoped to management group landing-zones"},
		{"held in a monitoring subscription, scoped to this one", "/subscriptions/" + subProd, subLogging, nil, Fail, failed + "; 3 alert rules",
			"rule vm-create in subscription Logging (" + subLogging + ") is scoped to this subscription, but a rule watches only the subscription that holds it"},
		{"held in a monitoring subscription, scoped to a group above", group + "contoso", subLogging, nil, Fail, failed,
			"rule vm-create in subscription Logging (" + subLogging + ") is scoped to management group contoso above it, but a rule watches only the subscription that holds it"},
		{"held elsewhere, scoped to the root group, the hierarchy refused", group + root, subLogging, func(c *capture.Capture) {
			deny(c, perm, capture.KeyManagementGroupEntities)
		}, Fail, failed, "is scoped to management group " + root + " above it"},
		{"held elsewhere, scoped to a group the subscription is not under", group + "sandbox", subLogging, nil, Fail, failed, "no enabled alert with an action group (compute creation)"},
		// What another subscription holds cannot watch this one: its list
		// refused leaves the failure certain.
		{"the monitoring subscription's rules refused", "/subscriptions/" + subProd, subLogging, func(c *capture.Capture) {
			deny(c, perm, capture.Key(capture.KeyActivityLogAlerts, subLogging))
		}, Fail, failed, "no enabled alert with an action group (compute creation)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := loadTenant(t, "tenant-good")
			rescoped(t, c, tc.scope, tc.holder)
			if tc.edit != nil {
				tc.edit(c)
			}
			f := findingFor(t, Run(build(t, c), testConfig()), check, prodScope)
			if f.Status != tc.status || !strings.HasPrefix(f.Summary, tc.summary) || len(f.Missing) > 0 {
				t.Errorf("got %s %v: %q; want %s: %q", f.Status, f.Missing, f.Summary, tc.status, tc.summary)
			}
			if !has(f, vm, tc.detail) {
				t.Errorf("no evidence on %s saying %q: %v", vm, tc.detail, f.Evidence)
			}
			if tc.detail == "no enabled alert with an action group (compute creation)" && has(f, vm, "rule ") {
				t.Errorf("a rule named that is not aimed at the subscription: %v", f.Evidence)
			}
		})
	}
}
