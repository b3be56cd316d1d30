package activitylog

import (
	"strings"

	"github.com/mamori-sec/mamori/internal/record"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
)

// Principal types, as event.Principal names them.
const (
	typeUser = "User"
	typeSP   = "ServicePrincipal"
	typeMI   = "ManagedIdentity"
)

// stsPrefix starts the issuer URI of an Entra tenant; the tenant id follows.
const stsPrefix = "https://sts.windows.net/"

// principalTypes are the evidence principalType values, canonical spelling.
var principalTypes = []string{typeUser, typeSP, typeMI, "Group", "ForeignGroup", "Device", "Unknown"}

// claimSet holds the token claims ARM copies into a record. v1 tokens use
// the long SAML-style URIs, v2 tokens the short names; both are read.
type claimSet struct {
	oid, tid, upn, uniqueName, email, preferred, name, nameURI *fastjson.Value
	appid, azp, idtyp, mirid, idp, ipaddr                      *fastjson.Value
}

// claimList names the claims scanClaims reads: the cases of its switch,
// which only members of claimNames reach.
var claimList = []string{
	"http://schemas.microsoft.com/identity/claims/objectidentifier", "oid",
	"http://schemas.microsoft.com/identity/claims/tenantid", "tid",
	"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn", "upn", "unique_name",
	"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress", "email",
	"preferred_username", "name", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
	"appid", "azp", "idtyp", "xms_mirid",
	"http://schemas.microsoft.com/identity/claims/identityprovider", "idp", "ipaddr",
}

// claimNames is the set scanClaims passes members through.
var claimNames = namesOf(claimList...)

// scanClaims reads the claims in one pass over the object.
func scanClaims(o *fastjson.Value) (c claimSet) {
	var buf [maxName]byte
	eachMember(o, func(k []byte, x *fastjson.Value) {
		switch string(claimNames.lower(&buf, k)) {
		case "http://schemas.microsoft.com/identity/claims/objectidentifier", "oid":
			set(&c.oid, x)
		case "http://schemas.microsoft.com/identity/claims/tenantid", "tid":
			set(&c.tid, x)
		case "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn", "upn":
			set(&c.upn, x)
		case "unique_name":
			set(&c.uniqueName, x)
		case "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress", "email":
			set(&c.email, x)
		case "preferred_username":
			set(&c.preferred, x)
		case "name":
			set(&c.name, x)
		case "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name":
			set(&c.nameURI, x)
		case "appid":
			set(&c.appid, x)
		case "azp":
			set(&c.azp, x)
		case "idtyp":
			set(&c.idtyp, x)
		case "xms_mirid": // only managed identities' tokens carry it
			set(&c.mirid, x)
		case "http://schemas.microsoft.com/identity/claims/identityprovider", "idp":
			set(&c.idp, x)
		case "ipaddr":
			set(&c.ipaddr, x)
		}
	})
	return c
}

// tenant returns the tenant the token was issued for.
func (c *claimSet) tenant(sc *record.Scratch) string { return sc.Lower(peek(c.tid)) }

// principal builds who did it from the caller field, the token claims and
// the authorization evidence. The caller is not on every record (diagnostic
// records never have it) so the claims fill what it lacks: the object id,
// the UPN (upn, unique_name, email, or the name URI claim when it holds an
// address), the display name, the application. The type comes from a
// managed identity's xms_mirid claim, else the evidence's principalType
// (when the evidence names the caller, not a group it is in),
// else idtyp, else is inferred: a UPN means a user, an app id and object id
// without one a service principal. TenantID is set to the home tenant a
// guest's identityprovider claim names when it differs from the tenant the
// token was issued for.
// The claims are read through peek views and kept interned: one tenant's
// principals sign record after record.
func principal(sc *record.Scratch, caller string, c *claimSet, authz *fastjson.Value, tenant string) event.Principal {
	var p event.Principal
	caller = strings.TrimSpace(caller)
	switch {
	case strings.IndexByte(caller, '@') > 0:
		p.UPN = caller
	case record.IsGUID(caller):
		p.ID = strings.ToLower(caller)
	case caller != "":
		p.Name = caller
	}
	if p.ID == "" {
		p.ID = sc.Lower(peek(c.oid))
	}
	if p.UPN == "" {
		p.UPN = sc.Intern(peek(c.upn, c.uniqueName, c.email, c.preferred))
		if n := peek(c.nameURI); p.UPN == "" && strings.IndexByte(n, '@') > 0 {
			p.UPN = sc.Intern(n)
		}
	}
	if p.Name == "" {
		p.Name = sc.Intern(peek(c.name))
	}
	p.AppID = sc.Lower(peek(c.appid, c.azp))
	if c.mirid != nil {
		p.Type = typeMI
	}
	if idp := peek(c.idp); len(idp) > len(stsPrefix) && record.EqualFold(idp[:len(stsPrefix)], stsPrefix) {
		home := strings.TrimSuffix(idp[len(stsPrefix):], "/")
		if record.IsGUID(home) {
			if home = sc.Lower(home); home != c.tenant(sc) && home != tenant {
				p.TenantID = home
			}
		}
	}
	if ev := evidence(authz); ev != nil {
		// The evidence names the principal of the role assignment that
		// allowed the call: the caller's own, or a group the caller is in
		// (then a group's id and type, not the caller's). Only a caller's
		// own assignment says who called.
		id, typ := hexGUID(str(ev, "principalId")), enum(ev.Get("principalType"), principalTypes)
		if typ != "Group" && typ != "ForeignGroup" && (p.ID == "" || id == p.ID) {
			if p.ID == "" {
				p.ID = id
			}
			if p.Type == "" {
				p.Type = typ
			}
		}
	}
	if p.Type == "" {
		switch idtyp := peek(c.idtyp); {
		case record.EqualFold(idtyp, "app"):
			p.Type = typeSP
		case record.EqualFold(idtyp, "user"):
			p.Type = typeUser
		}
	}
	if p.Type == "" {
		switch {
		case p.UPN != "":
			p.Type = typeUser
		case p.AppID != "" && p.ID != "":
			p.Type = typeSP
		}
	}
	return p
}

// evidence returns authorization.evidence when it is an object.
func evidence(authz *fastjson.Value) *fastjson.Value {
	if authz == nil || authz.Type() != fastjson.TypeObject {
		return nil
	}
	if ev := authz.Get("evidence"); ev != nil && ev.Type() == fastjson.TypeObject {
		return ev
	}
	return nil
}
