package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/incident"
	"github.com/mamori-sec/mamori/internal/notify"
	"github.com/mamori-sec/mamori/internal/plural"
	"github.com/mamori-sec/mamori/internal/report"
	"github.com/mamori-sec/mamori/internal/serve"
	"github.com/mamori-sec/mamori/internal/store"
)

// newNotifier makes the --notify webhook's notifier; its errors never
// name the URL.
func newNotifier(f *serveFlags) (*notify.Notifier, error) {
	format, err := notify.ParseFormat(f.notifyFormat)
	if err != nil {
		return nil, fmt.Errorf("--notify-format: %w", err)
	}
	min, ok := alert.ParseSeverity(strings.TrimSpace(f.notifySeverity))
	if !ok || min == alert.Informational {
		return nil, fmt.Errorf("--notify-severity %q: low, medium, high or critical", report.Terminal(f.notifySeverity))
	}
	n, err := notify.New(f.notify, format, min)
	if err != nil {
		return nil, fmt.Errorf("--notify: %w", err)
	}
	return n, nil
}

// notifyCycle posts to the webhook, if any, the cycle's alerts, led by
// their incidents (ci: storeIncidentsOf), with those earlier posts did
// not get through, which the store holds until one does (a week at
// most), and the logs that stopped or started arriving (told once, as on
// standard error; not held). A stop asked for after the commit still
// posts: the alerts are written out, and the page is what they are for.
func notifyCycle(ctx context.Context, n *notify.Notifier, st *store.Store, iopts incident.Options, ci cycleIncidents, stderr io.Writer, res *serve.Result) (out notified) {
	if n == nil {
		return out
	}
	ctx = context.WithoutCancel(ctx)
	now := time.Now()
	// The cycle's health counted what the store holds (HeldCount): the
	// held alerts are read, and the stale forgotten, only when any are.
	var held store.Held
	if res.Health.NotifyHeld > 0 {
		var err error
		if held, err = st.Held(ctx, now); err != nil {
			fmt.Fprintln(stderr, "mamori serve: notify:", report.Terminal(err.Error()))
		}
	}
	if held.Dropped > 0 {
		fmt.Fprintf(stderr, "mamori serve: notify: %s the webhook did not take for a week no longer held ('mamori alerts' lists them)\n", plural.Count(held.Dropped, "alert", "alerts"))
	}
	m := withHeld(n, res, held)
	m.Tenants = severalTenants(res.Health)
	for _, q := range res.WentQuiet {
		m.Quiet = append(m.Quiet, notify.QuietLog{Name: logLabel(q), For: now.Sub(q.Arrived), Arrived: q.Arrived, Last: q.Last})
	}
	for _, q := range res.Back {
		m.Back = append(m.Back, logLabel(q))
	}
	if m.Empty() {
		return out
	}
	out.posted = true
	// The cycle's alerts name the store's incidents already (incs); held
	// ones, of earlier cycles, are grouped again with them.
	if m.Held > 0 {
		var err error
		if ci, err = storeIncidentsOf(ctx, st, iopts, m.Fresh, m.Revised); err != nil {
			fmt.Fprintln(stderr, "mamori serve: notify: the alerts' incidents:", report.Terminal(err.Error()))
		}
	}
	m.Incidents = incidentsOf(ci.incs, &m)
	for _, inc := range m.Incidents {
		if was := ci.formerly[inc.ID]; len(was) > 0 {
			if m.Formerly == nil {
				m.Formerly = map[string][]string{}
			}
			m.Formerly[inc.ID] = was
		}
	}
	// The post has a minute, its tries included; the store's reads and
	// writes around it are not cut short by it.
	sendCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if _, err := n.Send(sendCtx, m); err != nil {
		kept := ""
		if n := len(m.Fresh) + len(m.Revised); n > 0 {
			kept = fmt.Sprintf("; %s held for the next cycle", plural.Count(n, "alert", "alerts"))
		}
		fmt.Fprintf(stderr, "mamori serve: notify: not told: %s%s\n", report.Terminal(err.Error()), kept)
		if err := st.Hold(ctx, m.Fresh, m.Revised, now); err != nil {
			fmt.Fprintln(stderr, "mamori serve: notify:", report.Terminal(err.Error()))
		}
		out.held = len(m.Fresh) + len(m.Revised)
		return out
	}
	out.ok = true
	var told []string
	for _, as := range [][]alert.Alert{held.Fresh, held.Revised} {
		for _, a := range as {
			told = append(told, a.ID)
		}
	}
	if err := st.Release(ctx, told); err != nil {
		fmt.Fprintln(stderr, "mamori serve: notify:", report.Terminal(err.Error()))
	}
	return out
}

// notified is what notifyCycle did: posted says it posted, ok that the
// webhook took the post, held how many alerts the store holds for it
// after.
type notified struct {
	posted, ok bool
	held       int
}

