package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/coverage"
	"github.com/mamori-sec/mamori/internal/enrich"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/plural"
	"github.com/mamori-sec/mamori/internal/report"
	"github.com/mamori-sec/mamori/internal/serve"
	"github.com/mamori-sec/mamori/internal/store"
)

// statusCmd says what a serve's store has seen of each log, and which of
// the logs the rules read never arrived or stopped arriving: a monitor's
// check (exit 3 when a log is quiet), as `mamori alerts` is its inbox.
func statusCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	fs.SetOutput(stderr)
	setUsage(fs, stderr, `Usage: mamori status --store FILE [--quiet 24h] [--format table|json]
       mamori status --store FILE --forget-tenant TENANT_ID

Says what the store of a 'mamori serve' has read of each kind of log (records,
first and last event, when new records last arrived), which logs the rules read
that never arrived, and which stopped arriving for longer than --quiet: as a
whole, or for one tenant while the others' go on (a tenant's log is judged once
its events have spanned --quiet). It exits with status 3 when a log is quiet: an
export that stopped (a diagnostic setting deleted, a storage account rotated, a
subscription moved out) leaves no error anywhere else; when serve holds
alerts its --notify webhook or mail server did not take; and when one of serve's
own readers (--eventhub, --fetch) has failed for longer than --failing: a key
rotated, a consent withdrawn. --forget-tenant drops
what the store knows of a tenant's logs, for a tenant the service no longer
watches.
`)
	path := fs.String("store", "mamori.db", "SQLite store written by 'mamori serve'")
	quiet := new(time.Duration)
	spanVar(fs, quiet, "quiet", 24*time.Hour, "a log the rules read that has not arrived for this `span` (24h, 2d) is quiet (0: never); a sparse log gets up to seven of its usual gaps, a week at most")
	failingFor := new(time.Duration)
	spanVar(fs, failingFor, "failing", time.Hour, "one of serve's own readers (--eventhub, --fetch) whose reads have failed for this `span` is failing (0: never)")
	format := fs.String("format", "table", "output format: table or json")
	forget := fs.String("forget-tenant", "", "forget this tenant's logs (a tenant no longer watched), then exit")
	var tenantIDs multiFlag
	fs.Var(&tenantIDs, "tenant", "only this tenant's logs, quiet ones and gaps (its `id`; repeatable, or comma-separated): one customer's check of a store that serves many")
	var ruleDirs multiFlag
	fs.Var(&ruleDirs, "rules", "a folder (or file) of your own Sigma rules, as given to serve; repeatable")
	onlyUser := fs.Bool("only-user-rules", false, "only the rules given with --rules, as given to serve")
	if code, ok := parseOnlyFlags(fs, args, stderr); !ok {
		return code
	}
	if *format != "table" && *format != "json" {
		fmt.Fprintf(stderr, "mamori status: --format %q: table or json\n", *format)
		return ExitUsage
	}
	if *quiet < 0 || *failingFor < 0 {
		fmt.Fprintln(stderr, "mamori status: --quiet and --failing: 0 or more")
		return ExitUsage
	}
	st, code := openStore(ctx, "status", *path, stderr)
	if st == nil {
		return code
	}
	defer st.Close()
	if *forget != "" {
		return forgetTenant(ctx, st, *forget, stdout, stderr)
	}
	set, code := loadRules("status", ruleDirs, *onlyUser, stderr, io.Discard)
	if set == nil {
		return code
	}
	now := time.Now()
	h, err := serve.StoreHealth(ctx, st, set, now, *quiet)
	if err != nil {
		fmt.Fprintln(stderr, "mamori status:", report.Terminal(err.Error()))
		return ExitError
	}
	tenants, err := onlyTenants(tenantIDs, h, nil)
	if err != nil {
		fmt.Fprintln(stderr, "mamori status: --tenant", err)
		return ExitUsage
	}
	// serve's own readers: read here, not by StoreHealth, which each of
	// serve's cycles computes.
	readers, err := st.Readers(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "mamori status:", report.Terminal(err.Error()))
		return ExitError
	}
	if tenants != nil {
		h, readers = tenantHealth(h, tenants), tenantReaders(readers, tenants)
	}
	failing := failingReaders(readers, now, *failingFor)
	if *format == "json" {
		out := statusJSON(h)
		out.Readers = readersJSON(readers, now, *failingFor)
		err = report.WriteStoreStatus(stdout, out)
	} else {
		err = writeStatus(stdout, h, *path, now, tenants)
		if err == nil {
			err = writeReaders(stdout, readers, failing, *failingFor, now)
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "mamori status:", err)
		return ExitError
	}
	if len(h.Quiet) > 0 || h.NotifyHeld > 0 || h.NewsHeld > 0 || len(failing) > 0 {
		return ExitFindings
	}
	return ExitOK
}

