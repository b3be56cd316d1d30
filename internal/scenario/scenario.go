// Package scenario runs the catalogue's scenarios: folders of raw log
// records, each with an expect.yml naming the rules that must fire and
// those that must stay quiet, hunted through the real readers, enrichment
// and engine.
package scenario

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/correlate"
	"github.com/mamori-sec/mamori/internal/enrich"
	"github.com/mamori-sec/mamori/internal/hunt"
	"github.com/mamori-sec/mamori/internal/plural"
	"github.com/mamori-sec/mamori/internal/rules"
	"github.com/mamori-sec/mamori/internal/source"
)

// ExpectFile names the expectation file of a scenario folder.
const ExpectFile = "expect.yml"

// Expect is a scenario's expect.yml.
type Expect struct {
	Fires    []string       `yaml:"fires"`
	Quiet    []string       `yaml:"quiet"`
	Count    map[string]int `yaml:"count"`
	OwnedIPs []string       `yaml:"owned-ips"`
	Baseline string         `yaml:"baseline"`
}

// Find lists the scenario folders under root, sorted.
func Find(root string) ([]string, error) {
	var dirs []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && d.Name() == ExpectFile {
			dirs = append(dirs, filepath.Dir(p))
		}
		return nil
	})
	slices.Sort(dirs)
	return dirs, err
}

// Outcome is what one scenario did.
type Outcome struct {
	Dir      string
	Alerts   []alert.Alert
	Problems []string // empty when the scenario passed
}

// Run hunts one scenario folder with set and checks its expectations.
func Run(ctx context.Context, set *rules.Set, dir string) (*Outcome, error) {
	return run(ctx, set, dir, false)
}

// run is Run; decodeAll decodes every record in full (hunt.Config), for
// the test that a hunt's brief reads change nothing.
func run(ctx context.Context, set *rules.Set, dir string, decodeAll bool) (*Outcome, error) {
	out := &Outcome{Dir: dir}
	b, err := os.ReadFile(filepath.Join(dir, ExpectFile))
	if err != nil {
		return nil, err
	}
	var ex Expect
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&ex); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, ExpectFile), err)
	}
	opts := enrich.Options{}
	for _, s := range ex.OwnedIPs {
		p, err := parsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("%s: owned-ips: %w", filepath.Join(dir, ExpectFile), err)
		}
		opts.OwnedIPs = append(opts.OwnedIPs, p)
	}
	enr, err := enrich.Load(opts)
	if err != nil {
		return nil, err
	}
	all, err := source.Expand([]string{dir}, nil)
	if err != nil {
		return nil, err
	}
	var inputs []source.Input
	for _, in := range all {
		if filepath.Base(in.Name) != ExpectFile {
			inputs = append(inputs, in)
		}
	}
	var baseline time.Duration
	if ex.Baseline != "" {
		if baseline, err = correlate.ParseTimespan(ex.Baseline); err != nil {
			return nil, fmt.Errorf("%s: baseline: %w", filepath.Join(dir, ExpectFile), err)
		}
	}
	var readErrs []string
	res, err := hunt.Run(ctx, inputs, hunt.Config{Rules: set, Enricher: enr, Baseline: baseline, DecodeAll: decodeAll, OnError: func(e *source.ParseError) {
		readErrs = append(readErrs, e.Error())
	}})
	if err != nil {
		return nil, err
	}
	out.Alerts = res.Alerts
	for _, e := range readErrs {
		out.Problems = append(out.Problems, "record not read: "+e)
	}
	count := map[string]int{}
	for _, a := range res.Alerts {
		count[a.Rule]++
	}
	known := func(name string) bool { return set.ByName(name) != nil }
	for _, r := range ex.Fires {
		if !known(r) {
			out.Problems = append(out.Problems, fmt.Sprintf("fires: no rule named %q", r))
		} else if count[r] == 0 {
			out.Problems = append(out.Problems, fmt.Sprintf("%s did not fire", r))
		}
	}
	for _, r := range ex.Quiet {
		if !known(r) {
			out.Problems = append(out.Problems, fmt.Sprintf("quiet: no rule named %q", r))
		} else if count[r] > 0 {
			out.Problems = append(out.Problems, fmt.Sprintf("%s fired %s but must stay quiet: %s", r, plural.Count(count[r], "time", "times"), firstSummary(res.Alerts, r)))
		}
	}
	for r, n := range ex.Count {
		if count[r] != n {
			out.Problems = append(out.Problems, fmt.Sprintf("%s fired %s, want %d", r, plural.Count(count[r], "time", "times"), n))
		}
	}
	if len(ex.Fires) == 0 && len(ex.Quiet) == 0 && len(ex.Count) == 0 {
		out.Problems = append(out.Problems, "expect.yml names no rule")
	}
	return out, nil
}

func firstSummary(as []alert.Alert, rule string) string {
	for _, a := range as {
		if a.Rule == rule {
			return a.Summary
		}
	}
	return ""
}

func parsePrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		return netip.ParsePrefix(s)
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}
