package azure

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/quota/armquota"

	"github.com/mamori-sec/mamori/internal/posture"
	"github.com/mamori-sec/mamori/internal/posture/capture"
)

// graphError answers a Graph error in the documented shape.
func graphError(status int, code, message string) func(w http.ResponseWriter, r *http.Request, call int) bool {
	return func(w http.ResponseWriter, r *http.Request, call int) bool {
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"error":{"code":%q,"message":%q,"innerError":{"date":"2026-11-26T01:00:00","request-id":"9c1d6a4e-0000-0000-0000-000000000000"}}}`, code, message)
		return true
	}
}

func TestMissingPermissionsAndAbsentFeatures(t *testing.T) {
	t.Parallel()
	f := newFakes(t)
	onGraph(f, "/v1.0/reports/authenticationMethods/userRegistrationDetails",
		graphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation."))
	onGraph(f, "/v1.0/identity/conditionalAccess/policies",
		graphError(403, "Authentication_RequestFromNonPremiumTenantOrB2CTenant", "Neither tenant is B2C or tenant doesn't have premium license"))
	onGraph(f, "/v1.0/roleManagement/directory/roleEligibilitySchedules",
		graphError(400, "AadPremiumLicenseRequired", "The tenant needs an AAD Premium 2 license."))
	onGraph(f, "/v1.0/users", graphError(401, "InvalidAuthenticationToken", "Access token validation failure."))
	f.auth.RoleAssignmentsServer.NewListForSubscriptionPager = func(*armauthorization.RoleAssignmentsClientListForSubscriptionOptions) (resp azfake.PagerResponder[armauthorization.RoleAssignmentsClientListForSubscriptionResponse]) {
		resp.AddResponseError(http.StatusForbidden, "AuthorizationFailed")
		return
	}
	f.quota.Server.NewListPager = func(string, *armquota.ClientListOptions) (resp azfake.PagerResponder[armquota.ClientListResponse]) {
		resp.AddResponseError(http.StatusConflict, "MissingSubscriptionRegistration")
		return
	}
	base := f.raw
	f.raw = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "microsoft.aadiam") {
			w.WriteHeader(403)
			io.WriteString(w, `{"error":{"code":"AuthorizationFailed","message":"The client does not have authorization to perform action 'microsoft.aadiam/diagnosticSettings/read' over scope '/providers/microsoft.aadiam'."}}`)
			return
		}
		base.ServeHTTP(w, r)
	})
	c, _, _ := collectWith(t, f)
	tests := []struct {
		key        string
		status     capture.Status
		permission string
		reason     string
	}{
		{capture.KeyRegistrationDetails, capture.Denied, "Microsoft Graph AuditLog.Read.All", "Authorization_RequestDenied"},
		{capture.KeyUsers, capture.Denied, "Microsoft Graph User.Read.All", "HTTP 401"},
		{capture.KeyConditionalAccess, capture.Absent, "", "no Entra ID P1/P2 licence"},
		{capture.KeyDirectoryEligible, capture.Absent, "", "P2"},
		{capture.Key(capture.KeyRoleAssignments, testSub), capture.Denied, "Microsoft.Authorization/roleAssignments/read", "AuthorizationFailed"},
		{capture.Key(capture.KeyQuotas, testSub, "westeurope"), capture.Absent, "", "not registered"},
		{capture.KeyEntraDiagnostics, capture.Denied, "microsoft.aadiam/diagnosticSettings/read", "HTTP 403"},
	}
	for _, tt := range tests {
		ds := c.Datasets[tt.key]
		if ds == nil {
			t.Errorf("%s: missing", tt.key)
			continue
		}
		if ds.Status != tt.status || !strings.HasPrefix(ds.Permission, tt.permission) || (tt.permission == "") != (ds.Permission == "") {
			t.Errorf("%s: %s, permission %q; want %s, %q", tt.key, ds.Status, ds.Permission, tt.status, tt.permission)
		}
		if !strings.Contains(ds.Error, tt.reason) || len(ds.Pages) != 0 {
			t.Errorf("%s: error %q (pages %d), want the reason %q and no pages", tt.key, ds.Error, len(ds.Pages), tt.reason)
		}
	}
	// The rest of the tenant is still read.
	if ds := c.Datasets[capture.KeyOrganization]; ds.Status != capture.OK {
		t.Errorf("organization: %s", ds.Status)
	}
}

func TestEveryKeyHasAPermission(t *testing.T) {
	t.Parallel()
	for _, key := range everyKey() {
		if capture.PermissionForKey(key) == "" {
			t.Errorf("%s: no permission in the table", key)
		}
	}
}

func TestTokensNeverReachErrorsOrURLs(t *testing.T) {
	t.Parallel()
	f := newFakes(t)
	// A server that echoes the request's headers in its error message.
	echo := func(w http.ResponseWriter, r *http.Request, call int) bool {
		w.WriteHeader(403)
		fmt.Fprintf(w, `{"error":{"code":"Forbidden","message":"denied for %s"}}`, r.Header.Get("Authorization"))
		return true
	}
	onGraph(f, "/v1.0/organization", echo)
	onGraph(f, "/v1.0/users", func(w http.ResponseWriter, r *http.Request, call int) bool {
		if call == 1 {
			// The next link carries the token in its query, as a broken proxy might.
			fmt.Fprintf(w, `{"@odata.nextLink":"https://%s/v1.0/users?$skiptoken=%s","value":[]}`, r.Host, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
			return true
		}
		return echo(w, r, call)
	})
	f.intercept = func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.HasSuffix(r.URL.Path, "/securityContacts") {
			return false
		}
		w.WriteHeader(500)
		fmt.Fprintf(w, `{"error":{"code":"InternalServerError","message":"%s"}}`, r.Header.Get("Authorization"))
		return true
	}
	c, _, _ := collectWith(t, f)
	for _, key := range []string{capture.KeyOrganization, capture.KeyUsers, capture.Key(capture.KeySecurityContacts, testSub)} {
		if ds := c.Datasets[key]; ds.Status == capture.OK || !strings.Contains(ds.Error, "[REDACTED]") {
			t.Errorf("%s: %s %q; want a failure with the echoed token redacted", key, ds.Status, ds.Error)
		}
	}
	for _, ds := range c.Datasets {
		for _, s := range []string{ds.Error, ds.URL, ds.Permission} {
			if strings.Contains(s, "SECRET-BEARER-TOKEN") {
				t.Errorf("%s leaks the token: %q", ds.Key, s)
			}
		}
	}
}

func TestCleanURLDropsPagingAndSecrets(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"https://graph.microsoft.com/v1.0/users?$top=999&$skiptoken=abc", "https://graph.microsoft.com/v1.0/users?%24top=999"},
		{"https://user:pw@management.azure.com/x?api-version=1&sig=s#frag", "https://management.azure.com/x?api-version=1"},
	}
	for _, tt := range tests {
		u := mustURL(t, tt.in)
		if got := cleanURL(u); got != tt.want {
			t.Errorf("cleanURL(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestCollectNeedsAReachableCredentialOnlyWhenReading(t *testing.T) {
	t.Parallel()
	// A broken endpoint is an error at once, not a pile of failed datasets.
	_, err := Collect(context.Background(), Options{Credential: tokenCred{}, ARMEndpoint: "not a url"})
	if err == nil || !strings.Contains(err.Error(), "not an absolute URL") {
		t.Errorf("err = %v", err)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// failingCred is a credential that cannot get a token, as when nobody is
// signed in, failing the way DefaultAzureCredential does.
type failingCred struct{}

func (failingCred) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{}, errors.New("DefaultAzureCredential: failed to acquire a token.\nAttempted credentials:\n\tEnvironmentCredential: missing environment variable AZURE_TENANT_ID\n\tAzureCLICredential: Azure CLI not found on path")
}

func TestNoCredentialFailsOnceWithHowToSignIn(t *testing.T) {
	t.Parallel()
	for name, read := range map[string]func(context.Context, Options) (*capture.Capture, error){"collect": Collect, "probe": Probe} {
		c, err := read(context.Background(), Options{Credential: failingCred{}})
		if err == nil || c != nil {
			t.Fatalf("%s: capture %v, err %v; want one sign-in error and no capture", name, c, err)
		}
		msg := err.Error()
		if !strings.Contains(msg, "az login") || !strings.Contains(msg, "--from") || !strings.Contains(msg, "AzureCLICredential") || strings.Contains(msg, "\n") {
			t.Errorf("%s: %q should say how to sign in, keep the cause, on one line", name, msg)
		}
	}
}

// TestUnknownOrForeignSubscriptionIsNotJudged: a subscription ID mistyped
// in --subscription answers 404 SubscriptionNotFound to every read, and one
// of another tenant 401 InvalidAuthenticationTokenTenant. The first was
// taken for "none configured" (four checks failed on a subscription that
// does not exist), the second for a missing role; both are now failed
// reads that say why, and no check passes or fails on them.
func TestUnknownOrForeignSubscriptionIsNotJudged(t *testing.T) {
	t.Parallel()
	const ghost, foreign = "11111111-2222-4333-8444-555555555555", "66666666-7777-4888-8999-000000000000"
	f := newFakes(t)
	f.intercept = func(w http.ResponseWriter, r *http.Request) bool {
		switch p := strings.ToLower(r.URL.Path); {
		case strings.Contains(p, ghost):
			w.WriteHeader(404)
			io.WriteString(w, `{"error":{"code":"SubscriptionNotFound","message":"The subscription '`+ghost+`' could not be found."}}`)
		case strings.Contains(p, foreign):
			w.WriteHeader(401)
			io.WriteString(w, `{"error":{"code":"InvalidAuthenticationTokenTenant","message":"The access token is from the wrong issuer. It must match the tenant associated with this subscription."}}`)
		default:
			return false
		}
		return true
	}
	opts, _ := env(t, f)
	opts.Subscriptions = []string{ghost, foreign}
	c, err := Collect(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	for sub, why := range map[string]string{ghost: "was not found", foreign: "another tenant"} {
		for _, p := range []string{capture.KeyActivityLogAlerts, capture.KeySecurityContacts, capture.KeyRoleAssignments} {
			ds := c.Datasets[capture.Key(p, sub)]
			if ds == nil || ds.Status != capture.Failed || ds.Permission != "" || !strings.Contains(ds.Error, why) {
				t.Errorf("%s: %+v; want failed, no permission blamed, saying %q", capture.Key(p, sub), ds, why)
			}
		}
	}
	s, _ := posture.Build(c)
	for _, fd := range posture.Run(s, posture.DefaultConfig()) {
		if (fd.Scope == "/subscriptions/"+ghost || fd.Scope == "/subscriptions/"+foreign) && fd.Status != posture.NotAssessed {
			t.Errorf("%s at %s: %s: %s; want not assessed", fd.Check, fd.Scope, fd.Status, fd.Summary)
		}
	}
}