// writeStatus prints the store's logs, then the quiet ones and those
// never seen, then the compute creates the rules could not judge.
func writeStatus(w io.Writer, h serve.Health, path string, now time.Time, tenants []string) error {
	if len(h.Logs) == 0 {
		if _, err := fmt.Fprintf(w, "The store %s has read no logs yet.\n", report.Terminal(path)); err != nil {
			return err
		}
		return writeNotTold(w, h, now)
	}
	var err error
	if tenants != nil {
		reads, arrived := h.TenantReads(tenants)
		err = report.WriteTenantLogsRead(w, tenants, reads, arrived, now, nil)
	} else {
		reads, arrived := h.Reads()
		err = report.WriteStoreLogsRead(w, reads, arrived, now, nil)
	}
	if err != nil {
		return err
	}
	if n, subs := tenantCount(h.Tenants); n > 0 {
		of := plural.Count(n, "tenant", "tenants")
		if subs > 0 {
			of += " and the Activity Logs of " + plural.Count(subs, "subscription", "subscriptions")
		}
		if _, err := fmt.Fprintf(w, "\nTENANTS: the logs of %s, followed one by one (--format json lists them)\n", of); err != nil {
			return err
		}
	}
	if len(h.Quiet) > 0 {
		var b strings.Builder
		b.WriteString("\nQUIET: logs the rules read that have stopped arriving\n")
		for _, q := range h.Quiet {
			fmt.Fprintf(&b, "  %s\n", quietText(q, now))
		}
		if _, err := io.WriteString(w, b.String()); err != nil {
			return err
		}
	}
	if err := report.WriteStoreNotSeen(w, h.NotSeen); err != nil {
		return err
	}
	if err := report.WriteStoreNotSeenByTenant(w, h.NotSeenByTenant); err != nil {
		return err
	}
	if err := report.WriteUnsized(w, h.Unsized); err != nil {
		return err
	}
	if err := writeLearnedCapped(w, h.LearnedCapped, now); err != nil {
		return err
	}
	return writeNotTold(w, h, now)
}

// writeNotTold says what serve's receivers have not been told: alerts
// waiting for their incident's next telling, and alerts and news held
// for receivers that did not take them.
func writeNotTold(w io.Writer, h serve.Health, now time.Time) error {
	if h.NotifyWaiting > 0 {
		if _, err := fmt.Fprintf(w, "\nWAITING: %s of incidents told within serve's --notify-every, to be told at their incident's next telling\n",
			plural.Count(h.NotifyWaiting, "alert", "alerts")); err != nil {
			return err
		}
	}
	if h.NotifyHeld > 0 {
		if _, err := fmt.Fprintf(w, "\nNOT TOLD: %s held for serve's --notify, whose posts have not got through since %s: each cycle tries again (a week at most; 'mamori alerts' lists them)\n",
			plural.Count(h.NotifyHeld, "alert", "alerts"), report.Ago(h.NotifyHeldSince, now)); err != nil {
			return err
		}
	}
	if h.NewsHeld > 0 {
		_, err := fmt.Fprintf(w, "\nNOT TOLD: news of %s held for serve's --notify since %s: each cycle tries again (a week at most; QUIET above and READERS below say what stands)\n",
			plural.Count(h.NewsHeld, "log or reader", "logs or readers"), report.Ago(h.NewsHeldSince, now))
		return err
	}
	return nil
}

// tenantHealth is the store's health as one customer's check sees it:
// its own logs and gaps, the quiet logs that are its or the whole
// store's; what the service holds for its receivers and the compute
// creates it could not judge are the service's, not the tenant's, and
// left out (the store-wide status says them).
func tenantHealth(h serve.Health, tenants []string) serve.Health {
	of := func(t string) bool { return slices.Contains(tenants, strings.ToLower(t)) }
	h.Tenants = slices.DeleteFunc(slices.Clone(h.Tenants), func(l store.TenantLogSeen) bool { return !of(l.Tenant) })
	h.Quiet = slices.DeleteFunc(slices.Clone(h.Quiet), func(q serve.Quiet) bool { return q.Tenant != "" && !of(q.Tenant) })
	h.NotSeenByTenant = slices.DeleteFunc(slices.Clone(h.NotSeenByTenant), func(g coverage.TenantGaps) bool { return !of(g.Tenant) })
	h.Unsized, h.LearnedCapped = coverage.Unsized{}, time.Time{}
	h.NotifyHeld, h.NotifyHeldSince, h.NotifyWaiting = 0, time.Time{}, 0
	h.NewsHeld, h.NewsHeldSince = 0, time.Time{}
	return h
}

// writeLearnedCapped says when a table of what serve learns was last
// full: what it could not keep, it could not use.
func writeLearnedCapped(w io.Writer, at, now time.Time) error {
	if at.IsZero() {
		return nil
	}
	_, err := fmt.Fprintf(w, "\nFULL: a table of what serve learns (Batch accounts' and clusters' regions, autoscale targets' sizes and their writers' writes, "+
		"the sizes machines were written with) held %d entries and kept no more, last %s: a pool or setting past it went without its region or size, "+
		"a setting counted its whole floor, and a start of a machine whose write was let go went unsized\n",
		enrich.MaxLearned, report.Ago(at, now))
	return err
}

