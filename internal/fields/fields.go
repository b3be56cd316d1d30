// Package fields resolves Sigma field names against mamori's events: the
// normalised and enrichment fields of event.Event (by their JSON names,
// e.g. principal.upn, enrich.size.gpus), the raw record as Azure wrote it
// (dotted paths, any case, through JSON held in strings), and the names
// SigmaHQ's Azure rules use for the diagnostic-settings and Log Analytics
// shapes, mapped onto whatever shape the event came in. docs/fields.md is the
// reference table.
//
// A Resolver hands out field ids when rules compile; an Event (one per
// goroutine) reads them from one event.Event at a time without
// allocating once warm.
package fields

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/sigma"
)

// spec is how one resolved field is read: a list of sources tried in
// order, the first present one giving the values, possibly depending on
// the event's kind.
type spec struct {
	name     string
	sources  []source
	byKind   [kindCount][]source // nil entries fall back to sources
	keywords bool
}

const kindCount = event.KindCount

// sourcesFor returns the sources that apply to an event of kind k.
func (s *spec) sourcesFor(k event.Kind) []source {
	if int(k) < kindCount && s.byKind[k] != nil {
		return s.byKind[k]
	}
	return s.sources
}

// Resolver implements sigma.Resolver for event.Event. It is safe for
// concurrent use; compiling may go on while Events evaluate.
type Resolver struct {
	mu     sync.Mutex
	byName map[string]sigma.FieldInfo
	specs  atomic.Pointer[[]*spec] // copy-on-write, read by Events
}

// New returns an empty resolver.
func New() *Resolver {
	r := &Resolver{byName: map[string]sigma.FieldInfo{}}
	r.specs.Store(&[]*spec{})
	return r
}

// reserved are the namespaces of the normalised fields: a name under one
// of them that the table lacks is a typo, reported rather than looked up
// in the raw record.
var reserved = []string{"principal.", "compute.", "extension.", "quota.", "role.", "tenant_change.", "export.",
	"signin.", "audit.", "flow.", "dns.", "process.", "security_alert.", "risk.", "enrich.", "loc."}

var auditdArg = regexp.MustCompile(`^a[0-9]{1,3}$`)

// Resolve returns the id of a field name. Names are tried in this order:
// a normalised field (exact, lower-case JSON name), a known alias (any
// case), a raw record path (any case).
func (r *Resolver) Resolve(name string) (sigma.FieldInfo, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if fi, ok := r.byName[name]; ok {
		return fi, nil
	}
	s, fi, err := build(name)
	if err != nil {
		return sigma.FieldInfo{}, err
	}
	old := *r.specs.Load()
	specs := append(old[:len(old):len(old)], s)
	fi.ID = sigma.FieldID(len(specs) - 1)
	r.specs.Store(&specs)
	r.byName[name] = fi
	return fi, nil
}

// build makes the spec of a name and what the compiler may know of it.
func build(name string) (*spec, sigma.FieldInfo, error) {
	if name == sigma.KeywordsField {
		return &spec{name: name, keywords: true}, sigma.FieldInfo{Verbatim: true}, nil
	}
	if g, ok := normalised[name]; ok {
		fi := sigma.FieldInfo{Verbatim: verbatimTyped[name], Refreshed: refreshedTyped[name]}
		// The fields a reader can test before decoding the rest of a
		// record: every event has at most one value of each.
		switch name {
		case "operation", "outcome", "enrich.src_ip.azure", "quota.exceeded", "enrich.pool.kind",
			"signin.risk_level", "signin.risk_state":
			fi.Index = name
		}
		return &spec{name: name, sources: []source{{typed: g}}}, fi, nil
	}
	for _, p := range reserved {
		if strings.HasPrefix(name, p) {
			return nil, sigma.FieldInfo{}, fmt.Errorf("no normalised field %q (see docs/fields.md)", name)
		}
	}
	if a, ok := aliases[strings.ToLower(name)]; ok {
		return a.spec(name)
	}
	if auditdArg.MatchString(name) {
		// auditd EXECVE arguments, as the host reader nests them.
		return aliasOf(raw("EXECVE."+name), raw(name)).spec(name)
	}
	p, err := parsePath(name)
	if err != nil {
		return nil, sigma.FieldInfo{}, err
	}
	s := &spec{name: name, sources: []source{{path: p}}}
	// Diagnostic-settings records keep the payload under properties; Log
	// Analytics rows have it at the top: try the other form too.
	if strings.EqualFold(p.segs[0], "properties") {
		if len(p.segs) > 1 {
			q, _ := parsePath(strings.Join(p.segs[1:], "."))
			s.sources = append(s.sources, source{path: q})
		}
	} else {
		q, _ := parsePath("properties." + name)
		s.sources = append(s.sources, source{path: q})
	}
	return s, sigma.FieldInfo{Verbatim: true}, nil
}

// path is a raw dotted path, prepared at compile time.
type path struct {
	segs  []string
	joins [][]string // joins[i][j]: segs[i..j] joined by dots, for keys holding dots
	alts  []string   // Log Analytics CSV column names of segs[0]

	// The same, lowered for case-insensitive lookup ("" when not ASCII,
	// which makes member fall back to full folding).
	lower      []string
	lowerJoins [][]string
	lowerAlts  []string

	// body is the index of the first segment naming an Activity Log
	// record's request or response body, -1 when none does: the members
	// past it are looked up in the caller's text (see member).
	body int
}

func parsePath(name string) (*path, error) {
	if name == "" || strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".") || strings.Contains(name, "..") {
		return nil, errors.New("not a field path")
	}
	segs := strings.Split(name, ".")
	p := &path{segs: segs, joins: make([][]string, len(segs))}
	for i := range segs {
		p.joins[i] = make([]string, len(segs))
		for j := i + 1; j < len(segs); j++ {
			p.joins[i][j] = strings.Join(segs[i:j+1], ".")
		}
	}
	// The portal's CSV export writes dynamic columns as X_dynamic and
	// X_string, and older exports X_d.
	for _, suf := range []string{"_dynamic", "_string", "_d"} {
		p.alts = append(p.alts, segs[0]+suf)
	}
	p.lower = lowerAll(p.segs)
	p.body = slices.IndexFunc(p.lower, func(s string) bool { return s == "requestbody" || s == "responsebody" })
	p.lowerAlts = lowerAll(p.alts)
	for _, j := range p.joins {
		p.lowerJoins = append(p.lowerJoins, lowerAll(j))
	}
	return p, nil
}

// Names returns every name the resolver recognises without looking at a
// record: the normalised fields and the aliases, sorted.
func Names() (normalisedNames, aliasNames []string) {
	for n := range normalised {
		normalisedNames = append(normalisedNames, n)
	}
	for n := range aliases {
		aliasNames = append(aliasNames, n)
	}
	return sortStrings(normalisedNames), sortStrings(aliasNames)
}

// lowerAll lowers ASCII names; a non-ASCII name gets "" so that lookups
// use full case folding for it.
func lowerAll(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		ascii := true
		for j := 0; j < len(n); j++ {
			ascii = ascii && n[j] < 0x80
		}
		if ascii {
			out[i] = strings.ToLower(n)
		}
	}
	return out
}

func sortStrings(s []string) []string {
	slices.Sort(s)
	return s
}
