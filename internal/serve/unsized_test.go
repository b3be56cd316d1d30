package serve

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mamori-sec/mamori/internal/coverage"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/hunt"
	"github.com/mamori-sec/mamori/internal/simulate"
	"github.com/mamori-sec/mamori/internal/source"
	"github.com/mamori-sec/mamori/internal/store"
)

// computeOps returns the simulated tenant's compute creates as their
// diagnostic records (JSON lines, in the order written), by correlation
// id: those whose Start record carries the request body and whose later
// records carry none, as Azure writes a VM's.
func (tn *tenant) computeOps(t *testing.T) [][][]byte {
	t.Helper()
	byOp := map[string][][]byte{}
	var order []string
	err := filepath.WalkDir(filepath.Join(tn.dir, "insights-activity-logs"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<22)
		for sc.Scan() {
			var r struct {
				Op   string         `json:"operationName"`
				Corr string         `json:"correlationId"`
				P    map[string]any `json:"properties"`
			}
			if json.Unmarshal(sc.Bytes(), &r) != nil || !event.CreatesCompute(strings.ToLower(r.Op)) || r.Corr == "" {
				continue
			}
			if byOp[r.Corr] == nil {
				order = append(order, r.Corr)
			}
			byOp[r.Corr] = append(byOp[r.Corr], append([]byte(nil), sc.Bytes()...))
		}
		return sc.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	var out [][][]byte
	for _, c := range order {
		recs := byOp[c]
		if len(recs) == 3 && bytes.Contains(recs[0], []byte(`"requestbody"`)) && !bytes.Contains(recs[1], []byte(`"requestbody"`)) &&
			!bytes.Contains(recs[2], []byte(`"responseBody"`)) {
			out = append(out, recs)
		}
	}
	return out
}

// withoutBodies is a diagnostic record with its request and response
// bodies dropped, as an export that keeps none writes it.
func withoutBodies(t *testing.T, rec []byte) []byte {
	t.Helper()
	var r map[string]any
	if err := json.Unmarshal(rec, &r); err != nil {
		t.Fatal(err)
	}
	p := r["properties"].(map[string]any)
	delete(p, "requestbody")
	delete(p, "responseBody")
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func appendLines(t *testing.T, path string, lines ...[]byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range lines {
		if _, err := f.Write(append(l, '\n')); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// serve says what a hunt says under NOT JUDGED, over every cycle: an
// operation whose Start, with its size, was read in one cycle and its
// Accept and Success, without, in the next (an hour's blob read as it
// grows) is one create the rules judged, not a second one they could
// not; records read again for open windows count once; the counts
// survive a restart, whose first cycle says them; and they are what one
// hunt over the same files counts.
func TestNotJudgedAcrossCycles(t *testing.T) {
	tn := newTenant(t, simulate.Options{Seed: 7, Days: 3, Scenarios: []string{"gpu-scaleset-chain"}})
	ops := tn.computeOps(t)
	if len(ops) < 3 {
		t.Fatalf("%d compute creates with a body in their Start alone: the test proves nothing", len(ops))
	}
	ctx := context.Background()
	dst := t.TempDir()
	db := filepath.Join(t.TempDir(), "mamori.db")
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(ctx, Config{Store: st, Dirs: []string{dst}, Hunt: tn.cfg})
	if err != nil {
		t.Fatal(err)
	}
	blob := filepath.Join(dst, "PT1H.json")
	// The first operation's Start; the second operation without bodies.
	appendLines(t, blob, ops[0][0], withoutBodies(t, ops[1][0]), withoutBodies(t, ops[1][1]), withoutBodies(t, ops[1][2]))
	res := runCycle(t, srv)
	if want := (coverage.Unsized{Creates: 2, Unsized: 1}); res.Health.Unsized != want || !res.MoreUnsized {
		t.Errorf("first cycle: %+v (more %v), want %+v", res.Health.Unsized, res.MoreUnsized, want)
	}
	// The first operation's Accept and Success, without a size.
	appendLines(t, blob, ops[0][1], ops[0][2])
	res = runCycle(t, srv)
	if want := (coverage.Unsized{Creates: 2, Unsized: 1}); res.Health.Unsized != want || res.MoreUnsized {
		t.Errorf("its Success read in the next cycle: %+v (more %v), want %+v", res.Health.Unsized, res.MoreUnsized, want)
	}
	if res.Carried == 0 {
		t.Error("nothing was read again: the test does not see records read again")
	}
	st.Close()

	// A restart: the counts are the store's, and its first cycle says them.
	st, err = store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if srv, err = New(ctx, Config{Store: st, Dirs: []string{dst}, Hunt: tn.cfg}); err != nil {
		t.Fatal(err)
	}
	res = runCycle(t, srv)
	if want := (coverage.Unsized{Creates: 2, Unsized: 1}); res.Health.Unsized != want || !res.MoreUnsized {
		t.Errorf("after a restart: %+v (more %v), want %+v", res.Health.Unsized, res.MoreUnsized, want)
	}
	// A third operation without bodies, in another file, with the
	// records of the first two read again.
	appendLines(t, filepath.Join(dst, "later.json"), withoutBodies(t, ops[2][0]), withoutBodies(t, ops[2][1]), withoutBodies(t, ops[2][2]))
	res = runCycle(t, srv)
	want := coverage.Unsized{Creates: 3, Unsized: 2}
	if res.Health.Unsized != want || !res.MoreUnsized {
		t.Errorf("a third operation: %+v (more %v), want %+v", res.Health.Unsized, res.MoreUnsized, want)
	}
	in, err := source.Expand([]string{dst}, nil)
	if err != nil {
		t.Fatal(err)
	}
	hr, err := hunt.Run(ctx, in, tn.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if hr.Unsized != want {
		t.Errorf("one hunt over the files says %+v, the store %+v", hr.Unsized, res.Health.Unsized)
	}
}
