// Package simulate writes a realistic Azure tenant's logs, with cryptojacking
// attacks and their benign look-alikes injected, in the exact shapes and
// storage layouts Azure emits, plus truth.json: for each injected attack its
// principals, resources, time span and the rules that must (or must not)
// fire. It exists to test mamori end to end and to demo it: the same seed
// always gives the same bytes, so a failure found once can be replayed.
//
// What the simulated tenant logs, and so what the truth may expect of a
// rule: the subscription's Activity Log (diagnostic settings) and the
// tenant-level one; Entra sign-ins and audit; ID Protection's risk
// detections of users and service principals (risk.go); VNet flow logs
// of every network, the attackers' new ones too (a flow-log policy such as Azure's
// built-in one logs each network as it is created); the Azure Firewall's
// DNS proxy log, which sees the tenant's spoke networks only (a network an
// attacker creates resolves through Azure's own DNS); and the process logs
// (auditd, Sysmon for Linux or Defender for Endpoint: Options.HostLog) of
// the machines the tenant's teams set up with the monitoring agent, and
// of the attackers' machines too when an agent policy reaches every new
// machine (Options.HostAgents; drawn from the seed by default).
// Without one the logs show no process of an attacker's machine, and the
// truth does not expect azure.host.miner_process.
package simulate

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Options say what to simulate.
type Options struct {
	Seed      uint64
	Size      string    // small (about 20k records over 30 days), medium, large; default small
	Days      int       // default 30
	Scenarios []string  // names from Scenarios(); empty means one random attack
	Start     time.Time // first day; default 2026-03-01 UTC
	// Gzip writes every log file gzipped (name.gz), as exports and
	// archives often are; truth.json stays plain.
	Gzip bool
	// Shape is the subscription Activity Log's shape: records (default),
	// rest or loganalytics, or several separated by commas (ParseShapes):
	// the same records in each export.
	Shape string
	// SignInShape is the sign-ins' shape: loganalytics (default: the
	// portal's export of SigninLogs and AADServicePrincipalSignInLogs
	// rows, a file a day) or records (diagnostic settings' hourly
	// PT1H.json blobs of the Entra categories).
	SignInShape string
	// HostAgents says which machines write process logs: AgentsAll (an
	// agent policy reaches every new machine, the attackers' too),
	// AgentsOwn (only the machines the tenant's teams set up with the
	// agent), or "" for either, drawn from the seed (agentPolicyShare).
	HostAgents string
	// HostLog is the machines' process log: LogAuditd, LogSysmon (Sysmon
	// for Linux, through syslog), LogMDE (Defender for Endpoint's
	// DeviceProcessEvents through its streaming API), or "" for one drawn
	// from the seed (sysmonShare, mdeShare).
	HostLog string
	// MachineOS is the system of the machines the scale-set attacks (the
	// GPU chain, the slow and paced attacks, the GPU fleet, CPU mining) and the GPU chain's twin build: OSLinux,
	// OSWindows, or "" for one drawn for each (windows.go: a third
	// Windows).
	MachineOS string
	// noRiskDetections leaves out ID Protection's risk detections
	// (risk.go): the tenant as it was written before them, which the
	// tests compare every other file with.
	noRiskDetections bool
}

// The tenants HostAgents describes.
const (
	AgentsAll = "all"
	AgentsOwn = "own"
)

// agentPolicyShare is the share of drawn tenants whose agent policy
// reaches every new machine (Defender for Servers' automatic provisioning,
// or Azure Monitor's built-in policy): the rest see no process of an
// attacker's machine.
const agentPolicyShare = 0.5

// File layouts: how a file's records are joined.
const (
	kindLines   = iota // JSON lines (diagnostic settings blobs)
	kindArray          // one JSON array, a record a line (Log Analytics export)
	kindValue          // {"value":[…]} (ARM REST, newest first)
	kindRecords        // {"records":[…]} messages, one a line (Event Hub)
	kindText           // text lines (auditd)
)

// rec is one record waiting to be written; seq keeps equal times in the
// order they were made, so sorting never depends on anything but the seed.
type rec struct {
	at   time.Time
	seq  int
	data []byte
}

