package cli

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// serve --once hunts the folder into the store; run again, it finds
// nothing new and writes no alert; the alerts are those of a hunt.
func TestServeOnceKeepsWhatItFound(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "mamori.db")
	data := t.TempDir()
	code, out, errs := run(t, "", "serve", "--once", "--store", db, "--data-dir", data, example)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	served := jsonl(t, out)
	if len(served) == 0 || !strings.Contains(errs, "new") {
		t.Fatalf("first run: %d alerts; stderr %q", len(served), errs)
	}
	_, hout, _ := run(t, "", "hunt", "--format", "jsonl", "--data-dir", data, example)
	ids := func(s string) []string {
		var out []string
		for _, a := range jsonl(t, s) {
			out = append(out, a.ID)
		}
		slices.Sort(out)
		return out
	}
	if got, want := ids(out), ids(hout); !slices.Equal(got, want) {
		t.Errorf("serve --once found %v, hunt %v", got, want)
	}
	code, out, errs = run(t, "", "serve", "--once", "--store", db, "--data-dir", data, example)
	if code != ExitOK || out != "" || !strings.Contains(errs, "nothing new") {
		t.Errorf("second run: exit %d, output %q (stderr %q); nothing was new", code, out, errs)
	}
}

func TestServeUsage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"serve"}, ExitUsage, "no folder"},
		{[]string{"serve", "--every", "10ms", dir}, ExitUsage, "at least 1s"},
		{[]string{"serve", "--once", filepath.Join(dir, "missing")}, ExitUsage, "missing"},
		{[]string{"serve", "--once", "--store", dir, "--data-dir", dir, dir}, ExitError, "is a folder"},
	} {
		code, _, errs := run(t, "", c.args...)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, errs, c.code, c.want)
		}
	}
}
