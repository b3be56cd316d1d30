package cli

import (
	"context"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/incident"
	"github.com/mamori-sec/mamori/internal/notify"
	"github.com/mamori-sec/mamori/internal/store"
)

// An attack served over many cycles adds alerts to its incident every
// cycle (a minute, by default): told each time, a channel gets a message
// a minute for as long as the attack goes on. --notify-every paces an
// incident's tellings, as an alert manager's group interval does: a new
// incident pages at once, and so does one whose severity rose; its
// other new alerts wait in the store (notify_held, waiting) and are told
// together once the span since its last telling has passed.

// toldOf is, when alerts are paced (--notify-every), when each incident
// of the lists' alerts was last told.
func (rv *receivers) toldOf(ctx context.Context, st *store.Store, incs []incident.Incident, lists [][]alert.Alert) (map[string]store.Told, error) {
	if !rv.paced() {
		return nil, nil
	}
	holds := map[string]bool{}
	for _, l := range lists {
		for _, a := range l {
			holds[a.Incident] = true
		}
	}
	var ids []string
	for _, in := range incs {
		if holds[in.ID] {
			ids = append(ids, in.ID)
		}
	}
	return st.ToldOf(ctx, ids)
}

// pace keeps in m, when its route paces them (every, --notify-every), the alerts of
// the incidents due to be told: never told (a new attack pages at once),
// told at a lower severity (the miner joined it), or told --notify-every
// ago or more; it returns the others, which wait in the store for their
// incident's next telling. An alert in no incident is always due.
func pace(m *notify.Message, every time.Duration, incs []incident.Incident, told map[string]store.Told, held store.Held, now time.Time) (wait store.Held) {
	if every <= 0 {
		return wait
	}
	sev := make(map[string]alert.Severity, len(incs))
	for _, in := range incs {
		sev[in.ID] = in.Severity
	}
	due := func(a alert.Alert) bool {
		s, ok := sev[a.Incident]
		t, was := told[a.Incident]
		return !ok || !was || s > t.Severity || now.Sub(t.At) >= every
	}
	var fresh, revised []alert.Alert
	for _, a := range m.Fresh {
		if due(a) {
			fresh = append(fresh, a)
		} else {
			wait.Fresh = append(wait.Fresh, a)
		}
	}
	for _, a := range m.Revised {
		if due(a) {
			revised = append(revised, a)
		} else {
			wait.Revised = append(wait.Revised, a)
		}
	}
	m.Fresh, m.Revised = fresh, revised
	countHeld(m, held)
	return wait
}
