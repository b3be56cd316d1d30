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
	"github.com/mamori-sec/mamori/internal/respond"
	"github.com/mamori-sec/mamori/internal/serve"
	"github.com/mamori-sec/mamori/internal/store"
)

// notifyCycle tells each receiver of the cycle's alerts of its tenants,
// led by their incidents (ci: storeIncidentsOf), and the logs of its
// tenants that stopped or started arriving and serve's readers failing or
// reading again, with those earlier posts did not get through, which the
// store holds until one does (a week at most). A stop asked for after the
// commit still posts: the alerts are written out, and the page is what
// they are for.
func notifyCycle(ctx context.Context, rv *receivers, st *store.Store, iopts incident.Options, ci cycleIncidents, stderr io.Writer, res *serve.Result, news readersNews) (out notified) {
	if rv == nil {
		return out
	}
	ctx = context.WithoutCancel(ctx)
	now := time.Now()
	// The cycle's health counted what the store holds (HeldCount): the
	// held alerts are read, and the stale forgotten, only when any are.
	var held store.Held
	if res.Health.NotifyHeld+res.Health.NotifyWaiting > 0 {
		var err error
		if held, err = st.Held(ctx, now); err != nil {
			fmt.Fprintln(stderr, "mamori serve: notify:", report.Terminal(err.Error()))
		}
	}
	if held.Dropped > 0 {
		fmt.Fprintf(stderr, "mamori serve: notify: %s the receivers did not take for a week no longer held ('mamori alerts' lists them)\n", plural.Count(held.Dropped, "alert", "alerts"))
	}
	ms, unrouted := rv.messages(res, held, news, now)
	if unrouted != "" {
		fmt.Fprintln(stderr, "mamori serve: notify: not told, no receiver in --notify-routes:", unrouted)
	}
	// News a receiver did not take before, told with the cycle's own.
	var heldNews map[string][]store.News
	if res.Health.NewsHeld > 0 {
		var dropped int
		var err error
		if heldNews, dropped, err = st.NewsHeld(ctx, now); err != nil {
			fmt.Fprintln(stderr, "mamori serve: notify:", report.Terminal(err.Error()))
		}
		if dropped > 0 {
			fmt.Fprintf(stderr, "mamori serve: notify: news of %s the receivers did not take for a week no longer held ('mamori status' says what stands)\n",
				plural.Count(dropped, "log or reader", "logs or readers"))
		}
		for i := range ms {
			withNews(&ms[i], heldNews[rv.Routes[i].Name()], now)
		}
	}
	// The cycle's alerts name the store's incidents already (ci); held
	// ones, of earlier cycles, are grouped again with them.
	var lists [][]alert.Alert
	for _, m := range ms {
		lists = append(lists, m.Fresh, m.Revised)
	}
	if len(held.At) > 0 {
		var err error
		if ci, err = storeIncidentsOf(ctx, st, iopts, lists...); err != nil {
			fmt.Fprintln(stderr, "mamori serve: notify: the alerts' incidents:", report.Terminal(err.Error()))
		}
	}
	told, err := rv.toldOf(ctx, st, ci.incs, lists)
	if err != nil {
		fmt.Fprintln(stderr, "mamori serve: notify:", report.Terminal(err.Error()))
	}
	waited := false
	for i := range ms {
		wait := pace(&ms[i], rv.every[i], ci.incs, told, held, now)
		if !ms[i].Empty() {
			out.posts++
			if rv.send(ctx, i, &ms[i], ci, held, heldNews[rv.Routes[i].Name()], st, stderr, now) {
				out.ok++
			}
		}
		if err := st.Hold(ctx, wait.Fresh, wait.Revised, now, true); err != nil {
			fmt.Fprintln(stderr, "mamori serve: notify:", report.Terminal(err.Error()))
		}
		waited = waited || len(wait.Fresh)+len(wait.Revised) > 0
	}
	// What the store holds now, when the posts or the waiting changed it.
	if out.posts > 0 || waited || res.Health.NotifyWaiting > 0 {
		c, err := st.HeldCount(ctx)
		if err != nil {
			fmt.Fprintln(stderr, "mamori serve: notify:", report.Terminal(err.Error()))
			c.Held, c.Waiting = res.Health.NotifyHeld, res.Health.NotifyWaiting
		}
		out.counted, out.held, out.waiting = true, c.Held, c.Waiting
		if out.news, _, err = st.NewsHeldCount(ctx); err != nil {
			fmt.Fprintln(stderr, "mamori serve: notify:", report.Terminal(err.Error()))
			out.news = res.Health.NewsHeld
		}
	}
	return out
}

