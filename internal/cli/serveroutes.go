package cli

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/notify"
	"github.com/mamori-sec/mamori/internal/plural"
	"github.com/mamori-sec/mamori/internal/report"
	"github.com/mamori-sec/mamori/internal/serve"
	"github.com/mamori-sec/mamori/internal/store"
)

// receivers are where serve tells what it found: --notify's receiver,
// or a receiver per tenant (--notify-routes), every other tenant's
// --notify's. Their URLs are secrets: no error names one.
type receivers struct {
	*notify.Router
	named bool           // the routes came from a file: stderr names each
	min   alert.Severity // --notify-severity: what an unrouted tenant's alerts would be told at
	// every is each route's --notify-every (its every= in the routes
	// file, else the flag): an incident told within it has its new alerts
	// wait (pace); 0 tells each cycle's.
	every []time.Duration
}

// paced reports whether any route paces its messages.
func (rv *receivers) paced() bool {
	return slices.ContainsFunc(rv.every, func(d time.Duration) bool { return d > 0 })
}

// newReceivers reads --notify and --notify-routes; nil when neither is
// given.
func newReceivers(f *serveFlags) (*receivers, error) {
	format, err := notify.ParseFormat(f.notifyFormat)
	if err != nil {
		return nil, fmt.Errorf("--notify-format: %w", err)
	}
	min, ok := alert.ParseSeverity(strings.TrimSpace(f.notifySeverity))
	if !ok || min == alert.Informational {
		return nil, fmt.Errorf("--notify-severity %q: low, medium, high or critical", report.Terminal(f.notifySeverity))
	}
	var routes []notify.Route
	if f.notifyRoutes != "" {
		if routes, err = readRoutes(f.notifyRoutes, format, min); err != nil {
			return nil, err
		}
	}
	if f.notify != "" {
		if len(routes) > 0 && len(routes[len(routes)-1].Tenants) == 0 {
			return nil, fmt.Errorf("--notify-routes %s: its * line and --notify (or MAMORI_NOTIFY_URL) both name every other tenant's receiver: keep one", report.Terminal(f.notifyRoutes))
		}
		n, err := notify.New(f.notify, format, min)
		if err != nil {
			return nil, fmt.Errorf("--notify: %w", err)
		}
		routes = append(routes, notify.Route{N: n})
	}
	if len(routes) == 0 {
		return nil, nil
	}
	// MAMORI_NOTIFY_SECRET signs every webhook's posts but those of a
	// route with a secret of its own.
	if secret := os.Getenv("MAMORI_NOTIFY_SECRET"); secret != "" {
		for _, r := range routes {
			if r.N.Webhook() && !r.N.Signs() {
				if err := r.N.Sign(secret); err != nil {
					return nil, fmt.Errorf("MAMORI_NOTIFY_SECRET: %w", err)
				}
			}
		}
	}
	rv := &receivers{Router: notify.NewRouter(routes), named: f.notifyRoutes != "", min: min}
	for _, r := range routes {
		every := f.notifyEvery
		if r.EverySet {
			every = r.Every
		}
		rv.every = append(rv.every, every)
	}
	return rv, nil
}

// readRoutes reads a routes file; one that others may read is said on
// standard error by the caller's check (secretsReadable): it holds
// secrets.
func readRoutes(path string, format notify.Format, min alert.Severity) ([]notify.Route, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--notify-routes: %w", err)
	}
	defer file.Close()
	rs, err := notify.ParseRoutes(file, report.Terminal(path), format, min)
	if err != nil {
		return nil, fmt.Errorf("--notify-routes %w", err)
	}
	return rs, nil
}

// secretsReadable warns when a file of secrets, named by flag, may be
// read by others than its owner (the routes file's URLs are webhooks'
// tokens and mail passwords; the connections file holds namespaces'
// keys).
func secretsReadable(flag, path, holds string, stderr io.Writer) {
	if st, err := os.Stat(path); err == nil && runtime.GOOS != "windows" && st.Mode().Perm()&0o077 != 0 {
		fmt.Fprintf(stderr, "mamori serve: %s %s: others may read it (mode %v), and it holds %s: chmod 600 it\n", flag, report.Terminal(path), st.Mode().Perm(), holds)
	}
}

// label names a route on standard error when there are several.
func (rv *receivers) label(i int) string {
	if !rv.named {
		return ""
	}
	return " (" + rv.Routes[i].Name() + ")"
}

