package serve

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/simulate"
)

// KeepOwn removes the files of serve's own folders read whole and last
// written before its span, and the folders they leave empty; it keeps
// the files a window still reads again, recent ones, hidden ones and
// every file of the folders others write. The cycle after finds nothing
// lost and nothing new.
func TestPruneRemovesOwnFilesRead(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates a tenant")
	}
	tn := newTenant(t, simulate.Options{Seed: 5, Days: 5, Scenarios: []string{"gpu-scaleset-chain"}})
	watched := t.TempDir()
	own := filepath.Join(watched, "eventhub")
	old := time.Now().Add(-48 * time.Hour)
	var files []string
	err := filepath.WalkDir(filepath.Join(tn.dir, "insights-activity-logs"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		f := filepath.Join(own, "insights-activity-logs", fmt.Sprint(len(files)%3), fmt.Sprintf("%020d.json", len(files)))
		files = append(files, f)
		return write(f, b, old)
	})
	if err != nil {
		t.Fatal(err)
	}
	// A key vault's write, which no window carries, alone in a folder:
	// the folder goes with it.
	vault := filepath.Join(own, "insights-activity-logs", "7", "vault.json")
	if err := write(vault, lineOf(t, tn, `"operationName":"MICROSOFT.KEYVAULT/VAULTS/WRITE"`), old); err != nil {
		t.Fatal(err)
	}
	files = append(files, vault)
	recent := filepath.Join(own, "insights-activity-logs", "9", "recent.json")
	marker := filepath.Join(own, "insights-activity-logs", "0", ".whole")
	export := filepath.Join(watched, "export", "PT1H.json")
	line := someLines(t, tn, 1)[0]
	for _, f := range []struct {
		path string
		at   time.Time
	}{{recent, time.Now()}, {marker, old}, {export, old}} {
		if err := write(f.path, line, f.at); err != nil {
			t.Fatal(err)
		}
	}
	st := openStore(t)
	ctx := context.Background()
	srv, err := New(ctx, Config{Store: st, Dirs: []string{watched}, Hunt: tn.cfg, Own: []string{own}, KeepOwn: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	r := runCycle(t, srv)
	carried, err := st.Carried(ctx)
	if err != nil || len(carried) == 0 || r.Hunt == nil || len(r.Hunt.Alerts) == 0 {
		t.Fatalf("the cycle carried %d records (%v) and found %+v", len(carried), err, r.Hunt)
	}
	kept := map[string]bool{recent: true, marker: true, export: true}
	for _, c := range carried {
		kept[c.Path] = true
	}
	removed := 0
	for _, f := range append(files, recent, marker, export) {
		_, err := os.Stat(f)
		if gone := err != nil; gone == kept[f] {
			t.Errorf("%s: gone %v, to be kept %v", f, gone, kept[f])
		}
		if err != nil {
			removed++
		}
	}
	if removed == 0 || r.Pruned.Files != removed {
		t.Errorf("removed %d files, the cycle says %+v", removed, r.Pruned)
	}
	if _, err := os.Stat(own); err != nil {
		t.Errorf("the own folder itself was removed: %v", err)
	}
	// A folder whose files all went is gone; one that holds any stays.
	for _, f := range append(files, recent, marker) {
		d := filepath.Dir(f)
		holds := false
		for k := range kept {
			holds = holds || filepath.Dir(k) == d
		}
		if _, err := os.Stat(d); (err == nil) != holds {
			t.Errorf("%s: there %v, holds a file kept %v", d, err == nil, holds)
		}
	}
	if _, err := os.Stat(filepath.Dir(vault)); err == nil {
		t.Errorf("the vault's folder, emptied, is still there")
	}
	t.Logf("%d files, %d removed, %d records carried", len(files), removed, len(carried))
	r = runCycle(t, srv)
	if r.Lost != 0 || len(r.Fresh) != 0 || r.Pruned.Files != 0 {
		t.Errorf("the cycle after: %d lost, %d new alerts, %+v pruned", r.Lost, len(r.Fresh), r.Pruned)
	}
}

// lineOf is the first line of the tenant's Activity Log holding s.
func lineOf(t *testing.T, tn *tenant, s string) []byte {
	t.Helper()
	var line []byte
	filepath.WalkDir(filepath.Join(tn.dir, "insights-activity-logs"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || line != nil {
			return err
		}
		b, err := os.ReadFile(p)
		for _, l := range bytes.SplitAfter(b, []byte("\n")) {
			if line == nil && bytes.Contains(l, []byte(s)) {
				line = l
			}
		}
		return err
	})
	if line == nil {
		t.Fatalf("no line holds %s", s)
	}
	return line
}

// write writes b to path, its folders made, and sets its times to at.
func write(path string, b []byte, at time.Time) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	if err := os.WriteFile(path, b, 0o640); err != nil {
		return err
	}
	return os.Chtimes(path, at, at)
}