type file struct {
	kind int
	recs []rec
}

// gen carries one simulation's state.
type gen struct {
	shapes []string // the Activity Log's (ParseShapes)
	r      *rand.Rand
	t      *tenant
	opt    Options
	scale  int
	files  map[string]*file
	seq    int
	serial map[string]int // auditd serial per host
	// deploys are when each object id created a VM, so a twin can be
	// played by whoever of its team deployed last, as in real life.
	deploys map[string][]time.Time
	claimed map[string][]int // far region -> the injections (indexes) that used it
	cur     int              // the injection running
	// hosts and addrs collect the machines and private addresses the
	// running injection writes process and DNS records for; track is off
	// while the benign history is written.
	hosts, addrs []string
	track        bool
	// fr is the flow logs' own random stream (flows.go); flowTargets the
	// flow log of each network, by its id; nr the stream of the networks
	// attacks create (attackNetwork); sp that of the benign flows to
	// ports pools share with ordinary services (sharedPortFlows).
	fr, nr, sp *rand.Rand
	// drv is the stream of GPU drivers installed on hosts (drivers.go);
	// sec that of Defender for Cloud's alerts (defender.go).
	drv, sec *rand.Rand
	mnr      *rand.Rand // the stream of the attacks' miners (miners.go)
	// win is the stream of the attacks' Windows machines, and windows
	// the machines that run Windows, each with its scale set's id
	// (windows.go).
	win     *rand.Rand
	windows map[string]string
	wk      *rand.Rand // the woken machines' stream (woken.go)
	// vend is the stream of subscriptions created (attack_vend.go), and
	// vendDay shifts the pipeline's days.
	vend        *rand.Rand
	vendDay     int
	fleet       *rand.Rand // the fleet attack's and its twin's (attack_fleet.go)
	hdi         *rand.Rand // the HDInsight cluster's, its resize's and its twin's (attack_hdinsight.go)
	rare        *rand.Rand // the chores' stream (rare.go)
	chores      []chore
	cuts        []window // gaps in the subscription's export (attack_cut.go)
	flowTargets map[string]flowTarget
	// rk is the stream of ID Protection's risk detections (risk.go);
	// risky, spIn, today and life what they are made from.
	rk      *rand.Rand
	risky   []mirror
	spIn    []spMirror
	today   []mirror
	life    []lifeRisk
	agents  string // AgentsAll or AgentsOwn
	hostLog string // LogAuditd, LogSysmon or LogMDE
}

// option is a setting given in Options, or drawn from the seed.
type option struct {
	field, what string   // its Options field, and its name in an error
	values      []string // its values: the first is drawn unless another is
	shares      []float64
	stream      uint64 // the draw's own random stream: it changes no other record
}

// choose returns given when it is one of o's values, and, when given is
// empty, values[i+1] with probability shares[i], values[0] otherwise.
func (o option) choose(given string, seed uint64) (string, error) {
	if given == "" {
		u := rand.New(rand.NewPCG(seed, o.stream)).Float64()
		for i, sh := range o.shares {
			if u < sh {
				return o.values[i+1], nil
			}
			u -= sh
		}
		return o.values[0], nil
	}
	if slices.Contains(o.values, given) {
		return given, nil
	}
	return "", optionErr(o.field, "%s must be %s, not %q", o.what, strings.Join(o.values, ", "), given)
}

// ErrNotEmpty is Write's folder holding something already.
var ErrNotEmpty = errors.New("not empty")

// Write simulates into dir, new or empty, and returns what was injected;
// truth.json in dir says the same.
func Write(dir string, opt Options) (*Truth, error) {
	g, err := newGen(opt)
	if err != nil {
		return nil, err
	}
	// Two tenants' files mixed in one folder, and the second's truth.json
	// over the first's, would be hunted as one tenant.
	if ents, err := os.ReadDir(dir); err == nil && len(ents) > 0 {
		return nil, fmt.Errorf("%s: %w: a simulated tenant is written into a new or empty folder", dir, ErrNotEmpty)
	}
	truth, err := g.run()
	if err != nil {
		return nil, err
	}
	if err := g.flush(dir, opt.Gzip); err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(truth, "", "  ")
	if err != nil {
		return nil, err
	}
	return truth, os.WriteFile(filepath.Join(dir, "truth.json"), append(b, '\n'), 0o644)
}

