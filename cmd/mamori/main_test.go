package main

import (
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// TestMain runs mamori itself when a test starts this binary again.
func TestMain(m *testing.M) {
	if os.Getenv("MAMORI_TEST_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// TestSecondInterruptEndsAHuntWaitingOnItsInput: a hunt of standard input
// that nothing writes to (mamori hunt - typed by mistake, a producer that
// hangs) waits in a read no context can end, so the first Ctrl-C changed
// nothing, and neither did the next ones: only SIGKILL ended it. The
// second one now ends it at once.
func TestSecondInterruptEndsAHuntWaitingOnItsInput(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGINT to send")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close() // never written: the hunt waits on it
	cmd := exec.Command(os.Args[0], "hunt", "-")
	cmd.Env = append(os.Environ(), "MAMORI_TEST_MAIN=1", "HOME="+t.TempDir())
	cmd.Stdin = r
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r.Close()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	time.Sleep(time.Second) // the hunt is reading its input
	for range 2 {
		if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatal("a second interrupt did not end a hunt waiting on standard input")
	}
}
