package cli

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/correlate"
	"github.com/mamori-sec/mamori/internal/htmlreport"
	"github.com/mamori-sec/mamori/internal/incident"
	"github.com/mamori-sec/mamori/internal/report"
	"github.com/mamori-sec/mamori/internal/rules"
	"github.com/mamori-sec/mamori/internal/serve"
	"github.com/mamori-sec/mamori/internal/store"
)

// serve --dashboard draws, at / of --listen's address, the store's
// incidents as `mamori alerts --report` writes them: the page a team
// keeps open, made from the store when it is asked for (so it is never
// staler than the last cycle), and reloads itself each minute
// (?refresh=SECONDS, 0 for never). ?since=30d widens it (7 days by
// default, by the alerts' first events), ?tenant=ID narrows it to one
// tenant.
//
// The page names people, machines and command lines: off the loopback it
// asks for the token in MAMORI_DASHBOARD_TOKEN (HTTP basic, any user
// name, or a bearer token), and it is sent with headers that keep it out
// of caches, frames and other sites' reach.

// dashboardSince is how far back the dashboard looks by default.
const dashboardSince = 7 * 24 * time.Hour

// dashboardRefresh is how often the page reloads itself by default: a
// page kept open shows the last cycle's incidents without a hand on it.
const dashboardRefresh = time.Minute

// dashboard is serve's page of the store's incidents.
type dashboard struct {
	st     *store.Store
	set    *rules.Set
	iopts  incident.Options
	token  string // empty: none asked (the loopback only)
	stderr io.Writer
	// quiet and failing are serve's: the page leads with the logs that
	// stopped and the readers failing, what the service no longer sees.
	quiet, failing time.Duration
}

// dashboardToken checks that the dashboard may be served on addr: on the
// loopback freely, elsewhere with a token.
func dashboardToken(addr, token string) error {
	if token != "" {
		if len(token) < 16 {
			return errors.New("MAMORI_DASHBOARD_TOKEN: at least 16 characters (openssl rand -hex 16)")
		}
		return nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("--dashboard on %s: the page names people and machines; on an address other than the loopback set MAMORI_DASHBOARD_TOKEN", report.Terminal(addr))
}

func (d *dashboard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	if !d.allowed(r) {
		h.Set("WWW-Authenticate", `Basic realm="mamori", charset="UTF-8"`)
		http.Error(w, "the dashboard asks for MAMORI_DASHBOARD_TOKEN (as the password, any user name)", http.StatusUnauthorized)
		return
	}
	since := dashboardSince
	if s := r.URL.Query().Get("since"); s != "" {
		var err error
		if since, err = correlate.ParseTimespan(s); err != nil || since <= 0 {
			http.Error(w, "since: a span such as 24h, 7d or 30d", http.StatusBadRequest)
			return
		}
	}
	refresh := dashboardRefresh
	if s := r.URL.Query().Get("refresh"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 86400 {
			http.Error(w, "refresh: seconds between reloads, 0 for none", http.StatusBadRequest)
			return
		}
		refresh = time.Duration(n) * time.Second
	}
	var tenants []string
	if t := r.URL.Query().Get("tenant"); t != "" {
		tenants = []string{t}
	}
	now := time.Now()
	v, err := viewStore(r.Context(), d.st, d.set, now.Add(-since), tenants, d.iopts, now, d.quiet)
	var unknown unknownTenantError
	switch {
	case errors.As(err, &unknown):
		http.Error(w, "tenant: the store follows no such tenant", http.StatusNotFound)
		return
	case err != nil:
		fmt.Fprintln(d.stderr, "mamori serve: --dashboard:", report.Terminal(err.Error()))
		http.Error(w, "the store could not be read: serve's standard error says why", http.StatusInternalServerError)
		return
	}
	title := "mamori serve: the alerts of the last " + report.Age(since) + " (by their events' time; ?since=30d for more)"
	in := v.htmlInput(title, "mamori "+Version())
	in.Refresh = refresh
	readers, err := d.st.Readers(r.Context())
	if err != nil {
		fmt.Fprintln(d.stderr, "mamori serve: --dashboard:", report.Terminal(err.Error()))
		http.Error(w, "the store could not be read: serve's standard error says why", http.StatusInternalServerError)
		return
	}
	if v.tenants != nil {
		readers = tenantReaders(readers, v.tenants)
	}
	in.Stopped = stoppedLines(v.health.Quiet, readers, now, d.failing)
	var b bytes.Buffer
	if err := htmlreport.Write(&b, in); err != nil {
		fmt.Fprintln(d.stderr, "mamori serve: --dashboard:", report.Terminal(err.Error()))
		http.Error(w, "the page could not be drawn: serve's standard error says why", http.StatusInternalServerError)
		return
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.Write(b.Bytes())
}

// allowed checks the request's token, when the dashboard asks for one:
// the password of HTTP basic (what a browser asks for), or a bearer
// token (what a script sends), compared in constant time.
func (d *dashboard) allowed(r *http.Request) bool {
	if d.token == "" {
		return true
	}
	given := ""
	if _, p, ok := r.BasicAuth(); ok {
		given = p
	} else if t, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		given = t
	}
	return subtle.ConstantTimeCompare([]byte(given), []byte(d.token)) == 1
}

// stoppedLines are what the service no longer sees, in the words of
// `mamori status`: the logs quiet for longer than serve's --quiet, and its
// readers failing for longer than its --failing.
func stoppedLines(quiet []serve.Quiet, readers []store.Reader, now time.Time, failing time.Duration) []string {
	var out []string
	for _, q := range quiet {
		out = append(out, "quiet: "+quietText(q, now))
	}
	for _, r := range failingReaders(readers, now, failing) {
		out = append(out, "failing: "+failingText(r, now))
	}
	return out
}
