package entra

import (
	"errors"
	"strings"
	"testing"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

func TestDetect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		rec   string
		hint  record.Hint
		shape string // "" when the record must not be claimed
	}{
		{"Activity Log diagnostic record is left to the activity family",
			`{"time":"2024-01-01T00:00:00Z","category":"Administrative","operationName":"MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE","resourceId":"/subscriptions/x","properties":{"statusCode":"Created"}}`, jsonHint, ""},
		{"NSG flow record is left to the network family",
			`{"time":"2024-01-01T00:00:00Z","category":"NetworkSecurityGroupFlowEvent","operationName":"NetworkSecurityGroupFlowEvents","properties":{"Version":2,"flows":[]}}`, jsonHint, ""},
		{"Entra provisioning log is not a sign-in",
			`{"time":"2024-01-01T00:00:00Z","category":"ProvisioningLogs","operationName":"Provisioning activity","properties":{"id":"x"}}`, jsonHint, ""},
		{"AzureActivity row is another table",
			`{"TimeGenerated":"2024-01-01T00:00:00Z","Type":"AzureActivity","Category":"Administrative","OperationName":"x","CallerIpAddress":"192.0.2.1"}`, jsonHint, ""},
		{"CSV row of another table is not claimed on its columns",
			`{"TimeGenerated":"2024-01-01T00:00:00Z","Category":"SignInLogs","IPAddress":"192.0.2.1"}`, record.Hint{Format: "csv", Table: "DeviceProcessEvents"}, ""},
		{"Defender AADSignInEventsBeta row is not an Entra sign-in log",
			`{"Timestamp":"2024-01-01T00:00:00Z","ReportId":"1","IPAddress":"192.0.2.1","AccountUpn":"a@b","ApplicationId":"1","ErrorCode":0}`, jsonHint, ""},
		{"Graph riskDetection is a risk detection, not a sign-in",
			`{"id":"x","activityDateTime":"2024-01-01T00:00:00Z","detectedDateTime":"2024-01-01T00:00:00Z","riskEventType":"unlikelyTravel","ipAddress":"192.0.2.1","userPrincipalName":"a@b","userId":"u"}`, jsonHint, "risk.graph"},
		{"a risk detection's Log Analytics row without its Type",
			`{"TimeGenerated":"2024-01-01T00:00:00Z","OperationName":"User Risk Detection","DetectedDateTime":"2024-01-01T00:00:00Z","RiskEventType":"unlikelyTravel","UserId":"u"}`, jsonHint, "risk.loganalytics"},
		{"Graph security alert with createdDateTime is not a sign-in",
			`{"id":"x","createdDateTime":"2024-01-01T00:00:00Z","title":"Suspicious","status":"new","severity":"high"}`, jsonHint, ""},
		{"a JSON array is no record", `[{"category":"SignInLogs"}]`, jsonHint, ""},
		{"a JSON string is no record", `"SignInLogs"`, jsonHint, ""},
		{"CSV row is claimed by its table hint",
			`{"CreatedDateTime":"4/28/2021, 2:08:45.221 PM","UserPrincipalName":"a@b"}`, record.Hint{Format: "csv", Table: "AADNonInteractiveUserSignInLogs"}, "signin.loganalytics"},
		{"Log Analytics sign-in row without Type is claimed on its Category",
			`{"TimeGenerated":"2024-01-01T00:00:00Z","Category":"ManagedIdentitySignInLogs","OperationName":"Sign-in activity","ServicePrincipalId":"x"}`, jsonHint, "signin.loganalytics"},
		{"Log Analytics audit row without Type is claimed on its columns",
			`{"TimeGenerated":"2024-01-01T00:00:00Z","Category":"UserManagement","ActivityDisplayName":"Add user","InitiatedBy":"{}"}`, jsonHint, "audit.loganalytics"},
		{"diagnostic sign-in flattened by a forwarder is still a diagnostic sign-in",
			`{"time":"2024-01-01T00:00:00Z","category":"SignInLogs","userPrincipalName":"a@b"}`, jsonHint, "signin.diagnostic"},
		{"diagnostic record filed under the elevate-access category is an audit record",
			`{"time":"2024-01-01T00:00:00Z","category":"AzureRBACRoleManagementElevateAccess","properties":{"activityDisplayName":"x"}}`, jsonHint, "audit.diagnostic"},
		{"diagnostic category is matched ignoring case",
			`{"time":"2024-01-01T00:00:00Z","category":"signinlogs","properties":{}}`, jsonHint, "signin.diagnostic"},
		{"Graph PowerShell signIn in PascalCase is a Graph sign-in",
			`{"CreatedDateTime":"2024-01-01T00:00:00Z","UserPrincipalName":"a@b","Status":{"ErrorCode":0},"Id":"x"}`, jsonHint, "signin.graph"},
		{"Graph directoryAudit is a Graph audit record",
			`{"id":"x","category":"UserManagement","activityDisplayName":"Add user","activityDateTime":"2024-01-01T00:00:00Z","initiatedBy":{},"targetResources":[]}`, jsonHint, "audit.graph"},
		{"Type column wins over a PrimaryResult hint",
			`{"TimeGenerated":"2024-01-01T00:00:00Z","Type":"AADServicePrincipalSignInLogs","TableName":"PrimaryResult"}`, record.Hint{Format: "json", Table: "PrimaryResult"}, "signin.loganalytics"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var p fastjson.Parser
			v, err := p.Parse(tc.rec)
			if err != nil {
				t.Fatal(err)
			}
			shape, ok := Detect(v, tc.hint)
			if ok != (tc.shape != "") || shape != tc.shape {
				t.Errorf("Detect = %q, %v; want %q", shape, ok, tc.shape)
			}
		})
	}
}

