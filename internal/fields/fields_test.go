package fields_test

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/fields"
	"github.com/mamori-sec/mamori/internal/sigma"
)

// Synthetic records in the shapes Azure writes them (values invented).
const (
	activityDiag = `{"time":"2024-05-01T10:00:00.1234567Z","resourceId":"/SUBSCRIPTIONS/11111111-2222-3333-4444-555555555555/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/NSG1",
"operationName":"MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/WRITE","category":"Administrative","resultType":"Success","resultSignature":"Succeeded.",
"callerIpAddress":"203.0.113.7","correlationId":"c0","level":"Information","location":"global",
"identity":{"authorization":{"action":"Microsoft.Network/networkSecurityGroups/write","scope":"/subscriptions/x"},
 "claims":{"appid":"04b07795-8ddb-461a-bbee-02f9e1bf7b46","http://schemas.microsoft.com/identity/claims/objectidentifier":"aaaaaaaa-0000-0000-0000-000000000001","name":"Mallory"}},
"properties":{"statusCode":"Created","serviceRequestId":null,"eventCategory":"Administrative","message":"Microsoft.Network/networkSecurityGroups/write","entity":"/subscriptions/x","hierarchy":"t/s"}}`

	activityREST = `{"caller":"mallory@contoso.com","channels":"Operation","correlationId":"c1","eventDataId":"e1",
"category":{"value":"Administrative","localizedValue":"Administrative"},
"operationName":{"value":"Microsoft.Compute/virtualMachineScaleSets/write","localizedValue":"Create or Update Virtual Machine Scale Set"},
"resourceProviderName":{"value":"Microsoft.Compute","localizedValue":"Microsoft.Compute"},
"status":{"value":"Succeeded","localizedValue":"Succeeded"},"subStatus":{"value":"Created","localizedValue":"Created (HTTP Status Code: 201)"},
"httpRequest":{"clientRequestId":"r","clientIpAddress":"198.51.100.4","method":"PUT"},
"eventTimestamp":"2024-05-01T10:00:00Z","properties":{"statusCode":"Created"}}`

	activityLA = `{"TenantId":"t","CallerIpAddress":"198.51.100.9","CategoryValue":"Administrative","OperationNameValue":"MICROSOFT.ADHYBRIDHEALTHSERVICE/SERVICES/SERVICEMEMBERS/ACTION",
"OperationName":"Add a server","ResourceProviderValue":"MICROSOFT.ADHYBRIDHEALTHSERVICE","ResourceProvider":"Microsoft.ADHybridHealthService",
"ResourceId":"/providers/Microsoft.ADHybridHealthService/services/AdFederationService-contoso.com","ActivityStatusValue":"Success",
"Properties":"{\"message\":\"Microsoft.ADHybridHealthService/services/servicemembers/action\",\"eventCategory\":\"Administrative\"}","Type":"AzureActivity"}`

	activityCSV = `{"OperationNameValue":"MICROSOFT.WEB/SITES/DELETE","CategoryValue":"Administrative","Properties":"","Properties_d":"{\"message\":\"Microsoft.Web/sites/delete\"}","ResultType":""}`

	signInDiag = `{"time":"2024-05-01T10:00:00Z","resourceId":"/tenants/t/providers/Microsoft.aadiam","operationName":"Sign-in activity","category":"SignInLogs",
"resultType":"500121","resultDescription":"Authentication failed during strong authentication request.","callerIpAddress":"192.0.2.10","location":"NL",
"properties":{"userPrincipalName":"alice@contoso.com","appDisplayName":"Azure Portal","clientAppUsed":"Browser","authenticationRequirement":"multiFactorAuthentication",
 "conditionalAccessStatus":"success","userAgent":"Mozilla/5.0 azurehound/2.0","riskState":"atRisk",
 "deviceDetail":{"deviceId":"","trustType":"","isCompliant":false},
 "status":{"errorCode":500121,"failureReason":"Authentication failed during strong authentication request.","additionalDetails":"MFA denied; user declined the authentication"},
 "location":{"city":"Amsterdam","countryOrRegion":"NL"}}}`

	signInLA = `{"TimeGenerated":"2024-05-01T10:00:00Z","OperationName":"Sign-in activity","Category":"SignInLogs","ResultType":"0","ResultDescription":"",
"AuthenticationRequirement":"singleFactorAuthentication","RiskState":"atRisk","UserPrincipalName":"bob@contoso.com","IPAddress":"192.0.2.11",
"Status":"{\"errorCode\":0,\"additionalDetails\":\"MFA requirement satisfied by claim in the token\"}",
"DeviceDetail":"{\"deviceId\":\"\",\"operatingSystem\":\"Windows10\",\"trustType\":\"\"}",
"NetworkLocationDetails":"[]","RiskEventTypes":"[\"unlikelyTravel\",\"anonymizedIPAddress\"]","Type":"SigninLogs"}`

	signInGraph = `{"id":"66ea54eb","createdDateTime":"2024-05-01T10:00:00Z","userPrincipalName":"carol@contoso.com","appDisplayName":"Graph explorer",
"ipAddress":"192.0.2.12","clientAppUsed":"Browser","riskEventTypes":[],"riskEventTypes_v2":[],
"status":{"errorCode":0,"failureReason":null,"additionalDetails":null},"deviceDetail":{"deviceId":"","trustType":null}}`

	auditDiag = `{"time":"2024-05-01T10:00:00Z","category":"AuditLogs","operationName":"Add member to role","resultSignature":"None",
"properties":{"activityDisplayName":"Add member to role","category":"RoleManagement","loggedByService":"Core Directory","result":"success",
 "initiatedBy":{"user":{"userPrincipalName":"mallory@contoso.com","ipAddress":"203.0.113.7"}},
 "targetResources":[{"id":"u1","displayName":"Eve","type":"User","modifiedProperties":[
   {"displayName":"Role.TemplateId","oldValue":null,"newValue":"\"62e90394-69f5-4237-9190-012177145e10\""},
   {"displayName":"Role.DisplayName","oldValue":null,"newValue":"\"Global Administrator\""}]}],
 "additionalDetails":[{"key":"User-Agent","value":"Mozilla/5.0"},{"key":"additionalInfo","value":"Successfully recovered local credential by device id"}]}}`

	auditLA = `{"TimeGenerated":"2024-05-01T10:00:00Z","OperationName":"Update application – Certificates and secrets management ",
"ActivityDisplayName":"Update application – Certificates and secrets management ","Category":"ApplicationManagement","Result":"success",
"LoggedByService":"Core Directory","Type":"AuditLogs",
"TargetResources":"[{\"id\":\"a1\",\"displayName\":\"App\",\"type\":\"Application\",\"modifiedProperties\":[{\"displayName\":\"KeyDescription\",\"newValue\":\"[\\\"KeyType=Password\\\"]\"}]}]",
"InitiatedBy":"{\"user\":{\"userPrincipalName\":\"mallory@contoso.com\"}}"}`

	// A scale set's Start record whose request writes its sku's members
	// twice, the last in another case; the record's own statusCode twice.
	activityDupBody = `{"time":"2024-05-01T10:00:00Z","operationName":"MICROSOFT.COMPUTE/VIRTUALMACHINESCALESETS/WRITE","category":"Write","resultType":"Start",
"properties":{"statusCode":"Created","statusCode":"OK","requestbody":"{\"sku\":{\"name\":\"Standard_B1s\",\"name\":\"Standard_ND96asr_v4\",\"capacity\":1,\"Capacity\":40}}"}}`

	auditd = `{"time":"1700000000","serial":"7","types":["EXECVE"],"EXECVE":{"argc":"3","a0":"./xmrig","a1":"--cpu-priority=5","a2":"-o"}}`
)

