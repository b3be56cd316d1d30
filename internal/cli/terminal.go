package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime/pprof"
	"strconv"
	"time"

	"golang.org/x/term"

	"github.com/mamori-sec/mamori/internal/plural"
	"github.com/mamori-sec/mamori/internal/report"
	"github.com/mamori-sec/mamori/internal/source"
)

// isTerminal reports whether w is a terminal, where colour and a progress
// line make sense.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// tableWidth is how wide the table may be: the terminal's width, $COLUMNS
// when set, and no limit worth truncating for when the table goes to a
// file or a pipe (nobody's screen to fit).
func tableWidth(w io.Writer) int {
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	if isTerminal(w) {
		if n, _, err := term.GetSize(int(w.(*os.File).Fd())); err == nil && n > 0 {
			return n
		}
		return 0
	}
	return 1 << 16
}

// startProgress prints a progress line every half second until stopped.
func startProgress(w io.Writer, p *source.Progress, on bool) (stop func()) {
	if !on {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		start := time.Now()
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				fmt.Fprint(w, "\r\x1b[K")
				return
			case <-t.C:
				secs := time.Since(start).Seconds()
				fmt.Fprintf(w, "\r\x1b[K%s read, %.0f events/s, %d of %s left",
					bytesText(p.Bytes.Load()), float64(p.Events.Load())/secs, p.Files-p.FilesDone.Load(), plural.Count(p.Files, "file", "files"))
			}
		}
	}()
	return func() { close(done); <-finished }
}

// bytesText writes a byte count for people.
func bytesText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// startCPUProfile profiles until stop is called.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// printErrors writes err on stderr after prefix, each error an
// errors.Join holds on a line of its own: printed whole, the join's
// newlines would be escaped by report.Terminal into one long line with
// "\n" in it. Each part is escaped, since file names come from the input.
func printErrors(stderr io.Writer, prefix string, err error) {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			printErrors(stderr, prefix, e)
		}
		return
	}
	// "stat logs: no such file or directory" names a system call the
	// user never made: the path and the reason are what they need.
	if pe := (*fs.PathError)(nil); errors.As(err, &pe) && err == error(pe) {
		err = fmt.Errorf("%s: %w", pe.Path, pe.Err)
	}
	fmt.Fprintln(stderr, prefix, report.Terminal(err.Error()))
}
