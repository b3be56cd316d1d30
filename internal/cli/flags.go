package cli

import (
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/correlate"
)

// parseArgs parses args into fs, flags and paths in any order:
// "mamori hunt logs/ --fail-on high" must gate on high alerts, not hunt a
// path named "--fail-on" and exit 0 (the flag package stops at the first
// argument that is not a flag). After "--" everything is an argument, for
// a path that begins with a dash; "-" alone is standard input.
func parseArgs(fs *flag.FlagSet, args []string) error {
	var paths []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		left := fs.Args() // a tail of args
		if used := len(args) - len(left); used > 0 && args[used-1] == "--" && !takesValue(fs, args[:used-1]) {
			paths = append(paths, left...)
			break
		}
		i := 0
		for i < len(left) && (len(left[i]) < 2 || left[i][0] != '-') {
			i++
		}
		paths = append(paths, left[:i]...)
		if i == len(left) {
			break
		}
		args = left[i:]
	}
	// A leading "--" sets the arguments and leaves the flags' values.
	return fs.Parse(append([]string{"--"}, paths...))
}

// takesValue reports whether the last of before is a flag that takes
// the argument after it as its value ("--output --": a file named "--",
// not the end of the flags).
func takesValue(fs *flag.FlagSet, before []string) bool {
	if len(before) == 0 {
		return false
	}
	name := strings.TrimLeft(before[len(before)-1], "-")
	if name == "" || strings.Contains(name, "=") || len(before[len(before)-1]) == len(name) {
		return false
	}
	f := fs.Lookup(name)
	if f == nil {
		return false
	}
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return !ok || !b.IsBoolFlag()
}

// span is a duration flag that takes Go's units (90s, 30m, 24h) and the
// days and weeks the other flags and the rules' timespans take (7d, 2w).
type span struct{ d *time.Duration }

func spanVar(fs *flag.FlagSet, d *time.Duration, name string, value time.Duration, usage string) {
	*d = value
	fs.Var(span{d}, name, usage)
}

func (s span) String() string {
	if s.d == nil {
		return ""
	}
	// 24h and 1m, not 24h0m0s and 1m0s.
	t := s.d.String()
	if strings.HasSuffix(t, "m0s") {
		t = strings.TrimSuffix(t, "0s")
	}
	if strings.HasSuffix(t, "h0m") {
		t = strings.TrimSuffix(t, "0m")
	}
	return t
}

func (s span) Set(v string) error {
	if d, err := time.ParseDuration(v); err == nil {
		*s.d = d
		return nil
	}
	d, err := correlate.ParseTimespan(v)
	if err != nil {
		return fmt.Errorf("want a duration such as 90m, 24h or 7d")
	}
	*s.d = d
	return nil
}
