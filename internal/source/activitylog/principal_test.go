package activitylog

import (
	"testing"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/record"
)

// The authorization evidence names the principal of the role assignment
// that allowed a call: the caller's own, or a group it is in. It tells the
// caller's type only when it names the caller.
func TestPrincipalFromEvidence(t *testing.T) {
	t.Parallel()
	const (
		userClaims = `{"http://schemas.microsoft.com/identity/claims/objectidentifier":"0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d","appid":"c44b4083-3bb0-49c1-b47d-974e53cbdf3c"}`
		appClaims  = `{"appid":"c44b4083-3bb0-49c1-b47d-974e53cbdf3c"}`
	)
	cases := []struct {
		name, claims, evidence string
		wantID, wantType       string
	}{
		{"the caller's own assignment", userClaims,
			`{"principalId":"0a1b2c3d4e5f4a6b8c7d9e0f1a2b3c4d","principalType":"ServicePrincipal"}`,
			"0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "ServicePrincipal"},
		{"another principal's assignment", userClaims,
			`{"principalId":"abcdef038c6444c18f1c31311fabcdef","principalType":"ServicePrincipal"}`,
			"0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "ServicePrincipal"}, // app id and object id, no UPN: inferred
		{"a group the caller is in", userClaims,
			`{"principalId":"abcdef038c6444c18f1c31311fabcdef","principalType":"Group"}`,
			"0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "ServicePrincipal"},
		{"no object id: the evidence names the caller", appClaims,
			`{"principalId":"abcdef038c6444c18f1c31311fabcdef","principalType":"ServicePrincipal"}`,
			"abcdef03-8c64-44c1-8f1c-31311fabcdef", "ServicePrincipal"},
		{"no object id, a group's assignment", appClaims,
			`{"principalId":"abcdef038c6444c18f1c31311fabcdef","principalType":"Group"}`,
			"", ""},
	}
	for _, c := range cases {
		var p fastjson.Parser
		claims := fastjson.MustParse(c.claims)
		authz, err := p.Parse(`{"evidence":` + c.evidence + `}`)
		if err != nil {
			t.Fatal(err)
		}
		cs := scanClaims(claims)
		var sc record.Scratch
		got := principal(&sc, "", &cs, authz, "")
		if got.ID != c.wantID || got.Type != c.wantType {
			t.Errorf("%s: principal %q of type %q, want %q of type %q", c.name, got.ID, got.Type, c.wantID, c.wantType)
		}
	}

	// A user whose access comes from a group is a user.
	cs := scanClaims(fastjson.MustParse(`{"oid":"0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d","upn":"mallory@contoso.example"}`))
	var sc record.Scratch
	got := principal(&sc, "", &cs, fastjson.MustParse(`{"evidence":{"principalId":"abcdef038c6444c18f1c31311fabcdef","principalType":"Group"}}`), "")
	if got.Type != "User" {
		t.Errorf("a user granted through a group has type %q, want User", got.Type)
	}
}
