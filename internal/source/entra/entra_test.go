package entra

import (
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// Identifiers shared by the synthetic fixtures.
const (
	tenant    = "11111111-aaaa-4bbb-8ccc-000000000001"
	workspace = "33333333-cccc-4ddd-8eee-000000000003" // every Log Analytics row's TenantId: never a tenant
	adaID     = "0a0a0a0a-1111-4222-8333-444444444444"
	adaUPN    = "ada@contoso.example"
	armID     = "797f4846-ba00-4fd7-ba43-dac1f8f63013"
	armName   = "Windows Azure Service Management API"
	spID      = "6c6c6c6c-3333-4444-8555-666666666666"
	spAppID   = "5b5b5b5b-2222-4333-8444-555555555555"
	miID      = "9b9b9b9b-6666-4777-8888-999999999999"
	miAppID   = "7a7a7a7a-5555-4666-8777-888888888888"
	malloryID = "8e8e8e8e-4444-4555-8666-777777777777"
	guestUPN  = "mallory_evil.example#EXT#@contoso.onmicrosoft.com"
	elevation = "user has elevated their access to user access administrator for their azure resources"
)

var (
	csvSignIns = record.Hint{Format: "csv", Table: "SigninLogs"}
	csvAudit   = record.Hint{Format: "csv", Table: "AuditLogs"}
	jsonHint   = record.Hint{Format: "json"}
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func ip(s string) netip.Addr { return netip.MustParseAddr(s) }

// decodeOne detects and decodes one record, failing the test on a parse
// error: fixtures are valid JSON.
func decodeOne(t *testing.T, data []byte, h record.Hint) (string, bool, []event.Event, error) {
	t.Helper()
	var p fastjson.Parser
	v, err := p.ParseBytes(data)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	shape, ok := Detect(v, h)
	if !ok {
		return "", false, nil, nil
	}
	var sc record.Scratch
	evs, err := Decode(&sc, v, shape, nil)
	for i := range evs {
		evs[i].Raw = nil
	}
	return shape, true, evs, err
}

func TestDecodeFixtures(t *testing.T) {
	t.Parallel()
	ok := event.OutcomeSucceeded
	failed := event.OutcomeFailed
	tests := []struct {
		name string
		file string
		hint record.Hint
		want event.Event
	}{
		{
			name: "Graph v1.0 interactive portal sign-in yields a user sign-in to ARM",
			file: "signin_graph_user.json", hint: jsonHint,
			want: event.Event{
				Time: at("2024-05-02T08:15:30.1234567Z"), Kind: event.KindSignIn, Shape: "signin.graph",
				ID: "4f1c2a3b-0000-4000-8000-00000000a001", Operation: "sign-in activity", Category: "SignInLogs",
				Outcome: ok, Status: "0", CorrelationID: "9e9e9e9e-0000-4000-8000-000000000001",
				Principal: event.Principal{ID: adaID, UPN: adaUPN, Name: "Ada Example", Type: "User"},
				SourceIP:  ip("203.0.113.10"),
				SignIn: &event.SignIn{
					Category: "SignInLogs", AppID: "c44b4083-3bb0-49c1-b47d-974e53cbdf3c", AppName: "Azure Portal",
					Resource: armName, ResourceID: armID, RiskLevel: "none", RiskLevelAggregated: "none", RiskState: "none",
					ConditionalAccess: "success", ClientApp: "Browser", Country: "PT", Interactive: true,
				},
			},
		},
		{
			name: "Graph beta service principal sign-in is typed by signInEventTypes",
			file: "signin_graph_beta_sp.json", hint: jsonHint,
			want: event.Event{
				Time: at("2024-05-02T09:00:00Z"), Kind: event.KindSignIn, Shape: "signin.graph",
				ID: "4f1c2a3b-0000-4000-8000-00000000a002", Tenant: tenant, Operation: "sign-in activity",
				Category: "ServicePrincipalSignInLogs", Outcome: ok, Status: "0",
				CorrelationID: "9e9e9e9e-0000-4000-8000-000000000002",
				Principal:     event.Principal{ID: spID, Name: "deploy-pipeline", Type: "ServicePrincipal", AppID: spAppID},
				SourceIP:      ip("198.51.100.23"),
				SignIn: &event.SignIn{
					Category: "ServicePrincipalSignInLogs", AppID: spAppID, AppName: "deploy-pipeline",
					Resource: armName, ResourceID: armID, FailureReason: "Other.", RiskLevel: "none",
					RiskLevelAggregated: "none", RiskState: "none", AuthRequirement: "singleFactorAuthentication",
					ConditionalAccess: "notApplied", Country: "NL", HomeTenantID: tenant, ResourceTenantID: tenant,
				},
			},
		},
		{
			name: "Graph beta risky guest sign-in keeps riskEventTypes_v2 and the home tenant",
			file: "signin_graph_beta_risky_guest.json", hint: jsonHint,
			want: event.Event{
				Time: at("2024-05-03T22:41:07.5Z"), Kind: event.KindSignIn, Shape: "signin.graph",
				ID: "4f1c2a3b-0000-4000-8000-00000000a003", Tenant: tenant, Operation: "sign-in activity",
				Category: "SignInLogs", Outcome: ok, Status: "0", CorrelationID: "9e9e9e9e-0000-4000-8000-000000000003",
				Principal: event.Principal{
					ID: "8e8e8e8e-4444-4555-8666-777777777777", UPN: "partner_fabrikam.example#EXT#@contoso.onmicrosoft.com",
					Name: "Guest Partner", Type: "Guest", TenantID: "22222222-bbbb-4ccc-8ddd-000000000002",
				},
				SourceIP: ip("2001:db8::42"),
				SignIn: &event.SignIn{
					Category: "SignInLogs", AppID: "04b07795-8ddb-461a-bbee-02f9e1bf7b46", AppName: "Microsoft Azure CLI",
					Resource: armName, ResourceID: armID, RiskLevel: "high", RiskLevelAggregated: "medium",
					RiskState: "atRisk", RiskEventTypes: []string{"unlikelyTravel", "anonymizedIPAddress"},
					AuthRequirement: "singleFactorAuthentication", ConditionalAccess: "notApplied",
					ClientApp: "Mobile Apps and Desktop clients", UserAgent: "python-requests/2.31.0", Country: "RO",
					HomeTenantID: "22222222-bbbb-4ccc-8ddd-000000000002", ResourceTenantID: tenant, Interactive: true,
				},
			},
		},
		{
			name: "diagnostic failed password sign-in yields error 50126 as a failure",
			file: "signin_diag_user_failed.json", hint: jsonHint,
			want: event.Event{
				Time: at("2024-05-04T03:12:45Z"), Kind: event.KindSignIn, Shape: "signin.diagnostic",
				ID: "4f1c2a3b-0000-4000-8000-00000000a004", Tenant: tenant, Operation: "sign-in activity",
				Category: "SignInLogs", Outcome: failed, Status: "50126",
				StatusMessage: "Error validating credentials due to invalid username or password.",
				CorrelationID: "9e9e9e9e-0000-4000-8000-000000000004",
				Principal:     event.Principal{ID: adaID, UPN: adaUPN, Name: "Ada Example", Type: "User"},
				SourceIP:      ip("192.0.2.77"),
				SignIn: &event.SignIn{
					Category: "SignInLogs", AppID: "1950a258-227b-4e31-a9cf-717495945fc2", AppName: "Microsoft Azure PowerShell",
					Resource: armName, ResourceID: armID, ErrorCode: 50126,
					FailureReason: "  Error validating credentials due to invalid username or password.  ",
					RiskLevel:     "none", RiskLevelAggregated: "none", RiskState: "none",
					AuthRequirement: "singleFactorAuthentication", ConditionalAccess: "notApplied",
					ClientApp: "Mobile Apps and Desktop clients",
					UserAgent: "Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/5.1",
					Country:   "BR", HomeTenantID: tenant, ResourceTenantID: tenant, Interactive: true,
				},
			},
		},
		{
			name: "diagnostic non-interactive sign-in keeps its category",
			file: "signin_diag_noninteractive.json", hint: jsonHint,
			want: event.Event{
				Time: at("2024-05-04T04:00:01.5Z"), Kind: event.KindSignIn, Shape: "signin.diagnostic",
				ID: "4f1c2a3b-0000-4000-8000-00000000a005", Tenant: tenant, Operation: "sign-in activity",
				Category: "NonInteractiveUserSignInLogs", Outcome: ok, Status: "0",
				CorrelationID: "9e9e9e9e-0000-4000-8000-000000000005",
				Principal:     event.Principal{ID: adaID, UPN: adaUPN, Name: "Ada Example", Type: "User"},
				SourceIP:      ip("192.0.2.78"),
				SignIn: &event.SignIn{
					Category: "NonInteractiveUserSignInLogs", AppID: "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
					AppName: "Microsoft Azure CLI", Resource: armName, ResourceID: armID, Country: "PT",
				},
			},
		},
		{
			name: "diagnostic service principal sign-in with a bad secret is a failed SP sign-in",
			file: "signin_diag_sp.json", hint: jsonHint,
			want: event.Event{
				Time: at("2024-05-04T05:10:00Z"), Kind: event.KindSignIn, Shape: "signin.diagnostic",
				ID: "4f1c2a3b-0000-4000-8000-00000000a006", Tenant: tenant, Operation: "sign-in activity",
				Category: "ServicePrincipalSignInLogs", Outcome: failed, Status: "7000215",
				StatusMessage: "Invalid client secret provided.", CorrelationID: "9e9e9e9e-0000-4000-8000-000000000006",
				Principal: event.Principal{ID: spID, Name: "deploy-pipeline-sp", Type: "ServicePrincipal", AppID: spAppID},
				SourceIP:  ip("198.51.100.99"),
				SignIn: &event.SignIn{
					Category: "ServicePrincipalSignInLogs", AppID: spAppID, AppName: "deploy-pipeline",
					Resource: "Microsoft Graph", ResourceID: "00000003-0000-0000-c000-000000000000", ErrorCode: 7000215,
					FailureReason: "Invalid client secret provided.", Country: "US",
				},
			},
		},
		{
			name: "diagnostic managed identity sign-in has no source address",
			file: "signin_diag_mi.json", hint: jsonHint,
			want: event.Event{
				Time: at("2024-05-04T06:20:00Z"), Kind: event.KindSignIn, Shape: "signin.diagnostic",
				ID: "4f1c2a3b-0000-4000-8000-00000000a007", Tenant: tenant, Operation: "sign-in activity",
				Category: "ManagedIdentitySignInLogs", Outcome: ok, Status: "0",
				CorrelationID: "9e9e9e9e-0000-4000-8000-000000000007",
				Principal:     event.Principal{ID: miID, Name: "vmss-worker-identity", Type: "ManagedIdentity", AppID: miAppID},
				SignIn: &event.SignIn{
					Category: "ManagedIdentitySignInLogs", AppID: miAppID, AppName: "vmss-worker-identity",
					Resource: "Azure Key Vault", ResourceID: "cfa8b339-82a2-471a-a3c9-0fc0be7a4093",
				},
			},
		},
		{
			name: "Log Analytics SigninLogs row reads the directory tenant, not the workspace",
			file: "signin_la_user.json", hint: jsonHint,
			want: event.Event{
				Time: at("2024-05-05T10:00:00.123Z"), Kind: event.KindSignIn, Shape: "signin.loganalytics",
				ID: "4f1c2a3b-0000-4000-8000-00000000a008", Tenant: tenant, Operation: "sign-in activity",
				Category: "SignInLogs", Outcome: ok, Status: "0", CorrelationID: "9e9e9e9e-0000-4000-8000-000000000008",
				Principal: event.Principal{ID: adaID, UPN: adaUPN, Name: "Ada Example", Type: "User"},
				SourceIP:  ip("203.0.113.10"),
				SignIn: &event.SignIn{
					Category: "SignInLogs", AppID: "c44b4083-3bb0-49c1-b47d-974e53cbdf3c", AppName: "Azure Portal",
					Resource: armName, ResourceID: armID, RiskLevel: "none", RiskLevelAggregated: "none", RiskState: "none",
					AuthRequirement: "multiFactorAuthentication", ConditionalAccess: "success", ClientApp: "Browser",
					UserAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64)", Country: "PT",
					HomeTenantID: tenant, ResourceTenantID: tenant, Interactive: true,
				},
			},
		},
		{
			name: "az CLI non-interactive row with dynamic columns as strings yields a revoked-grant failure",
			file: "signin_la_cli_noninteractive.json", hint: record.Hint{Format: "json", Table: "PrimaryResult"},
			want: event.Event{
				Time: at("2024-05-05T11:30:00Z"), Kind: event.KindSignIn, Shape: "signin.loganalytics",
				ID: "4f1c2a3b-0000-4000-8000-00000000a009", Tenant: tenant, Operation: "sign-in activity",
				Category: "NonInteractiveUserSignInLogs", Outcome: failed, Status: "50173",
				StatusMessage: "The provided grant has expired due to it being revoked, a fresh auth token is needed.",
				CorrelationID: "9e9e9e9e-0000-4000-8000-000000000009",
				Principal:     event.Principal{ID: adaID, UPN: adaUPN, Name: "Ada Example", Type: "User"},
				SourceIP:      ip("203.0.113.11"),
				SignIn: &event.SignIn{
					Category: "NonInteractiveUserSignInLogs", AppID: "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
					AppName: "Microsoft Azure CLI", Resource: armName, ResourceID: armID, ErrorCode: 50173,
					FailureReason: "The provided grant has expired due to it being revoked, a fresh auth token is needed.",
					RiskLevel:     "none", ConditionalAccess: "notApplied", Country: "PT",
					HomeTenantID: tenant, ResourceTenantID: tenant,
				},
			},
		},
		{
			name: "CSV SigninLogs row of strings reads the _dynamic columns and the portal time",
			file: "signin_la_csv_risky.json", hint: csvSignIns,
			want: event.Event{
				Time: at("2024-05-06T01:02:03.456Z"), Kind: event.KindSignIn, Shape: "signin.loganalytics",
				ID: "4f1c2a3b-0000-4000-8000-00000000a00a", Tenant: tenant, Operation: "sign-in activity",
				Category: "SignInLogs", Outcome: ok, Status: "0", CorrelationID: "9e9e9e9e-0000-4000-8000-00000000000a",
				Principal: event.Principal{ID: adaID, UPN: adaUPN, Name: "Ada Example", Type: "User"},
				SourceIP:  ip("192.0.2.200"),
				SignIn: &event.SignIn{
					Category: "SignInLogs", AppID: "c44b4083-3bb0-49c1-b47d-974e53cbdf3c", AppName: "Azure Portal",
					Resource: armName, ResourceID: armID, RiskLevel: "high", RiskLevelAggregated: "high", RiskState: "atRisk",
					RiskEventTypes:  []string{"anonymizedIPAddress", "newCountry"},
					AuthRequirement: "singleFactorAuthentication", ConditionalAccess: "notApplied", ClientApp: "Browser",
					UserAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0", Country: "NG",
					HomeTenantID: tenant, ResourceTenantID: tenant, Interactive: true,
				},
			},
		},
		{
			// Its table has no AADTenantId nor ResourceTenantId, and its
			// TenantId is the workspace's: no tenant.
			name: "AADServicePrincipalSignInLogs row without Status takes the code from ResultType, and names no tenant",
			file: "signin_la_sp.json", hint: jsonHint,
			want: event.Event{
				Time: at("2024-05-06T02:00:00Z"), Kind: event.KindSignIn, Shape: "signin.loganalytics",
				ID: "4f1c2a3b-0000-4000-8000-00000000a00b", Operation: "sign-in activity",
				Category: "ServicePrincipalSignInLogs", Outcome: failed, Status: "7000215",
				StatusMessage: "Invalid client secret provided.", CorrelationID: "9e9e9e9e-0000-4000-8000-00000000000b",
				Principal: event.Principal{ID: spID, Name: "deploy-pipeline", Type: "ServicePrincipal", AppID: spAppID},
				SourceIP:  ip("198.51.100.99"),
				SignIn: &event.SignIn{
					Category: "ServicePrincipalSignInLogs", AppID: spAppID, Resource: "Microsoft Graph",
					ResourceID: "00000003-0000-0000-c000-000000000000", ErrorCode: 7000215,
					FailureReason: "Invalid client secret provided.", ConditionalAccess: "notApplied", Country: "US",
				},
			},
		},
		{
			name: "AADManagedIdentitySignInLogs row yields a managed identity principal",
			file: "signin_la_mi.json", hint: jsonHint,
			want: event.Event{
				Time: at("2024-05-06T03:00:00Z"), Kind: event.KindSignIn, Shape: "signin.loganalytics",
				ID: "4f1c2a3b-0000-4000-8000-00000000a00c", Operation: "sign-in activity",
				Category: "ManagedIdentitySignInLogs", Outcome: ok, Status: "0",
				CorrelationID: "9e9e9e9e-0000-4000-8000-00000000000c",
				Principal:     event.Principal{ID: miID, Name: "vmss-worker-identity", Type: "ManagedIdentity", AppID: miAppID},
				SignIn: &event.SignIn{
					Category: "ManagedIdentitySignInLogs", AppID: miAppID, Resource: "Azure Key Vault",
					ResourceID: "cfa8b339-82a2-471a-a3c9-0fc0be7a4093",
				},
			},
		},
		{
			name: "Graph guest invite names the invited guest as target and the inviter's address",
			file: "audit_graph_invite.json", hint: jsonHint,
			want: event.Event{
				Time: at("2024-05-07T12:00:00.5Z"), Kind: event.KindAudit, Shape: "audit.graph",
				ID: "Directory_0b0b0b0b-0000-4000-8000-000000000001_ABCDE_1234", Operation: "invite external user",
				Category: "UserManagement", Outcome: ok, Status: "success",
				CorrelationID: "0b0b0b0b-0000-4000-8000-000000000001",
				Principal:     event.Principal{ID: adaID, UPN: adaUPN, Type: "User"},
				SourceIP:      ip("203.0.113.10"),
				Audit: &event.Audit{
					Activity: "Invite external user", Category: "UserManagement", Service: "Invited Users", Result: "success",
					Targets: []event.Target{{ID: malloryID, Name: guestUPN, Type: "User"}},
				},
			},
		},
		{
			name: "Graph elevate-access audit record grants User Access Administrator at root",
			file: "audit_graph_elevate.json", hint: jsonHint,
			want: event.Event{
				Time: at("2024-05-07T12:05:00Z"), Kind: event.KindAudit, Shape: "audit.graph",
				ID: "AzureRBAC_elevate_0001", Operation: elevation, Category: "AzureRBACRoleManagementElevateAccess",
				Outcome: ok, Status: "success", CorrelationID: "0b0b0b0b-0000-4000-8000-000000000002",
				Principal: event.Principal{ID: adaID, UPN: adaUPN, Name: "Ada Example", Type: "User"},
				SourceIP:  ip("203.0.113.66"),
				Role: &event.RoleAssignment{
					RoleDefinitionID: roleUAAID, RoleName: "User Access Administrator", PrincipalID: adaID,
					PrincipalType: "User", Scope: "/",
				},
				Audit: &event.Audit{
					Activity: "User has elevated their access to User Access Administrator for their Azure Resources",
					Category: "AzureRBACRoleManagementElevateAccess", Service: "Azure RBAC (Elevated Access)",
					Result: "success",
				},
			},
		},
		{
			name: "diagnostic add member to role reads the role from modified properties",
			file: "audit_diag_role_add.json", hint: jsonHint,
			want: event.Event{
				Time: at("2024-05-08T07:00:00Z"), Kind: event.KindAudit, Shape: "audit.diagnostic",
				ID: "Directory_0b0b0b0b-0000-4000-8000-000000000003_XYZ_42", Tenant: tenant, Operation: "add member to role",
				Category: "RoleManagement", Outcome: ok, Status: "success",
				CorrelationID: "0b0b0b0b-0000-4000-8000-000000000003",
				Principal:     event.Principal{ID: adaID, UPN: adaUPN, Type: "User"},
				SourceIP:      ip("203.0.113.10"),
				Role: &event.RoleAssignment{
					RoleDefinitionID: "62e90394-69f5-4237-9190-012177145e10", RoleName: "Global Administrator",
					PrincipalID: malloryID, PrincipalType: "User",
				},
				Audit: &event.Audit{
					Activity: "Add member to role", Category: "RoleManagement", Service: "Core Directory", Result: "success",
					Targets: []event.Target{
						{ID: malloryID, Name: guestUPN, Type: "User"},
						{ID: "5e5e5e5e-0000-4000-8000-000000000000", Type: "Role"},
					},
				},
			},
		},
		{
			name: "diagnostic elevate-access record under AuditLogs keeps the elevate category",
			file: "audit_diag_elevate.json", hint: jsonHint,
			want: event.Event{
				Time: at("2024-05-08T07:30:00Z"), Kind: event.KindAudit, Shape: "audit.diagnostic",
				ID: "AzureRBAC_elevate_0002", Tenant: tenant, Operation: elevation,
				Category: "AzureRBACRoleManagementElevateAccess", Outcome: ok, Status: "success",
				CorrelationID: "0b0b0b0b-0000-4000-8000-000000000004",
				Principal:     event.Principal{ID: adaID, UPN: adaUPN, Type: "User"},
				SourceIP:      ip("203.0.113.66"),
				Role: &event.RoleAssignment{
					RoleDefinitionID: roleUAAID, RoleName: "User Access Administrator", PrincipalID: adaID,
					PrincipalType: "User", Scope: "/",
				},
				Audit: &event.Audit{
					Activity: "User has elevated their access to User Access Administrator for their Azure Resources",
					Category: "AzureRBACRoleManagementElevateAccess", Service: "Azure RBAC (Elevated Access)",
					Result: "success",
				},
			},
		},
		{
			name: "Log Analytics PIM activation reads the role target and the user holding it",
			file: "audit_la_pim_activation.json", hint: jsonHint,
			want: event.Event{
				Time: at("2024-05-08T08:00:00Z"), Kind: event.KindAudit, Shape: "audit.loganalytics",
				ID: "PIM_0b0b0b0b_0005", Tenant: tenant, Operation: "add member to role completed (pim activation)",
				Category: "RoleManagement", Outcome: ok, Status: "success",
				CorrelationID: "0b0b0b0b-0000-4000-8000-000000000005",
				Principal:     event.Principal{ID: adaID, UPN: adaUPN, Name: "Ada Example", Type: "User"},
				SourceIP:      ip("203.0.113.10"),
				Role: &event.RoleAssignment{
					RoleDefinitionID: "62e90394-69f5-4237-9190-012177145e10", RoleName: "Global Administrator",
					PrincipalID: adaID, PrincipalType: "User",
				},
				Audit: &event.Audit{
					Activity: "Add member to role completed (PIM activation)", Category: "RoleManagement",
					Service: "PIM", Result: "success",
					Targets: []event.Target{
						{ID: "62E90394-69F5-4237-9190-012177145E10", Name: "Global Administrator", Type: "Role"},
						{ID: "req-1", Name: "Request", Type: "Request"},
						{ID: adaID, Name: "Ada Example", Type: "User"},
					},
				},
			},
		},
		{
			name: "Log Analytics failure initiated by an app yields a service principal and the reason",
			file: "audit_la_app_failure.json", hint: jsonHint,
			want: event.Event{
				Time: at("2024-05-08T09:00:00Z"), Kind: event.KindAudit, Shape: "audit.loganalytics",
				ID: "Directory_0b0b0b0b_0006", Tenant: tenant, Operation: "add service principal credentials",
				Category: "ApplicationManagement", Outcome: failed, Status: "failure",
				StatusMessage: "Insufficient privileges to complete the operation.",
				CorrelationID: "0b0b0b0b-0000-4000-8000-000000000006",
				Principal:     event.Principal{ID: spID, Name: "deploy-pipeline", Type: "ServicePrincipal", AppID: spAppID},
				Audit: &event.Audit{
					Activity: "Add service principal credentials", Category: "ApplicationManagement",
					Service: "Core Directory", Result: "failure",
					Targets: []event.Target{{ID: "4a4a4a4a-0000-4000-8000-000000000000", Name: "billing-app", Type: "ServicePrincipal"}},
				},
			},
		},
		{
			name: "CSV AuditLogs elevate-access row is read from strings",
			file: "audit_la_csv_elevate.json", hint: csvAudit,
			want: event.Event{
				Time: at("2024-05-08T10:15:00Z"), Kind: event.KindAudit, Shape: "audit.loganalytics",
				ID: "AzureRBAC_elevate_0003", Tenant: tenant, Operation: elevation,
				Category: "AzureRBACRoleManagementElevateAccess", Outcome: ok, Status: "success",
				CorrelationID: "0b0b0b0b-0000-4000-8000-000000000007",
				Principal:     event.Principal{ID: adaID, UPN: adaUPN, Name: "Ada Example", Type: "User"},
				SourceIP:      ip("203.0.113.66"),
				Role: &event.RoleAssignment{
					RoleDefinitionID: roleUAAID, RoleName: "User Access Administrator", PrincipalID: adaID,
					PrincipalType: "User", Scope: "/",
				},
				Audit: &event.Audit{
					Activity: "User has elevated their access to User Access Administrator for their Azure Resources",
					Category: "AzureRBACRoleManagementElevateAccess", Service: "Azure RBAC (Elevated Access)",
					Result: "success",
				},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			shape, ok, evs, err := decodeOne(t, data, tc.hint)
			if !ok {
				t.Fatalf("Detect did not claim %s", tc.file)
			}
			if shape != tc.want.Shape {
				t.Fatalf("shape = %q, want %q", shape, tc.want.Shape)
			}
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if len(evs) != 1 {
				t.Fatalf("got %d events, want 1", len(evs))
			}
			got := evs[0]
			if !got.Time.Equal(tc.want.Time) || got.Time.Location() != time.UTC {
				t.Errorf("Time = %v, want %v UTC", got.Time, tc.want.Time)
			}
			got.Time, tc.want.Time = time.Time{}, time.Time{}
			if !reflect.DeepEqual(got, tc.want) {
				g, _ := json.MarshalIndent(got, "", " ")
				w, _ := json.MarshalIndent(tc.want, "", " ")
				t.Errorf("event mismatch (kind %v/%v, outcome %v/%v)\ngot:  %s\nwant: %s",
					got.Kind, tc.want.Kind, got.Outcome, tc.want.Outcome, g, w)
			}
		})
	}
}

// TestWorkspaceIsNoTenant: a Log Analytics row's TenantId is its
// workspace's id. Rows that name the directory elsewhere (AADTenantId,
// ResourceTenantId) take it from there; rows that do not (an AuditLogs row
// without AADTenantId, every service principal's and managed identity's
// sign-in) name no tenant, rather than a workspace a hunt would take for
// one.
func TestWorkspaceIsNoTenant(t *testing.T) {
	t.Parallel()
	for _, file := range []string{"audit_la_app_failure.json", "signin_la_user.json", "signin_la_sp.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		for _, drop := range []string{"AADTenantId", "ResourceTenantId"} {
			var row map[string]any
			if err := json.Unmarshal(data, &row); err != nil {
				t.Fatal(err)
			}
			if row["TenantId"] != workspace {
				t.Fatalf("%s: TenantId %v, want the workspace's", file, row["TenantId"])
			}
			want := row["AADTenantId"]
			delete(row, drop)
			if drop == "AADTenantId" {
				want = row["ResourceTenantId"]
			}
			if want == nil {
				want = ""
			}
			b, _ := json.Marshal(row)
			_, ok, evs, err := decodeOne(t, b, jsonHint)
			if !ok || err != nil || len(evs) != 1 {
				t.Fatalf("%s without %s: detected %v, %d events, err %v", file, drop, ok, len(evs), err)
			}
			if evs[0].Tenant != want {
				t.Errorf("%s without %s: tenant %q, want %q", file, drop, evs[0].Tenant, want)
			}
		}
	}
}