// record parses a JSON record with its own parser, kept alive by the value.
func record(t testing.TB, js string) *fastjson.Value {
	t.Helper()
	var p fastjson.Parser
	v, err := p.Parse(js)
	if err != nil {
		t.Fatalf("bad fixture: %v", err)
	}
	return v
}

// values reads a field of ev through the resolver as texts ("null" for
// null), and whether it is present.
func values(t *testing.T, r *fields.Resolver, e *fields.Event, name string) ([]string, bool) {
	t.Helper()
	fi, err := r.Resolve(name)
	if err != nil {
		t.Fatalf("Resolve(%q): %v", name, err)
	}
	var out []string
	present, _ := e.Field(fi.ID, func(v sigma.Value) bool {
		out = append(out, v.String())
		return false
	})
	return out, present
}

func TestFieldValues(t *testing.T) {
	t.Parallel()
	gpus := &event.Event{Kind: event.KindActivity, Time: time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC),
		Operation: "microsoft.compute/virtualmachinescalesets/write", SourceIP: netip.MustParseAddr("198.51.100.4"),
		Compute: &event.Compute{Service: "vmss", Size: "Standard_NC24ads_A100_v4", Count: 40},
		Enrich:  event.Enrichment{Size: &event.SizeInfo{GPUs: 1, VCPUs: 24}, SrcIP: &event.IPInfo{Azure: false, Owned: true}}}
	tests := []struct {
		name   string
		ev     *event.Event
		raw    string
		field  string
		want   []string
		absent bool
	}{
		// Normalised fields.
		{name: "normalised operation", ev: gpus, field: "operation", want: []string{"microsoft.compute/virtualmachinescalesets/write"}},
		{name: "time in RFC 3339", ev: gpus, field: "time", want: []string{"2024-05-01T10:00:00Z"}},
		{name: "kind by name", ev: gpus, field: "kind", want: []string{"activity"}},
		{name: "count is a number", ev: gpus, field: "compute.count", want: []string{"40"}},
		{name: "GPUs of the size", ev: gpus, field: "enrich.size.gpus", want: []string{"1"}},
		{name: "false boolean is present", ev: gpus, field: "enrich.src_ip.azure", want: []string{"false"}},
		{name: "address text", ev: gpus, field: "source_ip", want: []string{"198.51.100.4"}},
		{name: "missing extra is absent", ev: gpus, field: "quota.family", absent: true},
		{name: "empty string is absent", ev: gpus, field: "region", absent: true},

		// Raw paths.
		{name: "dotted raw path", ev: &event.Event{}, raw: activityDiag, field: "identity.claims.appid", want: []string{"04b07795-8ddb-461a-bbee-02f9e1bf7b46"}},
		{name: "key holding dots", ev: &event.Event{}, raw: activityDiag, field: "identity.claims.http://schemas.microsoft.com/identity/claims/objectidentifier", want: []string{"aaaaaaaa-0000-0000-0000-000000000001"}},
		{name: "any case", ev: &event.Event{}, raw: activityDiag, field: "PROPERTIES.StatusCode", want: []string{"Created"}},
		{name: "properties prefix added", ev: &event.Event{}, raw: activityDiag, field: "eventCategory", want: []string{"Administrative"}},
		{name: "JSON null is present", ev: &event.Event{}, raw: activityDiag, field: "properties.serviceRequestId", want: []string{"null"}},
		{name: "object as JSON text", ev: &event.Event{}, raw: activityDiag, field: "identity.authorization", want: []string{`{"action":"Microsoft.Network/networkSecurityGroups/write","scope":"/subscriptions/x"}`}},
		{name: "absent raw path", ev: &event.Event{}, raw: activityDiag, field: "properties.nope", absent: true},
		{name: "properties prefix removed in a JSON string", ev: &event.Event{}, raw: activityLA, field: "properties.message", want: []string{"Microsoft.ADHybridHealthService/services/servicemembers/action"}},
		{name: "CSV dynamic column", ev: &event.Event{}, raw: activityCSV, field: "Properties.message", want: []string{"Microsoft.Web/sites/delete"}},
		{name: "array elements", ev: &event.Event{}, raw: auditDiag, field: "properties.targetResources.modifiedProperties.displayName", want: []string{"Role.TemplateId", "Role.DisplayName"}},
		{name: "array index", ev: &event.Event{}, raw: auditDiag, field: "properties.targetResources.0.modifiedProperties.1.displayName", want: []string{"Role.DisplayName"}},
		{name: "key value pairs", ev: &event.Event{}, raw: auditDiag, field: "additionalDetails.additionalInfo", want: []string{"Successfully recovered local credential by device id"}},
		{name: "JSON string array", ev: &event.Event{}, raw: signInLA, field: "RiskEventTypes", want: []string{`["unlikelyTravel","anonymizedIPAddress"]`, "unlikelyTravel", "anonymizedIPAddress"}},
		{name: "JSON string empty array", ev: &event.Event{}, raw: signInLA, field: "NetworkLocationDetails", want: []string{"[]"}},
		{name: "empty array", ev: &event.Event{}, raw: signInGraph, field: "riskEventTypes_v2", want: []string{"[]", "[]"}},
		{name: "inside a JSON string column", ev: &event.Event{}, raw: signInLA, field: "DeviceDetail.operatingSystem", want: []string{"Windows10"}},
		{name: "a name a request body writes twice reads as Azure acts on it, the last", ev: &event.Event{}, raw: activityDupBody, field: "properties.requestbody.sku.name", want: []string{"Standard_ND96asr_v4"}},
		{name: "the last in any case", ev: &event.Event{}, raw: activityDupBody, field: "requestbody.sku.capacity", want: []string{"40"}},
		{name: "a name the record itself writes twice reads the first", ev: &event.Event{}, raw: activityDupBody, field: "properties.statusCode", want: []string{"Created"}},
		{name: "auditd argument", ev: &event.Event{Kind: event.KindProcess}, raw: auditd, field: "a1", want: []string{"--cpu-priority=5"}},

		// SigmaHQ names on every shape.
		{name: "operationName prefers the normalised operation", ev: &event.Event{Kind: event.KindActivity, Operation: "microsoft.network/networksecuritygroups/write"}, raw: activityDiag, field: "operationName", want: []string{"microsoft.network/networksecuritygroups/write"}},
		{name: "operationName of a REST record", ev: &event.Event{Kind: event.KindActivity}, raw: activityREST, field: "operationName", want: []string{"Microsoft.Compute/virtualMachineScaleSets/write"}},
		{name: "OperationNameValue of Log Analytics", ev: &event.Event{Kind: event.KindActivity}, raw: activityLA, field: "operationName", want: []string{"MICROSOFT.ADHYBRIDHEALTHSERVICE/SERVICES/SERVICEMEMBERS/ACTION"}},
		{name: "OperationNameValue of a diagnostic record", ev: &event.Event{Kind: event.KindActivity}, raw: activityDiag, field: "OperationNameValue", want: []string{"MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/WRITE"}},
		{name: "CategoryValue of a REST record", ev: &event.Event{Kind: event.KindActivity}, raw: activityREST, field: "CategoryValue", want: []string{"Administrative"}},
		{name: "ResourceProviderValue of REST", ev: &event.Event{Kind: event.KindActivity}, raw: activityREST, field: "ResourceProviderValue", want: []string{"Microsoft.Compute"}},
		{name: "ResourceProviderValue from the operation", ev: &event.Event{Kind: event.KindActivity, Operation: "microsoft.network/networksecuritygroups/write"}, raw: activityDiag, field: "ResourceProviderValue", want: []string{"microsoft.network"}},
		{name: "activity Status of REST", ev: &event.Event{Kind: event.KindActivity}, raw: activityREST, field: "Status", want: []string{"Succeeded"}},
		{name: "activity Status of diagnostic", ev: &event.Event{Kind: event.KindActivity}, raw: activityDiag, field: "Status", want: []string{"Success"}},
		{name: "callerIpAddress of REST", ev: &event.Event{Kind: event.KindActivity}, raw: activityREST, field: "callerIpAddress", want: []string{"198.51.100.4"}},
		{name: "empty CSV column falls through", ev: &event.Event{Kind: event.KindActivity, Status: "Succeeded"}, raw: activityCSV, field: "ResultType", want: []string{"", "Succeeded"}},
		{name: "sign-in ResultType of diagnostic", ev: &event.Event{Kind: event.KindSignIn}, raw: signInDiag, field: "ResultType", want: []string{"500121"}},
		{name: "sign-in ResultType of Graph", ev: &event.Event{Kind: event.KindSignIn}, raw: signInGraph, field: "ResultType", want: []string{"0"}},
		{name: "sign-in ResultDescription of Graph falls to null", ev: &event.Event{Kind: event.KindSignIn}, raw: signInGraph, field: "ResultDescription", want: []string{"null"}},
		{name: "sign-in Status words and details", ev: &event.Event{Kind: event.KindSignIn, Outcome: event.OutcomeFailed}, raw: signInDiag, field: "Status",
			want: []string{"Failure", "MFA denied; user declined the authentication", "Authentication failed during strong authentication request."}},
		{name: "sign-in Status of Log Analytics", ev: &event.Event{Kind: event.KindSignIn, Outcome: event.OutcomeSucceeded}, raw: signInLA, field: "Status",
			want: []string{"Success", "MFA requirement satisfied by claim in the token"}},
		{name: "AuthenticationRequirement of diagnostic", ev: &event.Event{Kind: event.KindSignIn}, raw: signInDiag, field: "AuthenticationRequirement", want: []string{"multiFactorAuthentication"}},
		{name: "DeviceDetail.trusttype of diagnostic", ev: &event.Event{Kind: event.KindSignIn}, raw: signInDiag, field: "DeviceDetail.trusttype", want: []string{""}},
		{name: "DeviceDetail.trusttype of Graph", ev: &event.Event{Kind: event.KindSignIn}, raw: signInGraph, field: "DeviceDetail.trusttype", want: []string{"null"}},
		{name: "ClientApp", ev: &event.Event{Kind: event.KindSignIn}, raw: signInGraph, field: "ClientApp", want: []string{"Browser"}},
		{name: "Username of Log Analytics", ev: &event.Event{Kind: event.KindSignIn}, raw: signInLA, field: "Username", want: []string{"bob@contoso.com"}},
		{name: "riskEventTypes of Log Analytics", ev: &event.Event{Kind: event.KindSignIn}, raw: signInLA, field: "riskEventTypes", want: []string{`["unlikelyTravel","anonymizedIPAddress"]`, "unlikelyTravel", "anonymizedIPAddress"}},
		{name: "sign-in location is the country", ev: &event.Event{Kind: event.KindSignIn, SignIn: &event.SignIn{Country: "NL"}}, raw: signInDiag, field: "location", want: []string{"NL"}},
		{name: "audit properties.message is the activity", ev: &event.Event{Kind: event.KindAudit, Audit: &event.Audit{Activity: "Update application – Certificates and secrets management "}}, raw: auditLA, field: "properties.message",
			want: []string{"Update application – Certificates and secrets management"}},
		{name: "audit ActivityDisplayName without typed audit", ev: &event.Event{Kind: event.KindAudit}, raw: auditDiag, field: "ActivityDisplayName", want: []string{"Add member to role"}},
		{name: "audit Category is the audit category", ev: &event.Event{Kind: event.KindAudit, Category: "RoleManagement"}, raw: auditDiag, field: "Category", want: []string{"RoleManagement"}},
		{name: "audit LoggedByService", ev: &event.Event{Kind: event.KindAudit}, raw: auditLA, field: "LoggedByService", want: []string{"Core Directory"}},
		{name: "audit TargetResources in a JSON string", ev: &event.Event{Kind: event.KindAudit}, raw: auditLA, field: "TargetResources.modifiedProperties.newValue", want: []string{`["KeyType=Password"]`, "KeyType=Password"}},
		{name: "audit targetResources in diagnostic", ev: &event.Event{Kind: event.KindAudit}, raw: auditDiag, field: "TargetResources.ModifiedProperties.NewValue",
			want: []string{`"62e90394-69f5-4237-9190-012177145e10"`, `"Global Administrator"`}},
		{name: "audit InitiatedBy object", ev: &event.Event{Kind: event.KindAudit}, raw: auditLA, field: "InitiatedBy.user.userPrincipalName", want: []string{"mallory@contoso.com"}},
		{name: "audit Status is the result", ev: &event.Event{Kind: event.KindAudit, Audit: &event.Audit{Result: "success"}}, raw: auditDiag, field: "Status", want: []string{"success"}},
		{name: "CommandLine of a process", ev: &event.Event{Kind: event.KindProcess, Process: &event.Process{CommandLine: "./xmrig --cpu-priority=5 -o"}}, raw: auditd, field: "CommandLine", want: []string{"./xmrig --cpu-priority=5 -o"}},
		{name: "machine of a named host", ev: &event.Event{Kind: event.KindProcess, Process: &event.Process{Host: "train-0-vmss000003"}, Loc: event.Location{File: "/logs/hosts/vm-3/audit.log"}}, field: "process.machine", want: []string{"train-0-vmss000003"}},
		{name: "machine of an unnamed host is its log's folder and name", ev: &event.Event{Kind: event.KindProcess, Process: &event.Process{}, Loc: event.Location{File: filepath.Join("case-17", "hosts", "vm-3", "audit.log")}}, field: "process.machine", want: []string{"file:vm-3/audit.log"}},
		{name: "no machine without a process", ev: &event.Event{Kind: event.KindActivity, Loc: event.Location{File: "a/b.json"}}, field: "process.machine", absent: true},
		{name: "query of a DNS event", ev: &event.Event{Kind: event.KindDNS, DNS: &event.DNS{Query: "pool.minexmr.com"}}, field: "query", want: []string{"pool.minexmr.com"}},
		{name: "a lookup's port and id", ev: &event.Event{Kind: event.KindDNS, DNS: &event.DNS{Query: "p", ClientPort: 47785, QueryID: 0}}, field: "dns.query_id", want: []string{"0"}},
		{name: "a lookup's port", ev: &event.Event{Kind: event.KindDNS, DNS: &event.DNS{Query: "p", ClientPort: 47785}}, field: "dns.client_port", want: []string{"47785"}},
		{name: "a proxy error names no port", ev: &event.Event{Kind: event.KindDNS, DNS: &event.DNS{Query: "p"}}, field: "dns.client_port", absent: true},
		{name: "nor an id", ev: &event.Event{Kind: event.KindDNS, DNS: &event.DNS{Query: "p"}}, field: "dns.query_id", absent: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ev := *tc.ev
			if tc.raw != "" {
				ev.Raw = record(t, tc.raw)
			}
			r := fields.New()
			e := r.NewEvent()
			e.Reset(&ev)
			got, present := values(t, r, e, tc.field)
			if present == tc.absent {
				t.Fatalf("present = %v, values %q", present, got)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("values of %s (-want +got):\n%s", tc.field, d)
			}
		})
	}
}