// openStore opens the store a command reads: one that is not there is a
// usage error saying how one is made, never created by looking at it.
func openStore(ctx context.Context, cmd, path string, stderr io.Writer) (*store.Store, int) {
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(stderr, "mamori %s: no store at %s (no such file): 'mamori serve --store %[2]s FOLDER' makes one\n", cmd, report.Terminal(path))
		} else {
			fmt.Fprintf(stderr, "mamori %s: %s\n", cmd, report.Terminal(err.Error()))
		}
		return nil, ExitUsage
	}
	st, err := store.Open(ctx, path)
	if err != nil {
		fmt.Fprintf(stderr, "mamori %s: %s\n", cmd, report.Terminal(err.Error()))
		return nil, ExitError
	}
	return st, ExitOK
}

// forgetTenant drops a tenant's logs from the store.
func forgetTenant(ctx context.Context, st *store.Store, tenant string, stdout, stderr io.Writer) int {
	n, err := st.ForgetTenant(ctx, tenant)
	if err != nil {
		fmt.Fprintln(stderr, "mamori status:", report.Terminal(err.Error()))
		return ExitError
	}
	if n == 0 {
		fmt.Fprintf(stderr, "mamori status: the store follows no logs of tenant %s (tenant ids as 'mamori status --format json' lists them)\n", report.Terminal(tenant))
		return ExitUsage
	}
	fmt.Fprintf(stdout, "Forgot %s of tenant %s; they come back if its records arrive again.\n", plural.Count(n, "log", "logs"), report.Terminal(tenant))
	return ExitOK
}

// tenantCount is how many tenants the logs are of, and how many
// subscriptions (sorted by tenant, then subscription).
func tenantCount(ls []store.TenantLogSeen) (tenants, subs int) {
	for i, l := range ls {
		if i == 0 || l.Tenant != ls[i-1].Tenant {
			tenants++
		}
		if l.Subscription != "" && (i == 0 || l.Tenant != ls[i-1].Tenant || l.Subscription != ls[i-1].Subscription) {
			subs++
		}
	}
	return tenants, subs
}

// quietName names a quiet log: its source, and its tenant and
// subscription when one.
func quietName(q serve.Quiet) string { return report.Terminal(logLabel(q)) }

// logLabel is a log's name as written, a tenant's or a subscription's id
// as the records gave it: made safe where it goes.
func logLabel(q serve.Quiet) string {
	switch {
	case q.Tenant == "":
		return q.Source
	case q.Subscription != "":
		return q.Source + " of subscription " + q.Subscription + " (tenant " + q.Tenant + ")"
	}
	return q.Source + " of tenant " + q.Tenant
}

// quietText says that a log stopped arriving, and since when.
func quietText(q serve.Quiet, now time.Time) string {
	return report.QuietText(quietName(q), now.Sub(q.Arrived), q.Arrived, q.Last, coverage.TimeLayout)
}

// logName is a stored kind's name for people.
func logName(kind string) string {
	if k := event.KindNamed(kind); k != event.KindUnknown {
		return coverage.Source(k)
	}
	return report.Terminal(kind) // a kind a newer mamori wrote
}

// statusJSON is the health as `mamori status --format json` gives it.
func statusJSON(h serve.Health) report.StoreStatus {
	var out report.StoreStatus
	for _, l := range h.Logs {
		out.Logs = append(out.Logs, report.StoreLog{Kind: l.Kind, Name: logName(l.Kind), Records: l.Records - l.Repeats,
			Repeats: l.Repeats, RepeatsEstimated: l.RepeatsEstimated,
			FirstEvent: l.First.UTC(), LastEvent: l.Last.UTC(), LastArrival: l.Arrived.UTC()})
	}
	for _, t := range h.Tenants {
		out.Tenants = append(out.Tenants, report.TenantLog{Tenant: t.Tenant, Subscription: t.Subscription, Kind: t.Kind, Name: logName(t.Kind),
			FirstEvent: t.First.UTC(), LastEvent: t.Last.UTC(), LastArrival: t.Arrived.UTC()})
	}
	for _, q := range h.Quiet {
		out.Quiet = append(out.Quiet, report.QuietLog{Kind: q.Kind.String(), Tenant: q.Tenant, Subscription: q.Subscription, Name: q.Source,
			LastArrival: q.Arrived.UTC(), LastEvent: q.Last.UTC()})
	}
	out.NotSeen = report.NotSeenOf(h.NotSeen)
	out.NotSeenByTenant = report.TenantNotSeenOf(h.NotSeenByTenant)
	out.ComputeCreates, out.ComputeUnsized, out.ComputeUnsizedJobs = h.Unsized.Creates, h.Unsized.Unsized, h.Unsized.Jobs
	out.LearnedCapped = h.LearnedCapped.UTC()
	out.NotifyHeld, out.NotifyHeldSince, out.NotifyWaiting = h.NotifyHeld, h.NotifyHeldSince, h.NotifyWaiting
	out.NewsHeld, out.NewsHeldSince = h.NewsHeld, h.NewsHeldSince.UTC()
	return out
}
