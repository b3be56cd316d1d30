package atomicfile

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Write makes the file, replaces it whole, gives it its permissions and
// leaves nothing else in the folder; a folder that is not there is an
// error, and nothing is left behind.
func TestWrite(t *testing.T) {
	dir := t.TempDir()
	for _, body := range []string{"first\n", "second, longer than the first\n", ""} {
		if err := Write(dir, "f.json", []byte(body), 0o640); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(dir, "f.json"))
		if err != nil || string(got) != body {
			t.Fatalf("read %q, %v; want %q", got, err, body)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 {
		t.Errorf("the folder holds %v (%v), want f.json alone", entries, err)
	}
	if st, err := os.Stat(filepath.Join(dir, "f.json")); runtime.GOOS != "windows" && (err != nil || st.Mode().Perm() != 0o640) {
		t.Errorf("mode %v, %v; want 0640", st.Mode().Perm(), err)
	}
	if err := Write(filepath.Join(dir, "absent"), "f.json", []byte("x"), 0o640); err == nil {
		t.Error("a folder that is not there: no error")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("after a failed write the folder holds %v", entries)
	}
}
