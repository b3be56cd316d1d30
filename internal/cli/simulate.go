package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/eval"
	"github.com/mamori-sec/mamori/internal/htmlreport"
	"github.com/mamori-sec/mamori/internal/hunt"
	"github.com/mamori-sec/mamori/internal/incident"
	"github.com/mamori-sec/mamori/internal/plural"
	"github.com/mamori-sec/mamori/internal/report"
	"github.com/mamori-sec/mamori/internal/simulate"
)

// simulateCmd runs `mamori simulate`: a tenant's logs with attacks in them,
// in the shapes Azure writes, and truth.json saying what was injected.
func simulateCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "folder to write the logs and truth.json into (required)")
	seed := fs.Uint64("seed", 1, "random seed: the same seed writes the same bytes")
	size := fs.String("tenant-size", "small", "small, medium or large")
	days := fs.Int("days", 30, fmt.Sprintf("days of logs, %d to %d", simulate.MinDays, simulate.MaxDays))
	gz := fs.Bool("gzip", false, "write the log files gzipped")
	signInShape := fs.String("signin-shape", "loganalytics", "shape of the Entra sign-ins: loganalytics (SigninLogs export, a file a day) or records (diagnostic settings, hourly PT1H.json)")
	shape := fs.String("shape", "records", "shape of the subscription Activity Log: records (diagnostic settings), rest (az monitor activity-log list) or loganalytics (AzureActivity export); several, separated by commas, write the same days in each export")
	hostLog := fs.String("host-log", "", "the machines' process log: auditd (hosts/NAME/audit.log), sysmon (Sysmon for Linux through syslog, hosts/NAME/syslog) or mde (Defender for Endpoint's streaming API, the tenant's hourly blobs); default: one, drawn from the seed")
	agents := fs.String("host-agents", "", "which machines write process logs: all (an agent policy reaches every new machine, the attackers' too) or own (only the tenant's own; the attackers' machines are unseen); default: either, drawn from the seed")
	machineOS := fs.String("machine-os", "", "the system of the machines the attacks (GPU chain, slow and paced attacks, GPU fleet, CPU mining) and the GPU chain's twin build: linux or windows (Windows' sizes, images, driver and script extensions; their processes in Defender for Endpoint's log, or in Windows' Security log as Log Analytics' SecurityEvent beside auditd or Sysmon); default: drawn for each, a third windows")
	var scenarios multiFlag
	fs.Var(&scenarios, "scenario", "attack or twin to inject, repeatable: "+strings.Join(simulate.Scenarios(), ", ")+" (default: one attack at random)")
	setUsage(fs, stderr, "Usage: mamori simulate --out DIR [flags]\n\nWrites a simulated tenant's logs (people, pipelines, a data-science team's GPU work)\nwith attacks or their benign twins in them, in the shapes Azure exports them, and\ntruth.json: what was injected, when, and which rules must fire. Hunt the folder\nwith 'mamori hunt DIR'. The same seed writes the same bytes.\n")
	if code, ok := parseOnlyFlags(fs, args, stderr); !ok {
		return code
	}
	if *out == "" {
		fmt.Fprint(stderr, "mamori simulate: --out is required\n\n")
		fs.Usage()
		return ExitUsage
	}
	// simulate.Write takes 0 days for 30; the flag's default is 30 already,
	// so a 0 (or fewer) given is a mistake, refused as --days 2 is.
	if err := simulate.CheckDays(*days); err != nil {
		fmt.Fprintln(stderr, "mamori simulate: --days:", err)
		return ExitUsage
	}
	truth, err := simulate.Write(*out, simulate.Options{Seed: *seed, Size: *size, Days: *days, Scenarios: scenarios, Gzip: *gz, Shape: *shape, SignInShape: *signInShape, HostAgents: *agents, HostLog: *hostLog, MachineOS: *machineOS})
	if oe := (*simulate.OptionError)(nil); errors.As(err, &oe) {
		fmt.Fprintf(stderr, "mamori simulate: %s: %s\n", simulateFlags[oe.Option], err)
		return ExitUsage
	}
	if errors.Is(err, simulate.ErrNotEmpty) {
		fmt.Fprintln(stderr, "mamori simulate: --out", report.Terminal(err.Error()))
		return ExitUsage
	}
	if err != nil {
		fmt.Fprintln(stderr, "mamori simulate:", err)
		return ExitError
	}
	fmt.Fprintf(stdout, "wrote a %s tenant's %d days of logs to %s (seed %d)\n", *size, *days, *out, *seed)
	agent := map[string]string{simulate.LogAuditd: "auditd", simulate.LogSysmon: "Sysmon for Linux", simulate.LogMDE: "Defender for Endpoint"}[truth.HostLog]
	if truth.HostAgents == simulate.AgentsAll {
		fmt.Fprintf(stdout, "process logs (%s): every machine's, the attackers' too (an agent policy reaches new machines)\n", agent)
	} else {
		fmt.Fprintf(stdout, "process logs (%s): the tenant's own machines only (no agent reaches the attackers')\n", agent)
	}
	windowsLog := map[string]string{simulate.LogSecurityEvent: "Windows' Security log, event 4688 in SecurityEvent", simulate.LogSysmonEvent: "Sysmon for Windows, in the Event table", simulate.LogMDE: "Defender for Endpoint"}[simulate.WindowsLog(truth.HostLog)]
	for _, a := range truth.Attacks {
		kind := "attack"
		if a.Twin {
			kind = "benign twin"
		}
		on := ""
		if a.OS == simulate.OSWindows {
			on = " on Windows machines (" + windowsLog + ")"
		}
		fmt.Fprintf(stdout, "  %s %s%s, %s → %s\n", kind, a.Scenario, on, a.Start.Format(time.DateTime), a.End.Format(time.DateTime))
	}
	// hunt reads the baseline and the owned ranges from truth.json.
	fmt.Fprintf(stdout, "hunt it: mamori hunt %s\n", *out)
	return ExitOK
}

