package engine

import "github.com/mamori-sec/mamori/internal/owner"

// tenantFor is who a hit that names no tenant belongs to: the data's only
// tenant, else the owner its subscription or folder has (owner.Table).
type tenantFor struct {
	only   string
	owners *owner.Table
}

func (t tenantFor) fill(h *keptHit) {
	if h.tenant != "" {
		return
	}
	if t.only != "" {
		h.tenant = t.only
		return
	}
	h.tenant = t.owners.Of(h.sub, h.loc.File)
}
