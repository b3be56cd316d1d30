package engine

import (
	"strings"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/correlate"
	"github.com/mamori-sec/mamori/internal/enrich"
	"github.com/mamori-sec/mamori/internal/event"
)

// TestProcessAlertHidesSecretsRulesStillMatch: a rule reads the raw command
// line (it matches on the password itself), its alert quotes the command
// line with the password hidden and everything else in sight.
func TestProcessAlertHidesSecretsRulesStillMatch(t *testing.T) {
	set := load(t, map[string]string{"p.yml": `title: Service principal sign-in on a host
name: x.host.sp_login
id: 5e6f
description: d
logsource: {product: azure, category: process_creation}
detection:
  sel: {process.command_line|contains: '-p Zx8Q~s3cretValue'}
  condition: sel
level: high
`})
	e, err := New(set, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	cmd := "az login --service-principal -u 0f3c2a1e-app -p Zx8Q~s3cretValue --tenant 72f988bf"
	ev := event.Event{Time: time.Date(2026, 3, 14, 2, 0, 0, 0, time.UTC), Kind: event.KindProcess, Operation: "processcreated",
		ID: "dev1:1", Tenant: "t1", Loc: event.Location{File: "DeviceProcessEvents.json", Line: 1},
		Process: &event.Process{Host: "vm-gpu-01", Image: "/usr/bin/az", CommandLine: cmd}}
	e.Eval(0, &ev)
	as, _, err := e.Alerts(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 1 {
		t.Fatalf("%d alerts, want the rule's one: it must read the raw command line", len(as))
	}
	want := "az on vm-gpu-01: az login --service-principal -u 0f3c2a1e-app -p *** --tenant 72f988bf"
	if got := as[0].Summary; got != want || strings.Contains(got, "s3cret") {
		t.Errorf("summary %q\n want %q", got, want)
	}
}

// TestSummaryHidesSecretsBeforeTheCut: a quoted password across the
// 200-byte cut is hidden whole, not its tail after a cut redaction missed;
// a Stratum URL's password in the pool text is hidden too.
func TestSummaryHidesSecretsBeforeTheCut(t *testing.T) {
	t.Parallel()
	pad := "/opt/tools/run --config /etc/tools/" + strings.Repeat("x", 130) + " --password "
	const cut = 200 // what a summary quotes of a command line
	const password = "'correct horse battery staple'"
	cmd := pad + password + " --verbose"
	if len(pad)+len("'correct horse") > cut || len(pad)+len(password) <= cut {
		t.Fatalf("the cut (%d) must fall inside the password's last words (%d to %d)", cut, len(pad), len(pad)+len(password))
	}
	ev := &event.Event{Kind: event.KindProcess, Process: &event.Process{Host: "h", Image: "/opt/tools/run", CommandLine: cmd}}
	got := Summary(ev)
	for _, word := range []string{"correct", "horse", "battery", "staple"} {
		if strings.Contains(got, word) {
			t.Errorf("summary shows %q of the password: %q", word, got)
		}
	}
	if !strings.Contains(got, "--password '***") {
		t.Errorf("summary %q: want the password's value masked", got)
	}

	ev = &event.Event{Kind: event.KindProcess, Process: &event.Process{Host: "h", Image: "/tmp/t-rex",
		CommandLine: "/tmp/t-rex -a kawpow -o stratum+tcp://RWallet.rig:hunter2@rvn.2miners.com:6060"}}
	ev.Enrich.Pool = &event.PoolMatch{Kind: enrich.KindStratum, Indicator: "stratum+tcp://RWallet.rig:hunter2@rvn.2miners.com:6060", Pool: "2miners.com"}
	want := "t-rex on h: /tmp/t-rex -a kawpow -o stratum+tcp://RWallet.rig:***@rvn.2miners.com:6060 — mining pool stratum+tcp://RWallet.rig:***@rvn.2miners.com:6060 (2miners.com)"
	if got := Summary(ev); got != want {
		t.Errorf("summary %q\n want %q", got, want)
	}
}

// TestFireSummaryHidesSecretsOfItsKeys: a correlation may group by a
// command line; its summary quotes the values with their secrets hidden.
func TestFireSummaryHidesSecretsOfItsKeys(t *testing.T) {
	t.Parallel()
	f := correlate.Fire{Type: "first_seen", Title: "New command on a host",
		GroupKey: map[string]string{"tenant": "t1", "process.command_line": "mysql -u root -pS3cret -h db"}}
	want := "New command on a host: mysql -u root -p*** -h db, not seen in the baseline window before"
	if got := fireSummary(f, nil); got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}
