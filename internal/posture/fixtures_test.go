package posture

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/mamori-sec/mamori/internal/posture/capture"
)

// The fixtures under testdata/ are synthetic tenants written in the exact
// response shapes of the Microsoft Graph v1.0 and ARM REST references, laid
// out like a saved capture: testdata/<tenant>/<dataset key>/page-NNNN.json.
// tenant-good passes every check; tenant-bad holds only the datasets that
// differ, laid over tenant-good, and fails every check.

// Subscription IDs used by the fixtures.
const (
	subProd    = "aaaaaaaa-1111-4111-8111-111111111111"
	subLogging = "bbbbbbbb-2222-4222-8222-222222222222"
)

// loadTenant reads fixture folders in order, later ones replacing earlier
// datasets with the same key, into a capture whose datasets are all OK.
func loadTenant(t testing.TB, names ...string) *capture.Capture {
	t.Helper()
	c := &capture.Capture{TenantID: "cccccccc-3333-4333-8333-333333333333", Datasets: map[string]*capture.Dataset{}}
	for _, name := range names {
		root := filepath.Join("testdata", name)
		pages := map[string][]string{}
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasPrefix(d.Name(), "page-") {
				return err
			}
			key := filepath.ToSlash(filepath.Dir(strings.TrimPrefix(path, root+string(filepath.Separator))))
			pages[key] = append(pages[key], path)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for key, files := range pages {
			sort.Strings(files)
			ds := &capture.Dataset{Key: key, Status: capture.OK}
			for _, f := range files {
				b, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				ds.Pages = append(ds.Pages, b)
			}
			c.Datasets[key] = ds
		}
	}
	return c
}

// deny marks datasets as refused with a permission, as the collector does
// on a 403, dropping their pages.
func deny(c *capture.Capture, perm string, keys ...string) {
	for _, k := range keys {
		c.Datasets[k] = &capture.Dataset{Key: k, Status: capture.Denied, Permission: perm, HTTPStatus: 403, Error: "AuthorizationFailed"}
	}
}

// testConfig is the default config with the fixtures' break-glass account.
func testConfig() Config {
	cfg := DefaultConfig()
	cfg.BreakGlass = []string{"breakglass@contoso.onmicrosoft.com"}
	return cfg
}

// build builds a snapshot and fails the test on any parse error: the
// fixtures are well-formed, so an error is a parser bug.
func build(t testing.TB, c *capture.Capture) *Snapshot {
	t.Helper()
	s, errs := Build(c)
	for _, err := range errs {
		t.Errorf("Build: %v", err)
	}
	return s
}

// findingFor returns the finding of one check at one scope.
func findingFor(t testing.TB, fs []Finding, check, scope string) Finding {
	t.Helper()
	for _, f := range fs {
		if f.Check == check && f.Scope == scope {
			return f
		}
	}
	t.Fatalf("no finding for %s at %s", check, scope)
	return Finding{}
}
