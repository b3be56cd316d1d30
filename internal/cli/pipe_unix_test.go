//go:build unix

package cli

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// serve watches what stays: a named pipe given as its folder would block
// its first look for ever, deaf to a stop.
func TestServeRefusesAPipe(t *testing.T) {
	t.Parallel()
	fifo := filepath.Join(t.TempDir(), "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no named pipe here:", err)
	}
	code, _, stderr := run(t, "", "serve", "--once", "--store", filepath.Join(t.TempDir(), "s.db"), fifo)
	if code != ExitUsage || !strings.Contains(stderr, "not a folder or a file") {
		t.Errorf("serve of a pipe: exit %d, %q", code, stderr)
	}
}
