package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	mamori "github.com/mamori-sec/mamori"
	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/enrich"
	"github.com/mamori-sec/mamori/internal/hunt"
	"github.com/mamori-sec/mamori/internal/incident"
	"github.com/mamori-sec/mamori/internal/rules"
	"github.com/mamori-sec/mamori/internal/simulate"
	"github.com/mamori-sec/mamori/internal/source"
	"github.com/mamori-sec/mamori/internal/store"
)

// tenant is a simulated tenant's logs, and the hunt configuration that
// goes with them.
type tenant struct {
	dir   string
	truth *simulate.Truth
	cfg   hunt.Config
	// firstSeen names the catalogue's first_seen correlations.
	firstSeen map[string]bool
}

func newTenant(t *testing.T, opt simulate.Options) *tenant {
	t.Helper()
	dir := t.TempDir()
	truth, err := simulate.Write(dir, opt)
	if err != nil {
		t.Fatal(err)
	}
	// truth.json is the simulator's answer sheet, not a log.
	if err := os.Remove(filepath.Join(dir, "truth.json")); err != nil {
		t.Fatal(err)
	}
	set, err := rules.Load(rules.Options{Builtin: mamori.Rules})
	if err != nil {
		t.Fatal(err)
	}
	var eo enrich.Options
	for _, s := range truth.OwnedIPs {
		eo.OwnedIPs = append(eo.OwnedIPs, netip.MustParsePrefix(s))
	}
	enr, err := enrich.Load(eo)
	if err != nil {
		t.Fatal(err)
	}
	fs := map[string]bool{}
	for _, r := range set.Rules {
		var c struct {
			Type string `yaml:"type"`
		}
		if r.Sigma != nil && r.Sigma.Correlation != nil && r.Sigma.Correlation.Decode(&c) == nil && c.Type == "first_seen" {
			fs[r.Name] = true
		}
	}
	if len(fs) == 0 {
		t.Fatal("the catalogue has no first_seen correlation")
	}
	return &tenant{dir: dir, truth: truth, firstSeen: fs,
		cfg: hunt.Config{Rules: set, Enricher: enr, Baseline: time.Duration(truth.BaselineDays) * 24 * time.Hour}}
}

// dayOf reads the day of the month from the simulator's file layouts
// (…/d=07/h=…, SigninLogs_2026-03-07.json, azfwdnsquery/2026/03/07/…);
// files without one (host audit logs) are the last day's.
var dayOf = regexp.MustCompile(`d=(\d\d)/|_\d{4}-\d\d-(\d\d)\.|/\d{4}/\d\d/(\d\d)/`)

func day(path string) int {
	m := dayOf.FindStringSubmatch(filepath.ToSlash(path))
	if m == nil {
		return 99
	}
	for _, g := range m[1:] {
		if g != "" {
			d, _ := strconv.Atoi(g)
			return d
		}
	}
	return 99
}

var hourOf = regexp.MustCompile(`/h=(\d\d)/`)

// hour reads the hour from the hourly blobs' paths; others are hour 0.
func hour(path string) int {
	if m := hourOf.FindStringSubmatch(filepath.ToSlash(path)); m != nil {
		h, _ := strconv.Atoi(m[1])
		return h
	}
	return 0
}

// deliver copies the tenant's files of days [from, to] into dst, as an
// export arriving day by day would.
func (tn *tenant) deliver(t *testing.T, dst string, from, to int) int {
	t.Helper()
	return tn.deliverHours(t, dst, from*100, to*100+99)
}

// deliverHours copies the files of the hours [from, to], written as
// day*100+hour.
func (tn *tenant) deliverHours(t *testing.T, dst string, from, to int) int {
	t.Helper()
	return tn.copyFiles(t, dst, from, to, false)
}

