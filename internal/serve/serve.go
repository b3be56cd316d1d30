// Package serve runs mamori as a service over folders that logs arrive
// in (an export to a storage account synced down, a collector's output):
// each cycle hunts what is new since the last, with first_seen's baseline
// taken from the store, and commits the alerts, the baseline and how far
// each file was read in one transaction. Checkpoints are committed only
// with the alerts they produced, so a crash loses nothing and replays at
// most one cycle, which adds nothing (alert ids are deterministic).
package serve

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/enrich"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/hunt"
	"github.com/mamori-sec/mamori/internal/source"
	"github.com/mamori-sec/mamori/internal/store"
)

// Config is what a server needs.
type Config struct {
	Store *store.Store
	Dirs  []string // folders (or files) watched
	// Hunt configures each cycle's hunt; Seen and Since are the store's.
	Hunt hunt.Config
	// Settle holds a file that is not JSON lines until it has not changed
	// between two cycles (a gzip still being written is not read half).
	Settle bool
	// Ignore names files never read, though in a folder watched: what
	// serve writes there itself (the alerts' --output). The store's own
	// files are always passed over.
	Ignore []string
	// Quiet is how long a log the rules read may go without arriving
	// before a cycle says so (0: never).
	Quiet time.Duration
	// KeepAlerts forgets the stored alerts no cycle stored or added to
	// for this long (store.Cycle.KeepAlerts); 0 keeps them all.
	KeepAlerts time.Duration
	// Own are folders serve writes itself (--eventhub's, --fetch's):
	// KeepOwn, when more than 0, removes their files read whole longer
	// ago than it (prune.go).
	Own     []string
	KeepOwn time.Duration
	// Clock is the wall clock (nil: time.Now); tests move it on.
	Clock func() time.Time
}

// Server runs cycles. It is not safe for concurrent use.
type Server struct {
	cfg      Config
	baseline *store.Baseline
	last     map[string]stamp // non-lines files waiting to settle
	// growing are the files read on as they were last looked at (their
	// last events wait for them to stop changing: settled). Apart from
	// last: what waits of them is their newest part, so they hold no
	// carried record (settling), and a busy host's log never stops.
	growing map[string]stamp
	// carriedKinds are the kinds of log the carried records' rules read
	// (the rules do not change while serving).
	carriedKinds map[event.Kind]bool
	ignore       map[string]bool // absolute paths
	cwd          string          // for absPath: asked once, not per file and cycle
	quiet        []Quiet         // the quiet logs at the last cycle
	checked      bool            // a cycle has judged the logs
	unsized      int64           // the compute creates not judged at the last cycle
	startsKnown  bool            // the Enricher was told the store's start_writes
	linked       map[string]bool // links not followed, already said
	bufs         [][]byte        // the scan's reading buffers, one a planner, kept for every cycle
	mu           sync.Mutex      // guards last and growing while the scan plans files at once
	// look is the wall clock a file's stamp is taken by, compared with
	// the file system's times (racy): time.Now, whatever Config.Clock
	// says; tests move it.
	look func() time.Time
}

// New returns a server over the store and folders.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Store == nil || len(cfg.Dirs) == 0 {
		return nil, errors.New("serve: a store and at least one folder are required")
	}
	if cfg.Hunt.Rules == nil || cfg.Hunt.Enricher == nil {
		return nil, errors.New("serve: the hunt needs rules and an enricher")
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	s := &Server{cfg: cfg, baseline: cfg.Store.Baseline(ctx), last: map[string]stamp{}, growing: map[string]stamp{}, ignore: map[string]bool{}, linked: map[string]bool{},
		carriedKinds: carriedKinds(cfg.Hunt.Rules), look: time.Now}
	s.cwd, _ = os.Getwd()
	// A store kept in a folder it watches would be read as a log that
	// changes every cycle.
	db := cfg.Store.Path()
	for _, p := range append([]string{db, db + "-wal", db + "-shm", db + "-journal"}, cfg.Ignore...) {
		s.ignore[s.absPath(p)] = true
	}
	return s, nil
}

func (s *Server) absPath(p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(s.cwd, p)
}