func TestDecodeVariants(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		rec   string
		check func(t *testing.T, e event.Event)
	}{
		{"flattened diagnostic sign-in reads its fields at the top level",
			`{"time":"2024-01-01T00:00:00Z","category":"NonInteractiveUserSignInLogs","userPrincipalName":"a@b","ipAddress":"192.0.2.9","status":{"errorCode":0},"location":"FR"}`,
			func(t *testing.T, e event.Event) {
				if e.Principal.UPN != "a@b" || e.SourceIP != ip("192.0.2.9") || e.SignIn.Country != "FR" || e.Outcome != event.OutcomeSucceeded {
					t.Errorf("got %+v %+v", e.Principal, e.SignIn)
				}
			}},
		{"Graph v1.0 sign-in by a service principal alone is a service principal sign-in",
			`{"createdDateTime":"2024-01-01T00:00:00Z","appId":"app","servicePrincipalId":"sp","status":{"errorCode":0}}`,
			func(t *testing.T, e event.Event) {
				if e.Category != catSP || e.Principal.Type != "ServicePrincipal" || e.Principal.ID != "sp" {
					t.Errorf("category %q principal %+v", e.Category, e.Principal)
				}
			}},
		{"Graph PowerShell PascalCase fields are read ignoring case",
			`{"CreatedDateTime":"2024-01-01T00:00:00Z","UserPrincipalName":"a@b","IsInteractive":false,"Status":{"ErrorCode":50053}}`,
			func(t *testing.T, e event.Event) {
				if e.Principal.UPN != "a@b" || e.Status != "50053" || e.Outcome != event.OutcomeFailed || e.Category != catNonInteractive {
					t.Errorf("got %+v status %q outcome %v category %q", e.Principal, e.Status, e.Outcome, e.Category)
				}
			}},
		{"sign-in without any error code has no outcome",
			`{"time":"2024-01-01T00:00:00Z","category":"SignInLogs","properties":{"userPrincipalName":"a@b"}}`,
			func(t *testing.T, e event.Event) {
				if e.Outcome != event.OutcomeUnknown || e.Status != "" {
					t.Errorf("outcome %v status %q", e.Outcome, e.Status)
				}
			}},
		{"unspecified and bad addresses leave SourceIP empty",
			`{"time":"2024-01-01T00:00:00Z","category":"AuditLogs","properties":{"activityDisplayName":"Update device","initiatedBy":{"user":{"id":"u","ipAddress":"0.0.0.0"}}},"callerIpAddress":"not an ip"}`,
			func(t *testing.T, e event.Event) {
				if e.SourceIP.IsValid() {
					t.Errorf("SourceIP = %v", e.SourceIP)
				}
			}},
		{"audit removal of elevated access is no role grant",
			`{"id":"x","category":"AzureRBACRoleManagementElevateAccess","activityDisplayName":"The role assignment of User Access Administrator has been removed from the user","activityDateTime":"2024-01-01T00:00:00Z","result":"success","initiatedBy":{"user":{"id":"u"}}}`,
			func(t *testing.T, e event.Event) {
				if e.Role != nil {
					t.Errorf("Role = %+v", e.Role)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, ok, evs, err := decodeOne(t, []byte(tc.rec), jsonHint)
			if !ok || err != nil || len(evs) != 1 {
				t.Fatalf("claimed %v, err %v, %d events", ok, err, len(evs))
			}
			tc.check(t, evs[0])
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, shape, rec, want string
	}{
		{"sign-in without a time", shapeSignInGraph, `{"userPrincipalName":"a@b"}`, "no event time"},
		{"diagnostic sign-in with a bad time quotes it", shapeSignInDiag, `{"time":"yesterday","properties":{}}`, `no event time: "yesterday"`},
		{"audit row with the zero time", shapeAuditLA, `{"TimeGenerated":"0001-01-01T00:00:00Z"}`, "no event time"},
		{"audit diagnostic without a time", shapeAuditDiag, `{"properties":null}`, "no event time"},
		{"unknown shape", "signin.nope", `{}`, `unknown entra shape "signin.nope"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var p fastjson.Parser
			v, err := p.Parse(tc.rec)
			if err != nil {
				t.Fatal(err)
			}
			var sc record.Scratch
			evs, err := Decode(&sc, v, tc.shape, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) || len(evs) != 0 {
				t.Fatalf("Decode = %d events, %v; want error %q", len(evs), err, tc.want)
			}
			if tc.want == "no event time" && !errors.Is(err, record.ErrNoTime) {
				t.Errorf("error %v does not wrap record.ErrNoTime", err)
			}
		})
	}
}