// withHeld is the message of a cycle: its alerts the notifier tells of,
// and those held from earlier cycles, once each: as the cycle has it
// when it has it too (a held alert it wrote again is told revised).
func withHeld(n *notify.Notifier, res *serve.Result, held store.Held) notify.Message {
	m := notify.Message{Fresh: n.Keep(res.Fresh), Revised: n.Keep(res.Revised)}
	seen := map[string]bool{}
	for _, as := range [][]alert.Alert{m.Fresh, m.Revised} {
		for _, a := range as {
			seen[a.ID] = true
		}
	}
	for _, a := range n.Keep(slices.Concat(held.Fresh, held.Revised)) {
		if seen[a.ID] {
			continue
		}
		seen[a.ID] = true
		m.Held++
		if a.Revised {
			m.Revised = append(m.Revised, a)
		} else {
			m.Fresh = append(m.Fresh, a)
		}
	}
	if m.Held > 0 {
		m.HeldSince = held.Since
	}
	return m
}

// incidentReach is how far before the earliest alert a cycle writes or
// tells the store's alerts are grouped again to find its incidents: an
// attack whose alerts are a day or less apart (incident.DefaultGap) is
// found whole when it began within the week. `mamori alerts`, over
// everything, may find one that began earlier whole, with another id.
const incidentReach = 7 * 24 * time.Hour

// cycleIncidents are the incidents the store's alerts make around a
// cycle's, and, for each whose id changed since some of
// its alerts were written (an earlier alert joined: a log read late; two
// became one), the ids it was written and told under before.
type cycleIncidents struct {
	incs     []incident.Incident
	formerly map[string][]string
}

// storeIncidentsOf names, for each alert of the lists, its incident as
// the store's alerts make it (a cycle's hunt groups only its own), and
// returns the incidents of the week they are in, worst first (a message
// picks its own: incidentsOf). An incident's id is its first
// alert's: an attack served over many cycles is written and told under
// one id, the one 'mamori alerts' lists.
func storeIncidentsOf(ctx context.Context, st *store.Store, iopts incident.Options, lists ...[]alert.Alert) (cycleIncidents, error) {
	all := slices.Concat(lists...)
	if len(all) == 0 {
		return cycleIncidents{}, nil
	}
	from := slices.MinFunc(all, func(a, b alert.Alert) int { return a.Time.Compare(b.Time) }).Time.Add(-incidentReach)
	as, incs, stored, err := storeIncidents(ctx, st, from, iopts)
	if err != nil {
		return cycleIncidents{}, err
	}
	in := make(map[string]string, len(as))
	for _, a := range as {
		in[a.ID] = a.Incident
	}
	for _, l := range lists {
		for i := range l {
			if id, ok := in[l[i].ID]; ok {
				l[i].Incident = id
			}
		}
	}
	return cycleIncidents{incs: incs, formerly: formerIDs(as, stored)}, nil
}

// formerIDs are, by incident, the other ids its alerts were stored under
// (serve writes each alert with its incident's id then: noteIncidents),
// sorted: what an incident was written and told as before its id
// changed.
func formerIDs(as []alert.Alert, stored map[string]string) map[string][]string {
	var out map[string][]string
	for _, a := range as {
		was := stored[a.ID]
		if a.Incident == "" || was == "" || was == a.Incident || slices.Contains(out[a.Incident], was) {
			continue
		}
		if out == nil {
			out = map[string][]string{}
		}
		out[a.Incident] = append(out[a.Incident], was)
	}
	for _, ids := range out {
		slices.Sort(ids)
	}
	return out
}

// noteIncidents keeps in the store the incident each alert of the lists
// was written under, for a later cycle to say what an incident was told
// as before its id changed.
func noteIncidents(ctx context.Context, st *store.Store, lists ...[]alert.Alert) error {
	ids := map[string]string{}
	for _, l := range lists {
		for _, a := range l {
			if a.Incident != "" {
				ids[a.ID] = a.Incident
			}
		}
	}
	return st.SetIncidents(ctx, ids)
}

// incidentsOf are those of incs that hold an alert of m.
func incidentsOf(incs []incident.Incident, m *notify.Message) []incident.Incident {
	holds := map[string]bool{}
	for _, as := range [][]alert.Alert{m.Fresh, m.Revised} {
		for _, a := range as {
			holds[a.Incident] = true
		}
	}
	var out []incident.Incident
	for _, inc := range incs {
		if holds[inc.ID] {
			out = append(out, inc)
		}
	}
	return out
}

// severalTenants reports whether the store follows logs of more than one
// tenant: a service over several then names each alert's.
func severalTenants(h serve.Health) bool {
	for _, t := range h.Tenants {
		if t.Tenant != h.Tenants[0].Tenant {
			return true
		}
	}
	return false
}

// notifyTest sends --notify-test's message: a way to check a webhook or
// a mail server when setting serve up, not when an attack comes.
func notifyTest(ctx context.Context, n *notify.Notifier, stderr io.Writer) int {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if _, err := n.Send(ctx, notify.Message{Test: true}); err != nil {
		fmt.Fprintln(stderr, "mamori serve: --notify-test: not told:", report.Terminal(err.Error()))
		return ExitError
	}
	fmt.Fprintln(stderr, "mamori serve: --notify-test: sent; the receiver took it")
	return ExitOK
}
