package capture

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/atomicfile"
)

// ManifestName is the file at the top of a saved capture that lists its
// datasets; the pages live in one folder per dataset key beside it.
const ManifestName = "manifest.json"

// Limits on a saved capture: the folder is untrusted input (a user may be
// handed one), so Load refuses sizes no real tenant produces rather than
// exhausting memory.
const (
	maxManifestBytes = 64 << 20
	maxPageBytes     = 256 << 20
	maxPages         = 100_000
	maxDatasets      = 1_000_000
)

// manifest is manifest.json: the capture's header and one entry per dataset.
type manifest struct {
	Format    int             `json:"format"`
	TenantID  string          `json:"tenantId"`
	Collected time.Time       `json:"collected"`
	Datasets  []manifestEntry `json:"datasets"`
}

// manifestEntry is one dataset's line in the manifest; Pages counts the
// page-NNNN.json files in the dataset's folder.
type manifestEntry struct {
	Dataset
	Pages int `json:"pages"`
}

// manifestFormat is bumped when the layout changes incompatibly.
const manifestFormat = 1

// PageFile names the i-th page (0-based) inside a dataset's folder.
func PageFile(i int) string { return fmt.Sprintf("page-%04d.json", i+1) }

// Save writes the capture under dir (created if missing): dir/<key>/page-0001.json ...
// holding each page byte for byte, then dir/manifest.json. The manifest is
// written last, through a temporary file and a rename, so an interrupted
// save never leaves a folder that loads as complete.
func (c *Capture) Save(dir string) error {
	m := manifest{Format: manifestFormat, TenantID: c.TenantID, Collected: c.Collected.UTC()}
	seen := map[string]string{}
	for _, key := range c.Keys() {
		ds := c.Datasets[key]
		if ds == nil {
			return fmt.Errorf("capture: no dataset stored under %q", key)
		}
		if ds.Key != key {
			return fmt.Errorf("capture: dataset stored under %q has key %q", key, ds.Key)
		}
		if err := ValidKey(key); err != nil {
			return fmt.Errorf("capture: %w", err)
		}
		// Folders of keys differing only by case collide on macOS and Windows.
		if other, dup := seen[strings.ToLower(key)]; dup {
			return fmt.Errorf("capture: keys %q and %q differ only by case", other, key)
		}
		seen[strings.ToLower(key)] = key
		folder := filepath.Join(dir, filepath.FromSlash(key))
		if len(ds.Pages) > 0 {
			if err := os.MkdirAll(folder, 0o755); err != nil {
				return fmt.Errorf("capture: %w", err)
			}
		}
		for i, page := range ds.Pages {
			if err := os.WriteFile(filepath.Join(folder, PageFile(i)), page, 0o644); err != nil {
				return fmt.Errorf("capture: %w", err)
			}
		}
		entry := manifestEntry{Dataset: *ds, Pages: len(ds.Pages)}
		m.Datasets = append(m.Datasets, entry)
	}
	body, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("capture: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("capture: %w", err)
	}
	if err := atomicfile.Write(dir, ManifestName, append(body, '\n'), 0o600); err != nil {
		return fmt.Errorf("capture: writing %s: %w", ManifestName, err)
	}
	return nil
}

// Load reads a capture saved by Save. Errors name the file and the reason;
// a manifest whose keys would reach outside dir is refused.
func Load(dir string) (*Capture, error) {
	path := filepath.Join(dir, ManifestName)
	raw, err := readCapped(path, maxManifestBytes)
	if err != nil {
		return nil, err
	}
	c, counts, err := parseManifest(raw)
	if err != nil {
		return nil, fmt.Errorf("capture: %s: %w", path, err)
	}
	for _, key := range c.Keys() {
		ds := c.Datasets[key]
		folder := filepath.Join(dir, filepath.FromSlash(key))
		for i := range counts[key] {
			page, err := readCapped(filepath.Join(folder, PageFile(i)), maxPageBytes)
			if err != nil {
				return nil, err
			}
			ds.Pages = append(ds.Pages, page)
		}
	}
	return c, nil
}

// parseManifest decodes and validates manifest.json, returning the capture
// without pages and the page count of each dataset.
func parseManifest(raw []byte) (*Capture, map[string]int, error) {
	var m manifest
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, nil, fmt.Errorf("not a capture manifest: %w", err)
	}
	if dec.More() {
		return nil, nil, errors.New("not a capture manifest: data after the JSON object")
	}
	if m.Format != manifestFormat {
		return nil, nil, fmt.Errorf("manifest format %d, this mamori reads format %d", m.Format, manifestFormat)
	}
	if len(m.Datasets) > maxDatasets {
		return nil, nil, fmt.Errorf("%d datasets, more than the %d allowed", len(m.Datasets), maxDatasets)
	}
	c := &Capture{TenantID: m.TenantID, Collected: m.Collected, Datasets: make(map[string]*Dataset, len(m.Datasets))}
	counts := make(map[string]int, len(m.Datasets))
	folded := map[string]bool{}
	for i, e := range m.Datasets {
		if err := ValidKey(e.Key); err != nil {
			return nil, nil, fmt.Errorf("dataset %d: %w", i+1, err)
		}
		if folded[strings.ToLower(e.Key)] {
			return nil, nil, fmt.Errorf("dataset %d: key %q appears twice (keys are compared without case)", i+1, e.Key)
		}
		folded[strings.ToLower(e.Key)] = true
		if !knownStatus(e.Status) {
			return nil, nil, fmt.Errorf("dataset %d (%s): unknown status %q", i+1, e.Key, e.Status)
		}
		if e.Pages < 0 || e.Pages > maxPages {
			return nil, nil, fmt.Errorf("dataset %d (%s): page count %d outside 0..%d", i+1, e.Key, e.Pages, maxPages)
		}
		ds := e.Dataset
		c.Datasets[e.Key] = &ds
		counts[e.Key] = e.Pages
	}
	return c, counts, nil
}

// knownStatus reports whether s is one of the Status constants.
func knownStatus(s Status) bool {
	switch s {
	case OK, Denied, Absent, Failed, Partial:
		return true
	}
	return false
}

// ValidKey checks that an expanded key can name a folder under a saved
// capture without escaping it or colliding with the files Save writes:
// slash-separated segments of letters, digits, '.', '_' and '-', none of
// them "." or "..", none ending in ".json" (the manifest and page files).
func ValidKey(key string) error {
	if key == "" {
		return errors.New("empty dataset key")
	}
	for seg := range strings.SplitSeq(key, "/") {
		switch {
		case seg == "":
			return fmt.Errorf("key %q: empty path segment", key)
		case seg == "." || seg == "..":
			return fmt.Errorf("key %q: segment %q not allowed", key, seg)
		case strings.HasSuffix(strings.ToLower(seg), ".json"):
			return fmt.Errorf("key %q: segment %q ends in .json, which would collide with page files", key, seg)
		case strings.Contains(seg, "{"):
			return fmt.Errorf("key %q: unexpanded placeholder", key)
		}
		for _, r := range seg {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
				return fmt.Errorf("key %q: character %q not allowed", key, r)
			}
		}
	}
	return nil
}

// readCapped reads a file of at most limit bytes.
func readCapped(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("capture: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("capture: %s: %w", path, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("capture: %s: larger than %d bytes", path, limit)
	}
	return b, nil
}

// Keys returns the capture's dataset keys in sorted order, so saved
// manifests and anything iterating a capture are deterministic.
func (c *Capture) Keys() []string {
	keys := make([]string, 0, len(c.Datasets))
	for k := range c.Datasets {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
