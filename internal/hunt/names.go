package hunt

import (
	"strings"
	"sync"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/event"
)

// spNames learns the display names of service principals and managed
// identities from the records that carry them (their sign-ins, whose
// servicePrincipalName the Activity Log never has), so that an alert of
// an ARM write by one can say who acted by name, not only by object id.
// A service principal's sign-ins are many and nearly all read briefly:
// the first of each (by servicePrincipalId, event.Glance) is decoded in
// full instead, as records enrichment learns from are.
type spNames struct {
	mu    sync.Mutex
	asked map[string]bool   // ids whose first sign-in is decoded in full
	names map[string]string // id, lower case → name
}

// maxNamed bounds what spNames holds: past it, sign-ins are no longer
// decoded in full for a name (a tenant has far fewer principals).
const maxNamed = 100_000

func newSPNames() *spNames {
	return &spNames{asked: map[string]bool{}, names: map[string]string{}}
}

// want reports whether a sign-in that starts as g is to be decoded in
// full for its service principal's name: the first of each id.
func (n *spNames) want(g *event.Glance) bool {
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

// learn notes the name of ev's principal when it is a service principal's
// or a managed identity's; the first name of an id stays.
func (n *spNames) learn(ev *event.Event) {
	p := &ev.Principal
	if p.Type != "ServicePrincipal" && p.Type != "ManagedIdentity" || p.ID == "" || strings.TrimSpace(p.Name) == "" {
		return
	}
	id := strings.ToLower(strings.TrimSpace(p.ID))
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, ok := n.names[id]; !ok && len(n.names) < maxNamed {
		n.names[id] = strings.TrimSpace(p.Name)
	}
}

// name gives alerts whose principal is a service principal's object id
// the name learned for it (alert.PrincipalName).
func (n *spNames) name(alerts []alert.Alert) {
	for i := range alerts {
		a := &alerts[i]
		if a.PrincipalName != "" {
			continue
		}
		if nm, ok := n.names[strings.ToLower(strings.TrimSpace(a.Principal))]; ok {
			a.PrincipalName = nm
		}
	}
}