// Result is what one cycle did.
type Result struct {
	Read []source.Input // what was read (whole files or appended lines)
	// Files says what was read of each new input (not the carried ones).
	Files []*source.FileStats
	Fresh []alert.Alert // alerts new to the store
	// Revised are alerts of earlier cycles, written then, that the cycle
	// changed: a create they reported, Azure refused (store.Committed).
	Revised []alert.Alert
	Hunt    *hunt.Result // nil when there was nothing new
	Skip    []error      // files that could not be looked at; tried again next cycle
	// Carried is how many records of earlier cycles were read again for
	// the windows they are in; Lost, how many could not be (their file
	// changed or went).
	Carried, Lost int
	// Health is what the store's logs say after the cycle; First is set
	// on a server's first cycle. WentQuiet are the logs that went quiet
	// since the cycle before, Back those that arrived again. MoreUnsized
	// says the store counts more compute creates it could not judge
	// (Health.Unsized) than at the cycle before, or, on the first cycle,
	// that it counts any.
	Health Health
	// Pruned is what KeepOwn removed of the Own folders.
	Pruned      Pruned
	First       bool
	WentQuiet   []Quiet
	Back        []Quiet
	MoreUnsized bool
}

// Cycle reads what is new, hunts it and commits, then judges the logs
// the store has seen (a cycle with nothing new is when a log goes quiet).
// An interrupted hunt commits nothing: the next cycle reads the same
// input again.
func (s *Server) Cycle(ctx context.Context) (*Result, error) {
	res := &Result{}
	work, err := s.scan(ctx, res)
	if err != nil {
		return nil, err
	}
	if len(work) > 0 {
		if err := s.huntNew(ctx, work, res); err != nil {
			return nil, err
		}
	}
	// Past the commit, a stop must not lose the cycle: its alerts are no
	// longer new to the store, and would never be written out.
	if res.Health, err = StoreHealth(context.WithoutCancel(ctx), s.cfg.Store, s.cfg.Hunt.Rules, s.cfg.Clock(), s.cfg.Quiet); err != nil {
		return nil, err
	}
	if res.Pruned, err = s.prune(context.WithoutCancel(ctx)); err != nil {
		return nil, err
	}
	res.First = !s.checked
	res.WentQuiet, res.Back = changes(s.quiet, res.Health.Quiet)
	res.MoreUnsized = res.Health.Unsized.Unsized > s.unsized
	s.quiet, s.checked, s.unsized = res.Health.Quiet, true, res.Health.Unsized.Unsized
	return res, nil
}