// MinDays and MaxDays bound Options.Days: fewer days leave no day for
// an attack after the benign history the first_seen rules learn from.
const (
	MinDays = 3
	MaxDays = 400
)

// OptionError is an option Write refuses. Option is its field in Options
// ("Days", "Size", "Shape", "SignInShape", "Scenarios", "HostAgents", "HostLog", "MachineOS"), for a caller to
// name its own flag; Err says what is wrong.
type OptionError struct {
	Option string
	Err    error
}

func (e *OptionError) Error() string { return e.Err.Error() }
func (e *OptionError) Unwrap() error { return e.Err }

func optionErr(option, format string, args ...any) error {
	return &OptionError{Option: option, Err: fmt.Errorf(format, args...)}
}

// CheckDays says whether Write can simulate that many days: between
// MinDays and MaxDays. (Write takes 0 for its default, 30; a command
// whose flag already defaults to 30 should not.)
func CheckDays(days int) error {
	if days < MinDays || days > MaxDays {
		return optionErr("Days", "days must be between %d and %d, not %d", MinDays, MaxDays, days)
	}
	return nil
}

// newGen checks the options and fills their defaults.
func newGen(opt Options) (*gen, error) {
	if opt.Days == 0 {
		opt.Days = 30
	}
	if err := CheckDays(opt.Days); err != nil {
		return nil, err
	}
	if opt.Start.IsZero() {
		opt.Start = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	}
	opt.Start = opt.Start.UTC().Truncate(24 * time.Hour)
	scale := map[string]int{"": 1, "small": 1, "medium": 5, "large": 25}[opt.Size]
	if scale == 0 {
		return nil, optionErr("Size", "size must be small, medium or large, not %q", opt.Size)
	}
	shapes, err := ParseShapes(opt.Shape)
	if err != nil {
		return nil, optionErr("Shape", "%v", err)
	}
	switch opt.SignInShape {
	case "", ShapeRecords, ShapeLogAnalytics:
	default:
		return nil, optionErr("SignInShape", "sign-in shape must be records or loganalytics, not %q", opt.SignInShape)
	}
	// A scenario named twice runs once: its principals would not be new
	// the second time, so its truth would be wrong.
	var names []string
	for _, s := range opt.Scenarios {
		if find(s) == nil {
			return nil, optionErr("Scenarios", "unknown scenario %q (known: %s)", s, strings.Join(Scenarios(), ", "))
		}
		if !slices.Contains(names, s) {
			names = append(names, s)
		}
	}
	opt.Scenarios = names
	agents, err := option{"HostAgents", "host agents", []string{AgentsOwn, AgentsAll}, []float64{agentPolicyShare}, 0x6167656e74}.choose(opt.HostAgents, opt.Seed)
	if err != nil {
		return nil, err
	}
	hostLog, err := option{"HostLog", "host log", []string{LogAuditd, LogSysmon, LogMDE}, []float64{sysmonShare, mdeShare}, 0x7379736d6f6e}.choose(opt.HostLog, opt.Seed)
	if err != nil {
		return nil, err
	}
	if opt.MachineOS != "" && opt.MachineOS != OSLinux && opt.MachineOS != OSWindows {
		return nil, optionErr("MachineOS", "the machines' system must be %s or %s, not %q", OSLinux, OSWindows, opt.MachineOS)
	}
	r := rand.New(rand.NewPCG(opt.Seed, 0x6d616d6f7269))
	t := newTenant(r, scale)
	wk := newWokenRand(opt.Seed)
	t.StartStop = app{Name: "vm-start-stop-runbook", AppID: guid(wk), OID: guid(wk)}
	t.Rotation = wk.IntN(opt.Days)
	vend := rand.New(rand.NewPCG(opt.Seed, 0x76656e64))
	rare := rand.New(rand.NewPCG(opt.Seed, 0x72617265))
	return &gen{rare: rare, chores: newChores(rare, t), vend: vend, vendDay: vend.IntN(vendEvery), fleet: rand.New(rand.NewPCG(opt.Seed, 0x666c6574)), hdi: rand.New(rand.NewPCG(opt.Seed, 0x686469)), r: r, opt: opt, scale: scale, t: t, wk: wk, files: map[string]*file{}, serial: map[string]int{}, deploys: map[string][]time.Time{}, claimed: map[string][]int{},
		fr: newFlowRand(opt.Seed), nr: rand.New(rand.NewPCG(opt.Seed, 0x6e6574)), sp: newSharedPortRand(opt.Seed), drv: rand.New(rand.NewPCG(opt.Seed, 0x647276)), mnr: rand.New(rand.NewPCG(opt.Seed, 0x6d6e72)), sec: newSecRand(opt.Seed),
		win: rand.New(rand.NewPCG(opt.Seed, 0x77696e)), windows: map[string]string{},
		flowTargets: map[string]flowTarget{}, rk: newRiskRand(opt.Seed), agents: agents, hostLog: hostLog, shapes: shapes}, nil
}

