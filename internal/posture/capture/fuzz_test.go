package capture

import (
	"encoding/json"
	"path/filepath"
	"testing"
)

// FuzzParseManifest: a manifest from an untrusted folder never panics, and
// one that is accepted only names folders inside the capture.
func FuzzParseManifest(f *testing.F) {
	good, _ := json.Marshal(manifest{Format: 1, TenantID: "t", Datasets: []manifestEntry{
		{Dataset: Dataset{Key: "graph/users", Status: OK}, Pages: 2},
		{Dataset: Dataset{Key: "arm/subscriptions/s/locations/westeurope/usages", Status: Denied, Permission: "p"}},
	}})
	f.Add(good)
	f.Add([]byte(`{"format":1,"datasets":[{"key":"../x","status":"ok","pages":1}]}`))
	f.Add([]byte(`{"format":1,"datasets":[{"key":"a/./b","status":"ok"}]}`))
	f.Add([]byte(`{"format":1,"datasets":null}`))
	f.Add([]byte(`{"format":1,"collected":"not a time"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		c, counts, err := parseManifest(raw)
		if err != nil {
			return
		}
		root := filepath.FromSlash("/capture")
		for key, ds := range c.Datasets {
			if ds.Key != key {
				t.Fatalf("dataset under %q has key %q", key, ds.Key)
			}
			rel, err := filepath.Rel(root, filepath.Join(root, filepath.FromSlash(key)))
			// "..0" is a folder's name like any other; ".." or "../x" leave.
			if err != nil || rel == "." || !filepath.IsLocal(rel) {
				t.Fatalf("accepted key %q escapes the capture folder (%q)", key, rel)
			}
			if n := counts[key]; n < 0 || n > maxPages {
				t.Fatalf("accepted page count %d", n)
			}
		}
	})
}