// huntNew hunts the cycle's work and commits what it found.
func (s *Server) huntNew(ctx context.Context, work []*pending, res *Result) error {
	st := s.cfg.Store
	since, err := st.Since(ctx)
	if err != nil {
		return err
	}
	cfg := s.cfg.Hunt
	cfg.Seen, cfg.Since = s.baseline, since
	// What earlier cycles and runs learned of where Batch accounts and
	// clusters are and of autoscale targets: a pool in this cycle's
	// records may belong to an account written long before, a setting
	// take its target's size and a write of the hour before. What the
	// Enricher holds is what the store kept, pruned by age, not what
	// every cycle of the process learned.
	seen := s.cfg.Clock()
	known, err := st.Learned(ctx, seen, enrich.MaxLearned)
	if err != nil {
		return err
	}
	cfg.Enricher.ForgetLearned()
	cfg.Enricher.Know(enrichLearned(known))
	// And what machines that may be started were written as: a start
	// read after a restart is sized by a write read before it. The
	// process keeps them from its first cycle on (the table is far
	// larger than the others), and the store what each cycle read.
	// So are the tenant's own addresses its writes named: a restart must
	// not take its machines' addresses for strangers'.
	if !s.startsKnown {
		starts, capped, err := st.StartWrites(ctx, seen, enrich.MaxLearned)
		if err != nil {
			return err
		}
		owned, full, err := st.Owned(ctx, seen, enrich.MaxOwned)
		if err != nil {
			return err
		}
		cfg.Enricher.Know(enrich.Learned{Starts: starts, Owned: owned, Capped: capped || full})
		s.startsKnown = true
	}
	// And the names of service principals: their sign-ins or Entra's
	// audit records may have come cycles before their writes.
	if cfg.Names, err = st.PrincipalNames(ctx); err != nil {
		return err
	}
	// And whose each subscription and folder is: a cycle that reads only
	// flow logs or a host's log (which name no tenant) in a store of
	// several tenants places them by the records earlier cycles read.
	if cfg.Sightings, err = st.Sightings(ctx); err != nil {
		return err
	}
	// The records' keys, made with the store's secret, so that a record
	// read by an earlier cycle, or process, is known again: the store's
	// logs count each record once, as a hunt's LOGS READ does.
	levels, err := st.KeyLevels(ctx)
	if err != nil {
		return err
	}
	cfg.KeySecret, cfg.KeyLevels = st.RecordKeySecret(), keyLevels(levels)
	cfg.ForStore = true
	inputs := make([]source.Input, len(work))
	car := &carrier{plain: map[string]bool{}}
	for i, p := range work {
		inputs[i] = p.in
		car.plain[p.in.Name] = p.plain
	}
	var reach time.Duration
	var carried, lost []store.Carried
	maxRecord := max(cfg.Limits.MaxRecord, 1<<20)
	if corr := cfg.Rules.Correlations(); corr != nil && corr.Reach() > 0 {
		reach, cfg.Carry = corr.Reach(), car.add
		if carried, err = st.Carried(ctx); err != nil {
			return err
		}
		var again []source.Input
		again, lost = carriedInputs(carried, maxRecord)
		for _, in := range again {
			car.plain[in.Name] = true
		}
		inputs = append(inputs, again...)
		res.Carried, res.Lost = len(again), len(lost)
		cfg.Reread = reread(work, again)
	}
	hr, err := hunt.Run(ctx, inputs, cfg)
	if err != nil {
		s.baseline.Drop() // nothing is committed: the keys recorded are not the store's
		return err
	}
	var cpsDone []store.Checkpoint
	res.Files = hr.Files[:len(work)]
	for i, fs := range res.Files {
		// A file that could not be opened is tried again; one whose
		// records could not all be read has been reported, and is done.
		if fs.Container != "unreadable" {
			cp := work[i].cp
			if cp.Lines {
				cp.Line += int(fs.Lines) // the lines that ended in the part read
			}
			cpsDone = append(cpsDone, cp)
			res.Read = append(res.Read, work[i].in)
		} else {
			res.Skip = append(res.Skip, fmt.Errorf("%s: %s", fs.File, firstOr(fs.Errors, "unreadable")))
		}
	}
	now := s.cfg.Clock()
	var drop map[string]time.Time
	if reach > 0 {
		stored, err := st.TenantLogs(ctx)
		if err != nil {
			return err
		}
		logs := carriedLogs(s.carriedKinds, stored, cycleTenantLogs(hr, now))
		drop = drops(append(carried, car.got...), reach, logs, s.settling())
	}
	done, err := st.CommitCycle(ctx, store.Cycle{Alerts: hr.Alerts, Since: hr.TenantStart, Checkpoints: cpsDone, Baseline: s.baseline, Now: now,
		Carry: findable(car.got, drop, maxRecord), Lost: lost, Drop: drop, Stale: now.Add(-reach - lateness),
		Logs: cycleLogs(hr, res.Files, now), TenantLogs: cycleTenantLogs(hr, now), Learned: storeLearned(cfg.Enricher.Learned()),
		Names: unstored(hr.Names, cfg.Names), Sightings: hr.Sightings, Compute: cycleCompute(hr), Created: hr.Created,
		Keys: cycleKeys(hr), KeepAlerts: s.cfg.KeepAlerts})
	if err != nil {
		return err
	}
	res.Fresh, res.Revised, res.Hunt = done.Fresh, done.Revised, hr
	return nil
}

// enrichLearned and storeLearned hand what hunts learn between the
// Enricher and the store, which keeps it without knowing enrich.
func enrichLearned(l store.Learned) enrich.Learned { return enrich.Learned(l) }

func storeLearned(l enrich.Learned) *store.Learned {
	out := store.Learned(l)
	return &out
}

// unstored are the entries learned (names) that the store does not hold
// as they are (learned is left as it is: the hunt's result keeps all it
// learned).
func unstored(learned, stored map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range learned {
		if s, ok := stored[k]; !ok || s != v {
			out[k] = v
		}
	}
	return out
}

