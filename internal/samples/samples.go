// Package samples locates the shared corpus of real Azure log records
// (../shared/data beside the repository) for conformance tests. A fresh
// clone has no such folder: tests then skip, they do not fail.
package samples

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the shared data folder (the one holding samples/, intel/,
// sigmahq/), or skips the test when it is not there.
func Dir(t testing.TB) string {
	t.Helper()
	d, err := os.Getwd()
	if err != nil {
		t.Skip("shared data: ", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			s := filepath.Join(d, "..", "shared", "data")
			if _, err := os.Stat(filepath.Join(s, "samples")); err != nil {
				t.Skip("shared sample data not present beside the repository")
			}
			return s
		}
		up := filepath.Dir(d)
		if up == d {
			t.Skip("shared data: repository root not found")
		}
		d = up
	}
}

// File returns the path of one file under the shared data folder, or skips.
func File(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(Dir(t), filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		t.Skip("shared sample missing: ", rel)
	}
	return p
}