// send tells route i its message, holds its alerts and news when the
// receiver does not take it and lets go of those held before (news: the
// route's, heldNews) when it does; true when it took it.
func (rv *receivers) send(ctx context.Context, i int, m *notify.Message, ci cycleIncidents, held store.Held, heldNews []store.News, st *store.Store, stderr io.Writer, now time.Time) bool {
	m.Incidents = incidentsOf(ci.incs, m)
	for _, inc := range m.Incidents {
		if p := ci.plans[inc.ID]; p != nil {
			if m.Plans == nil {
				m.Plans = map[string][]respond.Step{}
			}
			m.Plans[inc.ID] = p
		}
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
	if _, err := rv.Routes[i].N.Send(sendCtx, *m); err != nil {
		news := newsOf(m)
		var kept []string
		if n := len(m.Fresh) + len(m.Revised); n > 0 {
			kept = append(kept, plural.Count(n, "alert", "alerts"))
		}
		if len(news) > 0 {
			kept = append(kept, "news of "+plural.Count(len(news), "log or reader", "logs or readers"))
		}
		said := ""
		if len(kept) > 0 {
			said = "; " + strings.Join(kept, " and ") + " held for the next cycle"
		}
		fmt.Fprintf(stderr, "mamori serve: notify: not told%s: %s%s\n", rv.label(i), report.Terminal(err.Error()), said)
		if err := st.Hold(ctx, m.Fresh, m.Revised, now, false); err != nil {
			fmt.Fprintln(stderr, "mamori serve: notify:", report.Terminal(err.Error()))
		}
		if err := st.HoldNews(ctx, rv.Routes[i].Name(), news, now); err != nil {
			fmt.Fprintln(stderr, "mamori serve: notify:", report.Terminal(err.Error()))
		}
		return false
	}
	if len(heldNews) > 0 {
		if err := st.ReleaseNews(ctx, rv.Routes[i].Name()); err != nil {
			fmt.Fprintln(stderr, "mamori serve: notify:", report.Terminal(err.Error()))
		}
	}
	var told []string
	for _, as := range [][]alert.Alert{m.Fresh, m.Revised} {
		for _, a := range as {
			if _, ok := held.At[a.ID]; ok {
				told = append(told, a.ID)
			}
		}
	}
	if err := st.Release(ctx, told); err != nil {
		fmt.Fprintln(stderr, "mamori serve: notify:", report.Terminal(err.Error()))
	}
	if rv.every[i] > 0 && len(m.Incidents) > 0 {
		at := make(map[string]alert.Severity, len(m.Incidents))
		for _, in := range m.Incidents {
			at[in.ID] = in.Severity
		}
		if err := st.SetTold(ctx, at, now); err != nil {
			fmt.Fprintln(stderr, "mamori serve: notify:", report.Terminal(err.Error()))
		}
	}
	return true
}

// notified is what notifyCycle did: posts made, ok how many the receivers
// took; when counted, held and waiting are how many alerts the store
// holds for them after (refused, and waiting for --notify-every), news
// how much news it holds for receivers that did not take it.
type notified struct {
	posts, ok, held, waiting, news int
	counted                        bool
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
	plans    map[string][]respond.Step // what to do, from all its alerts the store holds (a message tells only its cycle's)
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
	return cycleIncidents{incs: incs, formerly: formerIDs(as, stored), plans: respond.Plans(incs, as)}, nil
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

// notifyTest sends --notify-test's message to every receiver: a way to
// check webhooks and mail servers when setting serve up, not when an
// attack comes.
func notifyTest(ctx context.Context, rv *receivers, stderr io.Writer) int {
	code := ExitOK
	for i, r := range rv.Routes {
		ctx, cancel := context.WithTimeout(ctx, time.Minute)
		_, err := r.N.Send(ctx, notify.Message{Test: true})
		cancel()
		if err != nil {
			fmt.Fprintf(stderr, "mamori serve: --notify-test: not told%s: %s\n", rv.label(i), report.Terminal(err.Error()))
			code = ExitError
			continue
		}
		fmt.Fprintf(stderr, "mamori serve: --notify-test: sent%s; the receiver took it\n", rv.label(i))
	}
	return code
}
