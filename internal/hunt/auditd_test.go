package hunt

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAuditLogsWithoutHostNamesAreNotTakenForCopies: auditd's default
// format names no host, and its serials restart on every machine, so two
// machines of one scale set, started alike, can log an event at the same
// millisecond with the same serial. Such events are two machines' (their
// pids differ), not one event delivered twice: both count. The same file
// read twice still counts once.
func TestAuditLogsWithoutHostNamesAreNotTakenForCopies(t *testing.T) {
	t.Parallel()
	set, enr := catalogue(t)
	const event = `type=SYSCALL msg=audit(1773108082.046:4007): arch=c000003e syscall=59 success=yes exit=0 items=2 ppid=1877 pid=PID auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=3 comm="xmrig" exe="/tmp/.x/xmrig" key="exec"
type=EXECVE msg=audit(1773108082.046:4007): argc=3 a0="/tmp/.x/xmrig" a1="-o" a2="stratum+tcp://xmr-eu1.nanopool.org:14433"
type=CWD msg=audit(1773108082.046:4007): cwd="/root"
type=PATH msg=audit(1773108082.046:4007): item=0 name="/tmp/.x/xmrig" inode=392401 dev=08:01 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL
type=PROCTITLE msg=audit(1773108082.046:4007): proctitle="/tmp/.x/xmrig"
`
	d := t.TempDir()
	for i, pid := range []string{"1961", "2044"} {
		dir := filepath.Join(d, "vm"+string(rune('a'+i)))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "audit.log"), []byte(strings.ReplaceAll(event, "PID", pid)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	count := func(paths ...string) int {
		res, err := Run(t.Context(), expand(t, paths...), Config{Rules: set, Enricher: enr})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, a := range res.Alerts {
			if a.Rule == "azure.host.miner_process" {
				n += a.Count
			}
		}
		return n
	}
	if n := count(d); n != 2 {
		t.Errorf("two machines' miners: %d counted, want 2", n)
	}
	if n := count(filepath.Join(d, "vma", "audit.log"), filepath.Join(d, "vma", "audit.log")); n != 1 {
		t.Errorf("one file read twice: %d counted, want 1", n)
	}
}