func TestResolveRefuses(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"enrich.size.gpu", "dns.question.name", "principal.email", "", ".a", "a..b", "a."} {
		if _, err := fields.New().Resolve(name); err == nil {
			t.Errorf("Resolve(%q) succeeded", name)
		}
	}
}

func TestResolveInfo(t *testing.T) {
	t.Parallel()
	r := fields.New()
	tests := []struct {
		name     string
		index    string
		verbatim bool
	}{
		{name: "operation", index: "operation"},
		{name: "operationName", index: "operation"},
		{name: "OperationNameValue", index: "operation"},
		{name: "properties.message", verbatim: true},
		{name: "Status", verbatim: false},
		{name: "region", verbatim: false},
		{name: "properties.statusCode", verbatim: true},
		{name: "TargetResources", verbatim: true},
		{name: sigma.KeywordsField, verbatim: true},
		{name: "principal.upn", verbatim: true},
	}
	seen := map[sigma.FieldID]string{}
	for _, tc := range tests {
		fi, err := r.Resolve(tc.name)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Index != tc.index || fi.Verbatim != tc.verbatim {
			t.Errorf("%s: %+v", tc.name, fi)
		}
		if other, dup := seen[fi.ID]; dup {
			t.Errorf("%s and %s share id %d", tc.name, other, fi.ID)
		}
		seen[fi.ID] = tc.name
		if again, _ := r.Resolve(tc.name); again != fi {
			t.Errorf("%s resolved twice differently", tc.name)
		}
	}
}