// copyFiles copies the files of the hours [from, to]; with half, only the
// first half of the lines of the hourly JSON lines blobs (an hour's blob
// while the hour is open), and nothing else.
func (tn *tenant) copyFiles(t *testing.T, dst string, from, to int, half bool) int {
	t.Helper()
	return tn.copyWhere(t, dst, func(p string) bool {
		dh := day(p)*100 + hour(p)
		return dh >= from && dh <= to && (!half || filepath.Base(p) == "PT1H.json")
	}, half)
}

// copyWhere copies the tenant's files that keep says to copy (given their
// path), and returns how many; with half, only the first half of the
// lines of each.
func (tn *tenant) copyWhere(t *testing.T, dst string, keep func(path string) bool, half bool) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(tn.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !keep(p) {
			return err
		}
		rel, _ := filepath.Rel(tn.dir, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if half {
			lines := bytes.SplitAfter(b, []byte("\n"))
			b = bytes.Join(lines[:len(lines)/2], nil)
		}
		out := filepath.Join(dst, rel)
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		n++
		return os.WriteFile(out, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "mamori.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// cycle runs one cycle of a server started afresh, as `mamori serve
// --once` from cron does: nothing carries over but the store.
func cycle(t *testing.T, st *store.Store, dir string, cfg hunt.Config) *Result {
	t.Helper()
	ctx := context.Background()
	srv, err := New(ctx, Config{Store: st, Dirs: []string{dir}, Hunt: cfg})
	if err != nil {
		t.Fatal(err)
	}
	return runCycle(t, srv)
}

// runCycle runs srv's next cycle, failing the test on an error or a file
// skipped.
func runCycle(t *testing.T, srv *Server) *Result {
	t.Helper()
	res, err := srv.Cycle(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res.Skip {
		t.Errorf("skipped: %v", e)
	}
	return res
}

// The promise: when serving, first_seen's baseline is what the
// store has seen. Served a week at a time, each week by a new process,
// the first_seen alerts are exactly those of one hunt over the month; a
// store that starts with the last week learns from it and says nothing.
func TestFirstSeenFromTheStore(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates a tenant")
	}
	tn := newTenant(t, simulate.Options{Seed: 11, Scenarios: []string{"gpu-scaleset-chain", "ml-batch-aci-fanout"}})
	attackDay := 99
	for _, a := range tn.truth.Attacks {
		attackDay = min(attackDay, a.Start.Day())
	}
	if attackDay <= tn.truth.BaselineDays {
		t.Fatalf("attack on day %d, inside the %d-day baseline", attackDay, tn.truth.BaselineDays)
	}

	whole, err := hunt.Run(context.Background(), inputsOf(t, tn.dir), tn.cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := tn.firstSeenIDs(whole.Alerts)
	if len(want) == 0 {
		t.Fatal("the month's hunt raised no first_seen alert: the test shows nothing")
	}

	st := openStore(t)
	watched := t.TempDir()
	var got []string
	for _, week := range [][2]int{{1, 7}, {8, 14}, {15, 21}, {22, 99}} {
		if tn.deliver(t, watched, week[0], week[1]) == 0 {
			continue
		}
		res := cycle(t, st, watched, tn.cfg)
		got = append(got, tn.firstSeenIDs(res.Fresh)...)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("first_seen alerts served week by week:\n%v\nof one hunt over the month:\n%v", got, want)
	}

	// A store that begins after the attack started has no baseline yet.
	late := openStore(t)
	lateDir := t.TempDir()
	tn.deliver(t, lateDir, attackDay, 99)
	res := cycle(t, late, lateDir, tn.cfg)
	if ids := tn.firstSeenIDs(res.Fresh); len(ids) != 0 {
		t.Errorf("a store that has seen nothing before day %d raised first_seen alerts %v: its first %d days are for learning",
			attackDay, ids, tn.truth.BaselineDays)
	}
	if len(res.Fresh) == 0 {
		t.Error("the late store raised no alert at all: its other rules should still fire")
	}

	// Nothing new: nothing read. The same records again under another
	// name: read, and nothing new to the store.
	again := cycle(t, st, watched, tn.cfg)
	if len(again.Read) != 0 {
		t.Errorf("a cycle with nothing new read %d inputs", len(again.Read))
	}
	copyTree(t, watched, filepath.Join(watched, "replayed"))
	replay := cycle(t, st, watched, tn.cfg)
	if len(replay.Read) == 0 || replay.Hunt == nil || len(replay.Hunt.Alerts) == 0 {
		t.Fatalf("the replayed copy was not hunted: %+v", replay)
	}
	if len(replay.Fresh) != 0 {
		t.Errorf("a replay of stored records gave %d new alerts, e.g. %s %s", len(replay.Fresh), replay.Fresh[0].Rule, replay.Fresh[0].ID)
	}
}

// firstSeenIDs are the sorted ids of the alerts of first_seen rules.
func (tn *tenant) firstSeenIDs(as []alert.Alert) []string {
	var ids []string
	for _, a := range as {
		if tn.firstSeen[a.Rule] {
			ids = append(ids, a.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

func inputsOf(t *testing.T, dir string) []source.Input {
	t.Helper()
	in, err := source.Expand([]string{dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	copyFiles(t, from, to, func(string) bool { return true })
}

// copyFiles copies the files under from whose path relative to it keep
// accepts to the same place under to.
func copyFiles(t *testing.T, from, to string, keep func(rel string) bool) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if !keep(rel) {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out := filepath.Join(to, rel)
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		return os.WriteFile(out, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Served an hour at a time, each hour's blobs in two cycles (half their
// lines, then the rest), a burst or a chain that spans cycles is still
// seen whole: the records its windows read are carried into the next
// cycles. Every alert of one hunt over the month comes out, and no other.
func TestWindowsSpanCycles(t *testing.T) {
	windowsSpanCycles(t, (*tenant).copyFiles)
}

// The same when the hours arrive as indented documents (as az monitor
// activity-log list writes), each in two: the records carried are found
// again where they span lines.
func TestWindowsSpanCyclesInDocuments(t *testing.T) {
	windowsSpanCycles(t, (*tenant).copyDocuments)
}

// windowsSpanCycles serves the hours of a simulated attack with deliver:
// deliver(from, to, true) gives the first half of the Activity Log of the
// hours [from, to], deliver(from, to, false) all of them.
func windowsSpanCycles(t *testing.T, deliver func(tn *tenant, t *testing.T, dst string, from, to int, half bool) int) {
	tn, whole := attackHunted(t)
	var first, last time.Time
	for _, a := range tn.truth.Attacks {
		first, last = a.Start, a.End
	}
	st := openStore(t)
	watched := t.TempDir()
	var got []alert.Alert
	cycleOf := map[string]int{} // the cycle that first wrote each alert
	carried, cycles := 0, 0
	serveHours := func(from, to int, half bool) {
		if deliver(tn, t, watched, from, to, half) == 0 {
			return
		}
		res := cycle(t, st, watched, tn.cfg)
		cycles++
		for _, a := range res.Fresh {
			cycleOf[a.ID] = cycles
		}
		got = append(got, res.Fresh...)
		carried += res.Carried
	}
	start := first.Day()*100 + first.Hour()
	serveHours(0, start-1, false)
	for dh := start; dh <= last.Day()*100+last.Hour()+1; dh++ {
		serveHours(dh, dh, true)
		serveHours(dh, dh, false)
	}
	serveHours(last.Day()*100+last.Hour()+2, 9999, false)
	if carried == 0 {
		t.Error("no record was carried between cycles")
	}
	ids := func(as []alert.Alert) map[string]string {
		m := map[string]string{}
		for _, a := range as {
			m[a.ID] = a.Rule
		}
		return m
	}
	want, have := ids(whole.Alerts), ids(got)
	for id, rule := range want {
		if _, ok := have[id]; !ok {
			t.Errorf("missing when served hour by hour: %s %s", rule, id)
		}
	}
	for id, rule := range have {
		if _, ok := want[id]; !ok {
			t.Errorf("only when served hour by hour: %s %s", rule, id)
		}
	}
	// The store's alerts, grouped again over all of them (mamori
	// alerts), make the incidents of the one hunt: the attack served over
	// many cycles is one incident, with the same members.
	// Priced from the creates the store kept, as the hunt from its own.
	incs, stored := storeIncidents(t, st)
	if len(incs) != len(whole.Incidents) {
		t.Fatalf("%d incidents over the store's alerts, %d in the hunt", len(incs), len(whole.Incidents))
	}
	for i, in := range incs {
		w := whole.Incidents[i]
		if in.ID != w.ID || in.Severity != w.Severity || in.Title != w.Title || len(in.Timeline) != len(w.Timeline) {
			t.Errorf("incident %d: %s %v %q (%d alerts), the hunt's %s %v %q (%d)", i, in.ID, in.Severity, in.Title, len(in.Timeline), w.ID, w.Severity, w.Title, len(w.Timeline))
		}
		// Priced alike: a create Azure refused (the chain's quota probes)
		// whose Start and Failure records fell to different cycles is
		// priced by neither.
		if in.Cost.USDPerHour != w.Cost.USDPerHour || instances(in) != instances(w) {
			t.Errorf("incident %d %s: $%v per hour for %d instances over the store, the hunt's $%v for %d", i, in.ID, in.Cost.USDPerHour, instances(in), w.Cost.USDPerHour, instances(w))
		}
	}
	byID := map[string]string{}
	count := map[string]int{}
	for _, a := range whole.Alerts {
		byID[a.ID], count[a.ID] = a.Incident, a.Count
	}
	// What the store keeps of an alert found again, its window grown by
	// later records, is all of it.
	for _, a := range stored {
		if a.Count != count[a.ID] {
			t.Errorf("alert %s %s: %d records in the store, %d in the hunt", a.Rule, a.ID, a.Count, count[a.ID])
		}
	}
	for _, a := range stored {
		if a.Incident != byID[a.ID] {
			t.Errorf("alert %s %s: incident %s, the hunt's %s", a.Rule, a.ID, a.Incident, byID[a.ID])
		}
	}
	// The hunt's incidents whose alerts several cycles wrote: what the
	// store's grouping makes whole.
	spans := map[string]map[int]bool{}
	for _, a := range got {
		in := byID[a.ID]
		if spans[in] == nil {
			spans[in] = map[int]bool{}
		}
		spans[in][cycleOf[a.ID]] = true
	}
	split := 0
	for _, c := range spans {
		if len(c) > 1 {
			split++
		}
	}
	if split == 0 {
		t.Error("no incident's alerts came in more than one cycle: the cycles did not split the attack, so this test shows nothing")
	}
}

// A hunt that fails once first_seen has recorded keys (a stop, a full
// temporary folder) commits nothing; the next cycle reads the same
// records, and their first_seen alerts must fire then, not be taken for
// keys already seen.
func TestFailedHuntForgetsWhatItRecorded(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates a tenant")
	}
	tn := newTenant(t, simulate.Options{Seed: 11, Scenarios: []string{"gpu-scaleset-chain", "ml-batch-aci-fanout"}})
	whole, err := hunt.Run(context.Background(), inputsOf(t, tn.dir), tn.cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := tn.firstSeenIDs(whole.Alerts)
	if len(want) == 0 {
		t.Fatal("no first_seen alert: the test shows nothing")
	}
	broken := t.TempDir()
	if err := os.WriteFile(filepath.Join(broken, "broken.json"), []byte("{\"time\": broken}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// One worker reads the folders in order: the broken file, read last,
	// stops the hunt once the tenant's records are in.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := tn.cfg
	cfg.Workers = 1
	cfg.OnError = func(*source.ParseError) { cancel() }
	srv, err := New(context.Background(), Config{Store: openStore(t), Dirs: []string{tn.dir, broken}, Hunt: cfg})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Cycle(ctx); err == nil {
		t.Fatal("the stopped cycle succeeded")
	}
	res, err := srv.Cycle(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := tn.firstSeenIDs(res.Fresh); !slices.Equal(got, want) {
		t.Errorf("first_seen alerts after a failed cycle:\n%v\nof one hunt:\n%v", got, want)
	}
}

// The records of documents written over several lines that are carried
// are found again at the next cycle, not reported lost as if their file
// had changed or gone (records that cannot be found by their offset, CSV
// rows, are not carried at all).
func TestOnlyFindableRecordsAreCarried(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates a tenant")
	}
	tn := newTenant(t, simulate.Options{Seed: 5, Days: 20, Scenarios: []string{"gpu-scaleset-chain"}})
	watched := t.TempDir()
	n := 0
	err := filepath.WalkDir(filepath.Join(tn.dir, "insights-activity-logs"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var doc []json.RawMessage
		for _, l := range bytes.Split(b, []byte("\n")) {
			if l = bytes.TrimSpace(l); len(l) > 0 {
				doc = append(doc, l)
			}
		}
		out, err := json.MarshalIndent(doc, "", "  ")
		if err != nil {
			return err
		}
		n++
		return os.WriteFile(filepath.Join(watched, fmt.Sprintf("export-%04d.json", n)), out, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	st := openStore(t)
	if r := cycle(t, st, watched, tn.cfg); len(r.Read) != n || r.Hunt == nil || len(r.Hunt.Alerts) == 0 {
		t.Fatalf("the documents were not hunted: %+v", r)
	}
	if err := os.WriteFile(filepath.Join(watched, "more.json"), someLines(t, tn, 1)[0], 0o644); err != nil {
		t.Fatal(err)
	}
	if r := cycle(t, st, watched, tn.cfg); r.Lost != 0 {
		t.Errorf("%d records of unchanged documents reported lost", r.Lost)
	}
}

// copyDocuments is copyFiles for a tenant whose Activity Log arrives as
// indented documents: each hourly blob of the hours [from, to] becomes
// two, PT1H-a.json with the first half of its records, PT1H-b.json with
// the rest, written only when half is false (with the hour's other files).
// A file already there with the same content is left as it is.
func (tn *tenant) copyDocuments(t *testing.T, dst string, from, to int, half bool) int {
	t.Helper()
	n := 0
	put := func(path string, b []byte) {
		if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, b) {
			return
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		n++
	}
	indented := func(lines [][]byte) []byte {
		recs := []json.RawMessage{}
		for _, l := range lines {
			if l = bytes.TrimSpace(l); len(l) > 0 {
				recs = append(recs, l)
			}
		}
		b, err := json.MarshalIndent(recs, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	err := filepath.WalkDir(tn.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if dh := day(p)*100 + hour(p); dh < from || dh > to {
			return nil
		}
		rel, _ := filepath.Rel(tn.dir, p)
		out := filepath.Join(dst, rel)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if filepath.Base(p) != "PT1H.json" {
			if !half {
				put(out, b)
			}
			return nil
		}
		lines := bytes.Split(b, []byte("\n"))
		stem := strings.TrimSuffix(out, ".json")
		put(stem+"-a.json", indented(lines[:len(lines)/2]))
		if !half {
			put(stem+"-b.json", indented(lines[len(lines)/2:]))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// instances is how many machines an incident is priced for.
// storeIncidents are the incidents of every alert the store kept, priced
// from the creates it kept, as mamori alerts builds them.
func storeIncidents(t *testing.T, st *store.Store) ([]incident.Incident, []alert.Alert) {
	t.Helper()
	ctx := context.Background()
	as, err := st.Alerts(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	created, err := st.Created(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return incident.BuildMarked(as, incident.Options{Created: created}), as
}

func instances(in incident.Incident) int {
	n := 0
	for _, l := range in.Cost.Lines {
		n += l.Count
	}
	return n
}
