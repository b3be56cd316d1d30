package cli

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/mamori-sec/mamori/internal/posture"
	"github.com/mamori-sec/mamori/internal/posture/azure"
	"github.com/mamori-sec/mamori/internal/posture/capture"
	"github.com/mamori-sec/mamori/internal/report"
)

// ability is one thing mamori can do and whether the granted permissions
// allow it.
type ability struct {
	Name    string
	OK      bool
	Missing []string // permissions, or reasons when a read failed otherwise
	// Limited are what it can run without, but may then leave findings
	// not assessed (a check's optional and situational datasets).
	Limited []string
}

// huntAbilities are the hunt's features that read Azure; hunting exported
// logs needs no permission at all.
var huntAbilities = []struct {
	name string
	keys []string
}{
	{"hunt: the tenant's own IP addresses (public IPs and prefixes)", []string{capture.KeyPublicIPAddresses, capture.KeyPublicIPPrefixes}},
}

// abilities judges every posture check and hunt feature against what a
// probe (or a full capture) could read.
func abilities(c *capture.Capture) []ability {
	var out []ability
	req, limits := posture.Requirements(), posture.Limits()
	for _, check := range posture.Checks() {
		a := judge(c, check, req[check], posture.AbsentMeansNone)
		if a.OK {
			a.Limited = judge(c, check, limits[check], posture.AbsentMeansNone).Missing
		}
		out = append(out, a)
	}
	for _, h := range huntAbilities {
		// No public IPs or prefixes (Microsoft.Network never used) is
		// an answer the hunt can use.
		out = append(out, judge(c, h.name, h.keys, func(string) bool { return true }))
	}
	return out
}

// judge says whether every dataset pattern in keys was readable: a denied
// dataset names the missing permission; one never attempted (no
// subscription to read it in), failed, or absent where absentIsNone says
// absence is no answer, says why.
func judge(c *capture.Capture, name string, keys []string, absentIsNone func(key string) bool) ability {
	a := ability{Name: name, OK: true}
	add := func(s string) {
		a.OK = false
		if !slices.Contains(a.Missing, s) {
			a.Missing = append(a.Missing, s)
		}
	}
	for _, k := range keys {
		ds := c.Matching(k)
		if len(ds) == 0 {
			add("not read: " + k)
			continue
		}
		for _, d := range ds {
			switch d.Status {
			case capture.Denied:
				add(cmp.Or(d.Permission, "permission to read "+k))
			case capture.Failed:
				add(k + ": " + cmp.Or(d.Error, "failed"))
			case capture.Partial:
				// Paging that stopped on an error leaves the check
				// not assessed; a probe's first page only is by design.
				if d.Error != capture.ProbeFirstPage {
					add(d.Key + ": " + cmp.Or(d.Error, "partly read"))
				}
			case capture.Absent:
				// A licence or resource provider the tenant lacks is no
				// permission, but the check cannot run either (posture
				// says not assessed), unless absence means "none
				// configured" there.
				if !absentIsNone(d.Key) {
					add(d.Key + ": " + cmp.Or(d.Error, "absent"))
				}
			}
		}
	}
	return a
}

func doctorCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("doctor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	setUsage(fs, stderr, "Usage: mamori doctor [flags]\n\nReads the first page of every API mamori uses, with the signed-in identity, and says\nwhich posture checks and hunt features the granted permissions allow, and what is missing.\nHunting exported logs needs no permission.\n")
	tenant := fs.String("tenant", "", "tenant ID to read (default: the signed-in identity's)")
	var subs multiFlag
	fs.Var(&subs, "subscription", "subscription ID to probe, repeatable (default: the first one the identity can read)")
	from := fs.String("from", "", "judge responses saved by 'mamori posture --save' instead of calling Azure")
	var workspaces multiFlag
	fs.Var(&workspaces, "workspace", "also say which of this Log Analytics workspace's tables 'mamori fetch --workspace' can read (its `id`; repeatable)")
	if code, ok := parseOnlyFlags(fs, args, stderr); !ok {
		return code
	}
	if *from != "" && (*tenant != "" || len(subs) > 0 || len(workspaces) > 0) {
		// A saved folder is judged whole: naming a tenant or subscription
		// would be silently ignored.
		fmt.Fprintln(stderr, "mamori doctor: --from reads saved responses: --tenant, --subscription and --workspace need live Azure")
		return ExitUsage
	}
	for _, w := range splitList(workspaces) {
		if !guid.MatchString(w) {
			fmt.Fprintf(stderr, "mamori doctor: --workspace %q: not a workspace's id (a GUID)\n", report.Terminal(w))
			return ExitUsage
		}
	}
	var c *capture.Capture
	var err error
	if *from != "" {
		c, err = capture.Load(*from)
	} else {
		c, err = readAzure(ctx, azure.Probe, azure.Options{TenantID: *tenant, Subscriptions: splitList(subs)}, stderr)
	}
	if err != nil {
		fmt.Fprintln(stderr, "mamori doctor:", report.Terminal(err.Error()))
		return ExitError
	}
	as := abilities(c)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "Tenant %s\n\n", report.Terminal(cmp.Or(c.TenantID, "(unknown)")))
	fmt.Fprintln(tw, "hunt over exported logs\tok\tno permission needed")
	missing, limited := 0, 0
	for _, a := range as {
		if a.OK && len(a.Limited) > 0 {
			limited++
			fmt.Fprintf(tw, "%s\tlimited\tsome findings may be not assessed without: %s\n", report.Terminal(a.Name), report.Terminal(strings.Join(a.Limited, "; ")))
			continue
		}
		if a.OK {
			fmt.Fprintf(tw, "%s\tok\t\n", report.Terminal(a.Name))
			continue
		}
		missing++
		fmt.Fprintf(tw, "%s\tMISSING\t%s\n", report.Terminal(a.Name), report.Terminal(strings.Join(a.Missing, "; ")))
	}
	tw.Flush()
	switch {
	case missing > 0:
		fmt.Fprintf(stdout, "\n%d of %d checks and features cannot run with these permissions; docs/posture.md lists what each needs.\n", missing, len(as))
	case limited > 0:
		fmt.Fprintf(stdout, "\nEvery check and feature can run; %d may leave some findings not assessed.\n", limited)
	default:
		fmt.Fprintf(stdout, "\nEvery check and feature can run.\n")
	}
	if missing > 0 && limited > 0 {
		fmt.Fprintf(stdout, "%d more may leave some findings not assessed.\n", limited)
	}
	if *from == "" {
		// The logs 'mamori fetch' reads: their first page, kept nowhere.
		reads, err := azure.ProbeLogs(ctx, azure.Options{TenantID: *tenant, Subscriptions: splitList(subs)}, splitList(workspaces)...)
		if err != nil {
			fmt.Fprintln(stderr, "mamori doctor: fetch:", report.Terminal(err.Error()))
			return ExitError
		}
		writeFetchAbilities(stdout, reads)
	}
	return ExitOK
}

// writeFetchAbilities says which logs 'mamori fetch' can read, and what
// the others need.
func writeFetchAbilities(w io.Writer, reads []azure.LogRead) {
	fmt.Fprintln(w, "\nmamori fetch (the logs themselves, read from Azure):")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range reads {
		name := fetchedName(r)
		switch r.Status {
		case capture.OK:
			fmt.Fprintf(tw, "  %s\tok\t\n", name)
		case capture.Denied:
			fmt.Fprintf(tw, "  %s\tMISSING\t%s\n", name, report.Terminal(r.Permission))
		default:
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", name, r.Status, report.Terminal(r.Error))
		}
	}
	tw.Flush()
}
