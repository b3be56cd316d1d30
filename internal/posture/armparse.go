package posture

import (
	"encoding/json"
	"errors"
	"strings"
)

// Azure Resource Manager resources, in the shapes the ARM REST reference
// shows: {"id", "name", "type", "properties": {...}}.

// errNoID rejects an item without the identifier every use of it needs.
var errNoID = errors.New("item has no id")

// diagKind says which log a diagnostic setting exports.
type diagKind int

const (
	subDiag diagKind = iota
	tenantDiag
	entraDiag
)

func parseSubscription(s *Snapshot, _ []string, item json.RawMessage) error {
	var raw struct {
		ID             flexString `json:"id"`
		SubscriptionID flexString `json:"subscriptionId"`
		DisplayName    flexString `json:"displayName"`
		State          flexString `json:"state"`
		TenantID       flexString `json:"tenantId"`
	}
	err := decodeItem(item, &raw)
	if fatal(err) {
		return err
	}
	id := string(raw.SubscriptionID)
	if id == "" {
		id = subscriptionOfID(string(raw.ID))
	}
	if id == "" {
		return errNoID
	}
	sub := s.sub(id)
	sub.Name, sub.State, sub.Known = string(raw.DisplayName), string(raw.State), true
	sub.Tenant = strings.ToLower(strings.TrimSpace(string(raw.TenantID)))
	return err
}