// messages are the cycle's message to each route: its tenants' alerts it
// tells of and those held from earlier cycles, once each (withHeld), and
// its tenants' logs that stopped or started arriving; a log placed in no
// tenant goes to every other tenant's route, or to every route when
// there is none. unrouted says what no route was for (on standard error:
// the routes file lacks a tenant).
func (rv *receivers) messages(res *serve.Result, held store.Held, news readersNews, now time.Time) (ms []notify.Message, unrouted string) {
	var lost []string // tenants without a route
	lose := func(tenant string) {
		if tenant == "" {
			tenant = "(none: placed in no tenant)"
		}
		if !slices.Contains(lost, tenant) {
			lost = append(lost, tenant)
		}
	}
	nLost := 0
	// split is each route's alerts of as. An alert placed in no tenant
	// goes to every other tenant's route only: told to every receiver,
	// one customer's machine names would reach the others.
	split := func(as []alert.Alert) [][]alert.Alert {
		out := make([][]alert.Alert, len(rv.Routes))
		for _, a := range as {
			if i := rv.For(a.Tenant); i >= 0 {
				out[i] = append(out[i], a)
			} else if a.Severity >= rv.min && a.Suppressed == nil {
				lose(a.Tenant)
				nLost++
			}
		}
		return out
	}
	fresh, revised, heldFresh, heldRevised := split(res.Fresh), split(res.Revised), split(held.Fresh), split(held.Revised)
	several := severalTenants(res.Health)
	ms = make([]notify.Message, len(rv.Routes))
	for i := range ms {
		h := held
		h.Fresh, h.Revised = heldFresh[i], heldRevised[i]
		ms[i] = withHeld(rv.Routes[i].N, fresh[i], revised[i], h)
		ms[i].Tenants = several
	}
	nLogs, nReaders := 0, 0
	place := func(tenant string, add func(m *notify.Message)) {
		i := rv.For(tenant)
		switch {
		case i >= 0:
			add(&ms[i])
		case tenant == "":
			for j := range ms {
				add(&ms[j])
			}
		default:
			lose(tenant)
			nLogs++
		}
	}
	for _, q := range res.WentQuiet {
		place(q.Tenant, func(m *notify.Message) {
			m.Quiet = append(m.Quiet, notify.QuietLog{Name: logLabel(q), For: now.Sub(q.Arrived), Arrived: q.Arrived, Last: q.Last})
		})
	}
	for _, q := range res.Back {
		place(q.Tenant, func(m *notify.Message) { m.Back = append(m.Back, logLabel(q)) })
	}
	// A tenant's fetch is told to its receiver; the service's own readers
	// (event hubs name no tenant) to every other tenant's, or to the one
	// receiver there is: another customer's channel does not hear of them.
	tell := func(r store.Reader, add func(m *notify.Message)) {
		i := rv.Other()
		if r.Kind == store.ReaderFetch && r.Source != "" && !strings.HasPrefix(r.Source, workspacePrefix) {
			i = rv.For(r.Source) // a tenant's
		}
		switch {
		case i >= 0:
			add(&ms[i])
		case len(ms) == 1:
			add(&ms[0])
		default:
			nReaders++
		}
	}
	for _, r := range news.failing {
		f := notify.FailingReader{Name: readerName(r), Since: r.Failing, Said: r.Said}
		tell(r, func(m *notify.Message) { m.Failing = append(m.Failing, f) })
	}
	for _, r := range news.mended {
		tell(r, func(m *notify.Message) { m.Mended = append(m.Mended, readerName(r)) })
	}
	if len(lost) > 0 {
		var what []string
		if nLost > 0 {
			what = append(what, plural.Count(nLost, "alert", "alerts"))
		}
		if nLogs > 0 {
			what = append(what, plural.Count(nLogs, "log", "logs")+" that stopped or started arriving")
		}
		// Tenants' ids came from records: escaped as any such text.
		unrouted = strings.Join(what, " and ") + " of tenant " + report.Terminal(strings.Join(lost, ", "))
	}
	if nReaders > 0 {
		if unrouted != "" {
			unrouted += "; "
		}
		unrouted += plural.Count(nReaders, "reader", "readers") + " of serve's own failing or reading again (a * route takes them)"
	}
	return ms, unrouted
}

// withHeld is a route's message: the cycle's alerts the notifier tells
// of, and those held from earlier cycles, once each: as the cycle has it
// when it has it too (a held alert it wrote again is told revised).
func withHeld(n *notify.Notifier, fresh, revised []alert.Alert, held store.Held) notify.Message {
	m := notify.Message{Fresh: n.Keep(fresh), Revised: n.Keep(revised)}
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
		if a.Revised {
			m.Revised = append(m.Revised, a)
		} else {
			m.Fresh = append(m.Fresh, a)
		}
	}
	countHeld(&m, held)
	return m
}

// countHeld counts the alerts of m a receiver refused before, and since
// when (those that waited for --notify-every are news, not refused).
func countHeld(m *notify.Message, held store.Held) {
	m.Held, m.HeldSince = 0, time.Time{}
	for _, as := range [][]alert.Alert{m.Fresh, m.Revised} {
		for _, a := range as {
			at, ok := held.At[a.ID]
			if !ok || held.Waiting[a.ID] {
				continue
			}
			m.Held++
			if m.HeldSince.IsZero() || at.Before(m.HeldSince) {
				m.HeldSince = at
			}
		}
	}
}