// add queues one record for path.
func (g *gen) add(path string, kind int, at time.Time, data []byte) {
	f := g.files[path]
	if f == nil {
		f = &file{kind: kind}
		g.files[path] = f
	}
	g.seq++
	f.recs = append(f.recs, rec{at: at, seq: g.seq, data: data})
}

// flush writes every file, records in time order (newest first in the
// REST API's pages, as it lists them), paths sorted.
func (g *gen) flush(dir string, gz bool) error {
	for _, p := range slices.Sorted(maps.Keys(g.files)) {
		f := g.files[p]
		f.recs = slices.DeleteFunc(f.recs, func(r rec) bool { return !g.exported(p, r.at) })
		if len(f.recs) == 0 {
			continue
		}
		slices.SortFunc(f.recs, func(a, b rec) int {
			return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.seq, b.seq))
		})
		if f.kind == kindValue {
			slices.Reverse(f.recs)
		}
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		data := render(f)
		if gz {
			// The gzip header carries no name or time: the same seed still
			// writes the same bytes.
			var z bytes.Buffer
			w := gzip.NewWriter(&z)
			w.Write(data)
			if err := w.Close(); err != nil {
				return err
			}
			data, full = z.Bytes(), full+".gz"
		}
		if err := os.WriteFile(full, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// render joins a file's records in its layout.
func render(f *file) []byte {
	var b bytes.Buffer
	switch f.kind {
	case kindArray, kindValue:
		open, end := "[\n", "\n]\n"
		if f.kind == kindValue {
			open, end = "{\"value\": [\n", "\n]}\n"
		}
		b.WriteString(open)
		for i, r := range f.recs {
			if i > 0 {
				b.WriteString(",\n")
			}
			b.Write(r.data)
		}
		b.WriteString(end)
	case kindRecords:
		// An Event Hub message carries a batch; a capture holds many.
		for i := 0; i < len(f.recs); i += 40 {
			b.WriteString(`{"records":[`)
			for j, r := range f.recs[i:min(i+40, len(f.recs))] {
				if j > 0 {
					b.WriteByte(',')
				}
				b.Write(r.data)
			}
			b.WriteString("]}\n")
		}
	default:
		for _, r := range f.recs {
			b.Write(r.data)
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

// hourPath is the y=/m=/d=/h=/m=00 folder diagnostic settings write to.
func hourPath(at time.Time) string {
	return fmt.Sprintf("y=%04d/m=%02d/d=%02d/h=%02d/m=00", at.Year(), at.Month(), at.Day(), at.Hour())
}

// marshal encodes v; every value here is built by this package, so an
// error is a programming mistake.
func marshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// stamp formats a time the way Activity Log records do (7 fraction digits).
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.0000000Z") }

// jitter returns a random offset below d.
func (g *gen) jitter(d time.Duration) time.Duration { return jitter(g.r, d) }

// jitter returns a random offset below d, drawn from r.
func jitter(r *rand.Rand, d time.Duration) time.Duration {
	return time.Duration(r.Int64N(max(1, int64(d/time.Millisecond)))) * time.Millisecond
}