// simulateFlags names the flag that sets each simulate.Options field.
var simulateFlags = map[string]string{"Days": "--days", "Size": "--tenant-size", "Shape": "--shape", "SignInShape": "--signin-shape", "Scenarios": "--scenario", "HostAgents": "--host-agents", "HostLog": "--host-log", "MachineOS": "--machine-os"}

// demo simulates an attacked tenant in a temporary folder, hunts it and
// prints the incidents: mamori end to end with nothing but Go installed.
func demo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	// A seed whose attacker shows every stage the README promises: the
	// driver through Azure's extension, a miner whose command line says
	// so, and its connection to a pool (the simulator draws each:
	// internal/simulate/miners.go; TestDemoShowsTheAttackFirst holds it).
	seed := fs.Uint64("seed", 6, "random seed of the simulated tenant")
	keep := fs.String("keep", "", "keep the simulated logs in this folder instead of a temporary one")
	reportPath := fs.String("report", "mamori-report.html", "write the findings as a self-contained HTML report to this file (\"\" for none)")
	setUsage(fs, stderr, "Usage: mamori demo [flags]\n\nSimulates a tenant's 30 days of logs with a GPU cryptojacking attack and its benign\nlook-alike in a temporary folder, hunts them, prints the incidents with their cost per\nhour, and writes an HTML report that opens with no network. Needs nothing but Go.\n")
	if code, ok := parseOnlyFlags(fs, args, stderr); !ok {
		return code
	}
	dir := *keep
	if dir == "" {
		tmp, err := os.MkdirTemp("", "mamori-demo-")
		if err != nil {
			fmt.Fprintln(stderr, "mamori demo:", err)
			return ExitError
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	start := time.Now()
	// A tenant whose agent policy reaches the attacker's machines: the
	// demo shows every stage, the miner's process too.
	truth, err := simulate.Write(dir, simulate.Options{Seed: *seed, Scenarios: []string{"gpu-scaleset-chain", "gpu-scaleset-chain-twin"},
		HostAgents: simulate.AgentsAll})
	if errors.Is(err, simulate.ErrNotEmpty) {
		fmt.Fprintln(stderr, "mamori demo: --keep", report.Terminal(err.Error()))
		return ExitUsage
	}
	if err != nil {
		fmt.Fprintln(stderr, "mamori demo:", report.Terminal(err.Error()))
		return ExitError
	}
	set, code := loadRules("demo", nil, false, stderr, stderr)
	if set == nil {
		return code
	}
	prices, err := incident.LoadPrices("")
	if err != nil {
		fmt.Fprintln(stderr, "mamori demo:", err)
		return ExitError
	}
	res, err := eval.HuntTenant(ctx, dir, truth, set, prices)
	if err != nil {
		fmt.Fprintln(stderr, "mamori demo:", err)
		return ExitError
	}
	var records int64
	for _, f := range res.Files {
		records += f.Records
	}
	fmt.Fprintf(stdout, "Simulated a tenant: %s over 30 days, with a GPU cryptojacking attack and the data-science team's\n"+
		"look-alike training run. Hunted with %s in %s.\n\n", plural.Count(records, "record", "records"), plural.Count(res.Rules, "rule", "rules"), time.Since(start).Round(time.Millisecond))
	ropts := report.Options{Color: isTerminal(stdout), Width: tableWidth(stdout), Incidents: res.Incidents, Brief: true}
	if err := report.Write(stdout, report.Table, res.Alerts, ropts); err != nil {
		fmt.Fprintln(stderr, "mamori demo:", err)
		return ExitError
	}
	// The simulated tenant exports every log: nothing, unless a reader
	// or the simulator lost one.
	if err := report.WriteNotSeen(stdout, res.NotSeen); err != nil {
		fmt.Fprintln(stderr, "mamori demo:", err)
		return ExitError
	}
	if *reportPath != "" {
		in := htmlreport.Input{Alerts: res.Alerts, Incidents: res.Incidents, Title: fmt.Sprintf("mamori demo (seed %d)", *seed),
			Generated: time.Now(), Files: len(res.Files), Records: records, Product: "mamori " + Version(), NotSeen: res.NotSeen}
		if err := writeHTMLReport(*reportPath, in); err != nil {
			fmt.Fprintln(stderr, "mamori demo: --report:", err)
			return ExitError
		}
		fmt.Fprintf(stdout, "\nThe HTML report (opens in any browser, no network needed) is in %s.\n", *reportPath)
	}
	if *keep != "" {
		fmt.Fprintf(stdout, "The logs are in %s ('mamori hunt %s' hunts them again, with the tenant's own addresses); what was injected is in %s.\n",
			dir, dir, filepath.Join(dir, "truth.json"))
	} else {
		// The alerts' evidence names files of that folder.
		fmt.Fprintln(stdout, "The simulated logs were in a temporary folder, removed now: 'mamori demo --keep DIR' keeps them, to open the evidence.")
	}
	return ExitOK
}

// simulatedTenant gives a hunt of a folder 'mamori simulate' or 'mamori
// demo --keep' wrote what the demo and eval hunt it with: the tenant's own
// addresses and, unless --baseline named one, its baseline, both from its
// truth.json, and says so. Without them the company's own ranges were
// strangers (flows from its machines to its own addresses on a port pools
// use made mining incidents the demo never showed). Nothing of the attacks
// it describes is read.
// paths are the files the command reads, or where one may lie.
func simulatedTenant(cmd string, paths []string, baseline bool, cfg *hunt.Config, stderr io.Writer) {
	for _, path := range paths {
		if filepath.Base(path) != "truth.json" {
			continue
		}
		truth, ok, err := simulate.ReadTruth(path)
		if err != nil || !ok {
			continue // read as any input: its own error, or ignored
		}
		cfg.Enricher.Own(truth.Owned())
		took := "its own addresses (" + strings.Join(truth.OwnedIPs, ", ") + ")"
		if baseline && truth.BaselineDays > 0 {
			cfg.Baseline = truth.Baseline()
			took += " and its baseline (" + plural.Count(truth.BaselineDays, "day", "days") + ")"
		}
		fmt.Fprintf(stderr, "mamori %s: %s describes a simulated tenant: %s are taken, as the demo and eval take them\n",
			cmd, report.Terminal(path), took)
	}
}
