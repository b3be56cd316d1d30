package fields_test

import (
	"testing"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/fields"
	"github.com/mamori-sec/mamori/internal/samples"
	"github.com/mamori-sec/mamori/internal/sigma"
)

// TestSigmaHQRulesOnShapes runs SigmaHQ's own Azure rules (from the shared
// corpus) on events in the shapes the rules were not written for, which is
// what the alias table is for.
func TestSigmaHQRulesOnShapes(t *testing.T) {
	t.Parallel()
	signInLAFailed := `{"Category":"SignInLogs","ResultType":"500121","ResultDescription":"Authentication failed during strong authentication request.","Type":"SigninLogs"}`
	tests := []struct {
		name string
		rule string // path under sigmahq/rules/cloud/azure
		ev   event.Event
		raw  string
		want bool
	}{
		{name: "NSG write in the REST shape", rule: "activity_logs/azure_network_security_modified_or_deleted.yml",
			ev:  event.Event{Kind: event.KindActivity, Operation: "microsoft.network/networksecuritygroups/write"},
			raw: `{"operationName":{"value":"Microsoft.Network/networkSecurityGroups/write","localizedValue":"Create or Update Network Security Group"}}`, want: true},
		{name: "NSG write in a diagnostic record without typed operation", rule: "activity_logs/azure_network_security_modified_or_deleted.yml",
			ev: event.Event{Kind: event.KindActivity}, raw: activityDiag, want: true},
		{name: "VM write is no NSG write", rule: "activity_logs/azure_network_security_modified_or_deleted.yml",
			ev: event.Event{Kind: event.KindActivity, Operation: "microsoft.compute/virtualmachines/write"}, raw: `{}`, want: false},
		{name: "AD FS server added in Log Analytics", rule: "activity_logs/azure_aadhybridhealth_adfs_new_server.yml",
			ev: event.Event{Kind: event.KindActivity, Category: "Administrative", Operation: "microsoft.adhybridhealthservice/services/servicemembers/action"}, raw: activityLA, want: true},
		{name: "rare operation keyword", rule: "activity_logs/azure_rare_operations.yml",
			ev:  event.Event{Kind: event.KindActivity},
			raw: `{"operationName":"MICROSOFT.STORAGE/STORAGEACCOUNTS/LISTKEYS/ACTION","category":"Administrative"}`, want: true},
		{name: "MFA denied in a diagnostic sign-in", rule: "signin_logs/azure_mfa_denies.yml",
			ev: event.Event{Kind: event.KindSignIn, Outcome: event.OutcomeFailed}, raw: signInDiag, want: true},
		{name: "MFA interrupted in Log Analytics", rule: "signin_logs/azure_mfa_interrupted.yml",
			ev: event.Event{Kind: event.KindSignIn, Outcome: event.OutcomeFailed}, raw: signInLAFailed, want: true},
		{name: "single factor from unknown device in Log Analytics", rule: "signin_logs/azure_ad_risky_sign_ins_with_singlefactorauth_from_unknown_devices.yml",
			ev: event.Event{Kind: event.KindSignIn, Outcome: event.OutcomeSucceeded}, raw: signInLA, want: true},
		{name: "single factor from unknown device with a trust type", rule: "signin_logs/azure_ad_risky_sign_ins_with_singlefactorauth_from_unknown_devices.yml",
			ev:  event.Event{Kind: event.KindSignIn, Outcome: event.OutcomeSucceeded},
			raw: `{"AuthenticationRequirement":"singleFactorAuthentication","RiskState":"atRisk","DeviceDetail":"{\"trustType\":\"Azure AD joined\"}"}`, want: false},
		{name: "AzureHound user agent", rule: "signin_logs/azure_ad_azurehound_discovery.yml",
			ev: event.Event{Kind: event.KindSignIn}, raw: `{"properties":{"userAgent":"azurehound/v2.1","status":{"errorCode":0}}}`, want: true},
		{name: "application credential added in Log Analytics", rule: "audit_logs/azure_app_credential_added.yml",
			ev: event.Event{Kind: event.KindAudit, Audit: &event.Audit{Activity: "Update application – Certificates and secrets management "}}, raw: auditLA, want: true},
		{name: "device admin role added in a diagnostic audit", rule: "audit_logs/azure_ad_users_added_to_device_admin_roles.yml",
			ev: event.Event{Kind: event.KindAudit, Category: "RoleManagement", Operation: "add member to role"}, raw: auditDiag, want: true},
		{name: "LAPS password recovered", rule: "audit_logs/azure_auditlogs_laps_credential_dumping.yml",
			ev:  event.Event{Kind: event.KindAudit, Category: "Device", Audit: &event.Audit{Activity: "Recover device local administrator password"}},
			raw: auditDiag, want: true},
	}
	dir := samples.Dir(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rules, err := sigma.ParseFile(dir + "/sigmahq/rules/cloud/azure/" + tc.rule)
			if err != nil || len(rules) != 1 {
				t.Fatalf("%s: %v", tc.rule, err)
			}
			r := fields.New()
			c, err := sigma.Compile(rules[0], r, nil)
			if err != nil {
				t.Fatal(err)
			}
			ev := tc.ev
			ev.Raw = record(t, tc.raw)
			e := r.NewEvent()
			e.Reset(&ev)
			if got := c.Match(e); got != tc.want {
				t.Errorf("%s matched %v, want %v", tc.rule, got, tc.want)
			}
		})
	}
}
