package hunt

import (
	"strings"
	"sync"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// principalNames learns the names of principals the Activity Log names
// by object id only, so that an alert can say who acted by name. Service
// principals and managed identities are named by their sign-ins
// (servicePrincipalName) and by Entra's audit log, whose records name the
// app that acted and the service principals they act on ("Add service
// principal" names the new one, "Add service principal credentials" the
// one an attacker gave a secret to); many tenants export the audit log
// but not the service principals' sign-ins. Audit records are decoded in
// full. A service principal's sign-ins are many and nearly all read
// briefly: the first of each (by servicePrincipalId, event.Glance) is
// decoded in full instead, as records enrichment learns from are. A user
// is named by her UPN, which her records decoded in full carry beside
// her object id (Defender's alerts and role grants give the id alone).
type principalNames struct {
	mu    sync.Mutex
	asked map[string]bool    // ids whose first sign-in is decoded in full
	names map[string]namedAt // id, lower case → name, learned by this hunt
	// known are the names earlier hunts learned (Config.Names), for the
	// ids this one does not name: a service hunting in cycles meets a
	// principal's sign-in in one cycle and its writes in a later one.
	known map[string]string
	// learnedNames are names and users' merged (learned).
	learnedNames map[string]string
	// users are, per worker, users' object ids (lower case) and their
	// UPNs, from the records decoded in full: Defender's alerts and role
	// grants name a user by object id only, her writes by UPN as well.
	// One map a worker, as every full record of a user is looked at.
	users []map[string]namedAt
}

// namedAt is a name and the time (Unix µs) of the record that gave it.
// Of two names of one id the later record's wins, the greater name at
// one instant: the same in every run, whichever worker read what (an id
// renamed, or an export that names it two ways).
type namedAt struct {
	name string
	at   int64
}

// rename reports whether n replaces was, an id's name as present says.
func (n namedAt) rename(was namedAt, present bool) bool {
	return !present || n.at > was.at || n.at == was.at && n.name > was.name
}

// maxNamed bounds what principalNames holds: past it, sign-ins are no longer
// decoded in full for a name (a tenant has far fewer principals).
const maxNamed = 100_000

func newPrincipalNames(known map[string]string, workers int) *principalNames {
	n := &principalNames{asked: map[string]bool{}, names: map[string]namedAt{}, known: known, users: make([]map[string]namedAt, workers)}
	for w := range n.users {
		n.users[w] = map[string]namedAt{}
	}
	return n
}

// want reports whether a sign-in that starts as g is to be decoded in
// full for its service principal's name: the first of each id.
func (n *principalNames) want(g *event.Glance) bool {
	if g.ServicePrincipal == "" {
		return false
	}
	id := strings.ToLower(strings.TrimSpace(g.ServicePrincipal))
	n.mu.Lock()
	defer n.mu.Unlock()
	if id == "" || n.asked[id] || len(n.asked) >= maxNamed {
		return false
	}
	n.asked[id] = true
	return true
}

// learn notes the names ev, read by worker w, gives service principals
// and managed identities (its principal's, and an audit record's targets'
// of type ServicePrincipal) and its user principal's UPN (namedAt says
// which of two names of an id stays).
func (n *principalNames) learn(w int, ev *event.Event) {
	p := &ev.Principal
	switch p.Type {
	case "ServicePrincipal", "ManagedIdentity":
		n.note(p.ID, p.Name, ev.Time)
	case "User":
		if u := n.users[w]; p.ID != "" && p.UPN != "" {
			id := strings.ToLower(strings.TrimSpace(p.ID))
			// A log that names a user by address alone (Azure
			// Databricks') makes it her id too: no name to learn.
			nm := namedAt{strings.TrimSpace(p.UPN), ev.Time.UnixMicro()}
			if was, ok := u[id]; (ok || len(u) < maxNamed) && nm.rename(was, ok) && !strings.EqualFold(id, nm.name) {
				u[id] = nm
			}
		}
	}
	if ev.Audit == nil {
		return
	}
	for _, t := range ev.Audit.Targets {
		if strings.EqualFold(strings.TrimSpace(t.Type), "ServicePrincipal") {
			n.note(t.ID, t.Name, ev.Time)
		}
	}
}

func (n *principalNames) note(id, name string, at time.Time) {
	id, name = strings.ToLower(strings.TrimSpace(id)), strings.TrimSpace(name)
	if id == "" || name == "" {
		return
	}
	nm := namedAt{name, at.UnixMicro()}
	n.mu.Lock()
	defer n.mu.Unlock()
	if was, ok := n.names[id]; (ok || len(n.names) < maxNamed) && nm.rename(was, ok) {
		n.names[id] = nm
	}
}

// learned merges the workers' users into the names learned (a service
// principal's name first) and returns them all.
func (n *principalNames) learned() map[string]string {
	users := map[string]namedAt{}
	for _, u := range n.users {
		for id, nm := range u {
			if was, ok := users[id]; nm.rename(was, ok) {
				users[id] = nm
			}
		}
	}
	n.users = nil
	out := make(map[string]string, len(n.names)+len(users))
	for id, nm := range users {
		out[id] = nm.name
	}
	for id, nm := range n.names {
		out[id] = nm.name // a service principal's name first
	}
	n.learnedNames = out
	return out
}

// name names the hunt's alerts (Name) by what it learned, else by what
// earlier hunts did. Call it after learned.
func (n *principalNames) name(alerts []alert.Alert) { Name(alerts, n.learnedNames, n.known) }

// Name gives alerts whose principal is an object id one of names (object
// id in lower case to name, the first map that has it) holds its name
// (alert.PrincipalName), and in their summaries writes the name after
// each object id they know ("granted Owner to user 0275485b-…
// (mei@…)": the grantee is the attacker's new account, whose writes name
// it by UPN). A hunt does so at its end; `mamori alerts` with the names
// a store kept, which may come after the alerts it stored.
func Name(alerts []alert.Alert, names ...map[string]string) {
	lookup := func(id string) string {
		id = strings.ToLower(strings.TrimSpace(id))
		for _, m := range names {
			if nm, ok := m[id]; ok {
				return nm
			}
		}
		return ""
	}
	for i := range alerts {
		a := &alerts[i]
		a.Summary = annotateIDs(a.Summary, lookup)
		if a.PrincipalName == "" {
			a.PrincipalName = lookup(a.Principal)
		}
	}
}

// annotateIDs writes " (name)" after each object id in s (a GUID, 8-4-4-4-12
// hex digits, standing alone) that name knows.
func annotateIDs(s string, name func(string) string) string {
	var b strings.Builder
	done := 0
	for i := 0; i+guidLen <= len(s); i++ {
		if !record.IsGUID(s[i:i+guidLen]) || i > 0 && idByte(s[i-1]) || i+guidLen < len(s) && idByte(s[i+guidLen]) {
			continue
		}
		end := i + guidLen
		nm := name(s[i:end])
		if nm == "" || strings.HasPrefix(s[end:], " ("+nm+")") {
			i = end - 1
			continue
		}
		b.WriteString(s[done:end])
		b.WriteString(" (" + nm + ")")
		done, i = end, end-1
	}
	if done == 0 {
		return s
	}
	return b.String() + s[done:]
}

// guidLen is the length of a GUID's text (record.IsGUID).
const guidLen = 36

// idByte reports whether c could continue an id: a GUID inside a longer
// token is not one.
func idByte(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '-' || c == '_'
}
