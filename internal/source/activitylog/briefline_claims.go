package activitylog

import (
	"github.com/mamori-sec/mamori/internal/jsonwalk"
	"github.com/mamori-sec/mamori/internal/record"
)

// How BriefLine reads the claims: where briefClaims finds them (the
// identity's claims object, found as record.Key finds it) and what it
// reads of them (the tenant and address claims, first non-null of each).

// claim is one claim's value: a string without escapes (plain), or, when
// ok but not plain, any other value, which Peek would render and this
// reader does not.
type claim struct {
	jsonwalk.Span
	plain bool
}

// What the reader knows of the claims (identity.claims) the full path
// would read.
const (
	claimsNone    = iota // none: the full path reads no claim
	claimsRead           // an object, its tid and ipaddr read
	claimsUnknown        // a form this reader does not follow (a JSON string, escaped names)
)

// claimText returns a claim's text as briefClaims and Peek give it ("" for
// none), and false when this reader cannot tell what that is.
func (r *lineReader) claimText(c *claim) (string, bool) {
	switch {
	case r.claims == claimsUnknown:
		return "", false
	case r.claims == claimsNone || !c.OK:
		return "", true
	case !c.plain:
		return "", false
	}
	return c.View(r.B), true
}

// identityValue reads the value of an identity member: the first non-null
// one is where the full path finds the claims.
func (r *lineReader) identityValue(i int) int {
	b := r.B
	if r.identity || i >= len(b) {
		return r.SkipValue(i, 1)
	}
	switch b[i] {
	case 'n':
		return jsonwalk.Literal(b, i, "null")
	case '{':
		r.identity = true
		return r.identityObject(i + 1)
	case '"':
		r.claims = claimsUnknown // Scratch.Object may parse the string
	}
	r.identity = true // anything else holds no claims
	return r.SkipValue(i, 1)
}

// identityObject reads the identity object whose members start at i and
// returns the position past it. record.Key finds its claims: the first
// member named exactly "claims", else the first named so in any case.
func (r *lineReader) identityObject(i int) int {
	exact, loose, anyEsc := false, false, false
	end := r.Members(i, func(key []byte, at int) int {
		if !exact && string(key) == "claims" {
			exact = true
			return r.claimsValue(at)
		}
		// An escaped name may be "claims" once unescaped (and come
		// before this one), and bytes.EqualFold folds some non-ASCII
		// letters to ASCII ones.
		anyEsc = anyEsc || r.HasEscape(key)
		loose = loose || mayFoldTo(key, "claims")
		return r.SkipValue(at, 2)
	})
	if anyEsc || loose && !exact {
		r.claims = claimsUnknown
	}
	return end
}

// mayFoldTo reports whether bytes.EqualFold could find name equal to s
// (ASCII): when it does so ignoring ASCII case, or when it is not ASCII.
func mayFoldTo(name []byte, s string) bool {
	for _, c := range name {
		if c >= 0x80 {
			return true
		}
	}
	return record.EqualFold(name, s)
}

// claimsValue reads the value of identity's claims member.
func (r *lineReader) claimsValue(i int) int {
	b := r.B
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '{':
		r.claims = claimsRead
		return r.claimsObject(i + 1)
	case '"':
		r.claims = claimsUnknown // Scratch.Object may parse the string
	default:
		r.claims = claimsNone // null, a number, an array: no claims
	}
	return r.SkipValue(i, 2)
}

// claimsObject reads the claims object whose members start at i, as
// briefClaims does: the first non-null tenant claim (either name) and
// ipaddr, names in any ASCII case. It returns the position past it. (A
// loop of its own rather than scanMembers: claims are nearly half of a
// record's bytes, and a call per member through a function value showed.)
func (r *lineReader) claimsObject(i int) int {
	b := r.B
	i = jsonwalk.SkipWS(b, i)
	if i < len(b) && b[i] == '}' {
		return i + 1
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return -1
		}
		ke := r.InWord(i + 1)
		if ke < 0 {
			if ke = r.StrEnd(i + 1); ke < 0 {
				return -1
			}
		}
		key := b[i+1 : ke]
		if r.Plain && ke+2 < len(b) && b[ke+1] == ':' && b[ke+2] == '"' {
			// "name":"value", compact, in a line without a backslash:
			// most claims. Only names of three lengths can be one the
			// reader wants, and no name can hide one behind an escape.
			ve := r.InWord(ke + 3)
			if ve < 0 {
				if ve = r.StrEnd(ke + 3); ve < 0 {
					return -1
				}
			}
			if n := len(key); n == len(claimTID) || n == len(claimIPAddr) || n == len(claimTenantURI) {
				if c := r.claimOf(key); c != nil && !c.OK {
					*c = claim{Span: jsonwalk.Span{Start: ke + 3, End: ve, OK: true}, plain: true}
				}
			}
			i = ve + 1
		} else {
			if i = jsonwalk.Colon(b, ke); i < 0 {
				return -1
			}
			if c := r.claimOf(key); c != nil && !c.OK {
				i = r.claimValue(c, i)
			} else {
				i = r.SkipMember(i, 3)
			}
			if i < 0 {
				return -1
			}
		}
		if i+1 < len(b) && b[i] == ',' && b[i+1] == '"' {
			i++
			continue
		}
		var more bool
		if i, more = jsonwalk.Next(b, i, '}'); i < 0 || !more {
			return i
		}
	}
}

// claimOf returns where the claim named key goes, nil for a claim the
// reader does not want; an escaped name, which fastjson would unescape
// into any claim, makes the claims unknown.
func (r *lineReader) claimOf(key []byte) *claim {
	if r.HasEscape(key) {
		r.claims = claimsUnknown
		return nil
	}
	switch len(key) {
	case len(claimTID):
		if record.EqualFold(key, claimTID) {
			return &r.tid
		}
	case len(claimTenantURI):
		if record.EqualFold(key, claimTenantURI) {
			return &r.tid
		}
	case len(claimIPAddr):
		if record.EqualFold(key, claimIPAddr) {
			return &r.ipaddr
		}
	}
	return nil
}

// claimValue reads the value at i of a claim the reader wants and no
// earlier member filled into c; nulls are passed over, as eachMember
// does.
func (r *lineReader) claimValue(c *claim, i int) int {
	b := r.B
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case 'n':
		return jsonwalk.Literal(b, i, "null")
	case '"':
		e := r.StrEnd(i + 1)
		if e < 0 {
			return -1
		}
		*c = claim{Span: jsonwalk.Span{Start: i + 1, End: e, OK: true}, plain: !r.HasEscape(b[i+1 : e])}
		return e + 1
	}
	c.OK = true // not a string: Peek would render it
	return r.SkipValue(i, 3)
}