func TestKeywords(t *testing.T) {
	t.Parallel()
	r := fields.New()
	e := r.NewEvent()
	ev := event.Event{Kind: event.KindAudit, Raw: record(t, auditDiag)}
	e.Reset(&ev)
	got, present := values(t, r, e, sigma.KeywordsField)
	if !present || len(got) < 20 {
		t.Fatalf("keywords = %d strings", len(got))
	}
	joined := strings.Join(got, "\n")
	for _, want := range []string{"Add member to role", "Mozilla/5.0", `"Global Administrator"`} {
		if !strings.Contains(joined, want) {
			t.Errorf("keywords lack %q", want)
		}
	}
	e.Reset(&event.Event{})
	if _, present := values(t, r, e, sigma.KeywordsField); present {
		t.Error("an event without a record has keywords")
	}
}

// TestFieldsDocumented keeps docs/fields.md in step with the tables: every
// normalised name and alias must appear in it.
func TestFieldsDocumented(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "fields.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ToLower(string(doc))
	normal, alias := fields.Names()
	for _, n := range append(normal, alias...) {
		if !strings.Contains(text, "`"+strings.ToLower(n)+"`") && !strings.Contains(text, "`"+strings.ToLower(n)+"` ") {
			t.Errorf("docs/fields.md does not mention %s", n)
		}
	}
}