// scan walks the folders and plans what of each file this cycle reads;
// files it cannot look at go to res.Skip, to be tried again.
func (s *Server) scan(ctx context.Context, res *Result) ([]*pending, error) {
	cps, err := s.cfg.Store.Checkpoints(ctx)
	if err != nil {
		return nil, err
	}
	found, err := source.Expand(s.cfg.Dirs, nil)
	// A link the walk did not follow is said once, not every cycle, and
	// does not stop the forgetting of files gone: the walk listed the
	// rest.
	links, err := source.SplitLinkErrors(err)
	for _, l := range links {
		if !s.linked[l.Path] {
			s.linked[l.Path] = true
			res.Skip = append(res.Skip, l)
		}
	}
	if err != nil {
		res.Skip = append(res.Skip, err)
	} else if err := s.forgetGone(ctx, found, cps); err != nil {
		return nil, err
	}
	var work []*pending
	var touched []store.Checkpoint
	for _, pl := range s.planAll(found, cps) {
		switch {
		case pl.err != nil:
			res.Skip = append(res.Skip, pl.err)
		case pl.p != nil && pl.p.same:
			touched = append(touched, pl.p.cp)
		case pl.p != nil:
			work = append(work, pl.p)
		}
	}
	// Files touched and not changed were read as they are: their new
	// times are noted now, whatever the hunt of the rest does.
	if len(touched) > 0 {
		if _, err := s.cfg.Store.Commit(ctx, store.Cycle{Checkpoints: touched, Now: s.cfg.Clock()}); err != nil {
			return nil, err
		}
	}
	return work, nil
}

// planned is one file's plan, or why it could not be made.
type planned struct {
	p   *pending
	err error
}

// planAll plans every file found, several at once (a first cycle over a
// tenant's month of hourly blobs looks into thousands), in found's order.
func (s *Server) planAll(found []source.Input, cps map[string]store.Checkpoint) []planned {
	out := make([]planned, len(found))
	// The checkpoints of files read on, by folder: a log rotated by
	// renaming is known by its old name's.
	siblings := map[string][]store.Checkpoint{}
	for _, cp := range cps {
		if cp.Lines {
			dir := filepath.Dir(cp.Path)
			siblings[dir] = append(siblings[dir], cp)
		}
	}
	n := min(runtime.GOMAXPROCS(0), len(found))
	for len(s.bufs) < n {
		s.bufs = append(s.bufs, make([]byte, 1<<20))
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range n {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(found) {
					return
				}
				in := found[i]
				if s.ignore[s.absPath(in.Name)] {
					continue
				}
				cp, known := cps[in.Name]
				out[i].p, out[i].err = s.plan(in.Name, cp, known, s.cfg.Settle, s.bufs[w], siblings[filepath.Dir(in.Name)])
			}
		})
	}
	wg.Wait()
	return out
}

// forgetGone removes the checkpoints of files no longer there, and the
// owner sightings of folders that no longer hold a file, so that the
// tables are the size of the folders, not of every hourly blob (and its
// folder) ever seen. Only after a walk that met no error: a folder
// unmounted for a moment must not cost its checkpoints. A folder's
// sightings count in the folders above it too, which keep them while
// they hold a file.
func (s *Server) forgetGone(ctx context.Context, found []source.Input, cps map[string]store.Checkpoint) error {
	here := make(map[string]bool, len(found))
	for _, in := range found {
		here[in.Name] = true
	}
	var gone []string
	for path := range cps {
		if !here[path] && s.watches(path) {
			gone = append(gone, path)
		}
	}
	for path := range s.last {
		if !here[path] {
			delete(s.last, path)
		}
	}
	for path := range s.growing {
		if !here[path] {
			delete(s.growing, path)
		}
	}
	if len(gone) == 0 {
		return nil
	}
	if err := s.cfg.Store.ForgetFiles(ctx, gone); err != nil {
		return err
	}
	held := map[string]bool{} // folders holding a file found, and those above them
	for _, in := range found {
		for d := filepath.Dir(in.Name); !held[d]; d = filepath.Dir(d) {
			held[d] = true
		}
	}
	empty := map[string]bool{}
	for _, path := range gone {
		for d := filepath.Dir(path); !held[d] && !empty[d] && s.watches(d); d = filepath.Dir(d) {
			empty[d] = true
		}
	}
	return s.cfg.Store.ForgetFolders(ctx, slices.Collect(maps.Keys(empty)))
}

// watches reports whether path is one of the folders' files (a store may
// also hold the checkpoints of another serve's folders).
func (s *Server) watches(path string) bool {
	for _, d := range s.cfg.Dirs {
		d = filepath.Clean(d)
		if path == d || strings.HasPrefix(path, d+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

func firstOr(xs []string, def string) string {
	if len(xs) > 0 {
		return xs[0]
	}
	return def
}
