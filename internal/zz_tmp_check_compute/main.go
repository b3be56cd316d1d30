// Throwaway checker (delete before finishing): compiles rules and simulates
// detections and correlations over scenario folders.
package main

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/mamori-sec/mamori/internal/enrich"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/rules"
	"github.com/mamori-sec/mamori/internal/sigma"
	"github.com/mamori-sec/mamori/internal/source"
)

type corr struct {
	Type     string         `yaml:"type"`
	Rules    []string       `yaml:"rules"`
	GroupBy  []string       `yaml:"group-by"`
	Timespan string         `yaml:"timespan"`
	Generate bool           `yaml:"generate"`
	Cond     map[string]any `yaml:"condition"`
}

type hit struct {
	t      time.Time
	vals   map[string][]string
	detail string
}

func dur(s string) time.Duration {
	n, _ := strconv.Atoi(s[:len(s)-1])
	switch s[len(s)-1] {
	case 's':
		return time.Duration(n) * time.Second
	case 'm':
		return time.Duration(n) * time.Minute
	case 'h':
		return time.Duration(n) * time.Hour
	case 'd':
		return time.Duration(n) * 24 * time.Hour
	}
	panic(s)
}

func main() {
	var dirs, scen []string
	for _, a := range os.Args[1:] {
		if strings.HasPrefix(a, "rules=") {
			dirs = append(dirs, strings.TrimPrefix(a, "rules="))
		} else {
			scen = append(scen, a)
		}
	}
	set, err := rules.Load(rules.Options{Dirs: dirs})
	if err != nil {
		fmt.Println("LOAD:", err)
	}
	corrs := map[string]*corr{}
	suppressed := map[string]bool{}
	need := map[string]map[string]bool{} // base rule -> fields
	for _, r := range set.Rules {
		fmt.Printf("%-60s %-12s %v\n", r.Name, r.Status, r.Err)
		if r.Status == rules.Compiled {
			fmt.Printf("    %s\n", r.Compiled)
		}
		if r.Status == rules.Correlation {
			c := &corr{}
			if err := r.Sigma.Correlation.Decode(c); err != nil {
				fmt.Println("  CORR DECODE", err)
			}
			corrs[r.Name] = c
			for _, b := range c.Rules {
				if set.ByName(b) == nil {
					fmt.Println("  MISSING BASE", b)
				}
				if !c.Generate {
					suppressed[b] = true
				}
				if need[b] == nil {
					need[b] = map[string]bool{}
				}
				for _, g := range c.GroupBy {
					need[b][g] = true
				}
				if f, ok := c.Cond["field"].(string); ok {
					need[b][f] = true
				}
			}
		}
	}
	for _, r := range set.Rules {
		if r.Status == rules.Compiled {
			if need[r.Name] == nil {
				need[r.Name] = map[string]bool{}
			}
			for _, m := range r.MergeBy {
				need[r.Name][m] = true
			}
			need[r.Name]["principal.upn"] = true
			need[r.Name]["region"] = true
		}
	}
	for _, d := range scen {
		runScenario(set, corrs, suppressed, need, d)
	}
}

type expect struct {
	Fires    []string       `yaml:"fires"`
	Quiet    []string       `yaml:"quiet"`
	Count    map[string]int `yaml:"count"`
	OwnedIPs []string       `yaml:"owned-ips"`
	Baseline string         `yaml:"baseline"`
}

func runScenario(set *rules.Set, corrs map[string]*corr, suppressed map[string]bool, need map[string]map[string]bool, dir string) {
	fmt.Println("\n=== ", dir)
	var ex expect
	b, err := os.ReadFile(filepath.Join(dir, "expect.yml"))
	if err != nil {
		fmt.Println("  no expect.yml")
		return
	}
	if err := yaml.Unmarshal(b, &ex); err != nil {
		fmt.Println("  expect:", err)
	}
	opts := enrich.Options{}
	for _, s := range ex.OwnedIPs {
		if !strings.Contains(s, "/") {
			s += "/32"
		}
		opts.OwnedIPs = append(opts.OwnedIPs, netip.MustParsePrefix(s))
	}
	enr, err := enrich.Load(opts)
	if err != nil {
		panic(err)
	}
	all, _ := source.Expand([]string{dir}, nil)
	var inputs []source.Input
	for _, in := range all {
		if filepath.Base(in.Name) != "expect.yml" {
			inputs = append(inputs, in)
		}
	}
	var mu sync.Mutex
	hits := map[string][]hit{}
	var minT time.Time
	nev := 0
	ids := map[string]sigma.FieldID{}
	for _, fs := range need {
		for f := range fs {
			fi, err := set.Resolver.Resolve(f)
			if err != nil {
				fmt.Println("resolve", f, err)
				continue
			}
			ids[f] = fi.ID
		}
	}
	fe := set.Resolver.NewEvent()
	stats := source.Read(context.Background(), inputs, source.Options{Workers: 1, OnError: func(e *source.ParseError) {
		fmt.Println("  READ ERROR:", e)
	}}, func(w int, ev *event.Event) {
		mu.Lock()
		defer mu.Unlock()
		enr.Apply(ev)
		nev++
		if minT.IsZero() || ev.Time.Before(minT) {
			minT = ev.Time
		}
		fe.Reset(ev)
		for _, r := range set.Detections() {
			if !slices.Contains(r.Kinds, ev.Kind) || !r.Compiled.Match(fe) {
				continue
			}
			h := hit{t: ev.Time, vals: map[string][]string{}}
			for f := range need[r.Name] {
				vs, _ := sigma.Collect(fe, ids[f], nil)
				for _, v := range vs {
					h.vals[f] = append(h.vals[f], v.Text())
				}
			}
			pool := ""
			if ev.Enrich.Pool != nil {
				pool = ev.Enrich.Pool.Kind + ":" + ev.Enrich.Pool.Indicator
			}
			size := ""
			if ev.Enrich.Size != nil {
				size = fmt.Sprintf("%s gpus=%v vcpu=%d", ev.Enrich.Size.Size, ev.Enrich.Size.GPUs, ev.Enrich.Size.VCPUs)
			}
			h.detail = fmt.Sprintf("%s %s %s %s %s", ev.Shape, ev.Operation, ev.Outcome, pool, size)
			if ev.Compute != nil {
				h.detail += fmt.Sprintf(" svc=%s count=%d gpus=%d", ev.Compute.Service, ev.Compute.Count, ev.Compute.GPUs)
			}
			hits[r.Name] = append(hits[r.Name], h)
		}
	})
	for _, s := range stats {
		fmt.Printf("  file %s: container=%s records=%d events=%d shapes=%v ignored=%v skipped=%d %v\n", filepath.Base(s.File), s.Container, s.Records, s.Events, s.Shapes, s.Ignored, s.Skipped, s.Reasons)
	}
	fmt.Println("  events:", nev)
	counts := map[string]int{}
	for name, hs := range hits {
		r := set.ByName(name)
		keys := map[string]bool{}
		for _, h := range hs {
			k := ""
			if len(r.MergeBy) == 0 {
				k = fmt.Sprint(h.t, h.detail, h.vals)
			}
			for _, m := range r.MergeBy {
				k += "|" + strings.Join(h.vals[m], ",")
			}
			keys[k] = true
		}
		tag := ""
		if suppressed[name] {
			tag = " (base, not generated)"
		} else {
			counts[name] = len(keys)
		}
		fmt.Printf("  HIT %s: %d hits, %d alerts%s\n", name, len(hs), len(keys), tag)
		for i, h := range hs {
			if i < 4 && os.Getenv("V") != "" {
				fmt.Printf("      %s %s %v\n", h.t.Format(time.RFC3339), h.detail, h.vals)
			}
		}
	}
	var baseline time.Duration
	if ex.Baseline != "" {
		baseline = dur(ex.Baseline)
	}
	names := make([]string, 0, len(corrs))
	for n := range corrs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		c := corrs[name]
		var hs []hit
		for _, b := range c.Rules {
			hs = append(hs, hits[b]...)
		}
		sort.Slice(hs, func(i, j int) bool { return hs[i].t.Before(hs[j].t) })
		n := evalCorr(c, hs, minT, baseline)
		if n > 0 {
			counts[name] = n
			fmt.Printf("  CORR %s fired %d\n", name, n)
		}
	}
	ok := true
	for _, r := range ex.Fires {
		if counts[r] == 0 {
			fmt.Println("  FAIL: did not fire:", r)
			ok = false
		}
	}
	for _, r := range ex.Quiet {
		if counts[r] > 0 {
			fmt.Println("  FAIL: not quiet:", r, counts[r])
			ok = false
		}
	}
	for r, n := range ex.Count {
		if counts[r] != n {
			fmt.Printf("  FAIL: %s count %d want %d\n", r, counts[r], n)
			ok = false
		}
	}
	if ok {
		fmt.Println("  PASS")
	}
}

func key(h hit, fs []string) string {
	var k []string
	for _, f := range fs {
		k = append(k, strings.Join(h.vals[f], ","))
	}
	return strings.Join(k, "|")
}

func threshold(c *corr, v float64) bool {
	ok := true
	for op, x := range c.Cond {
		if op == "field" {
			continue
		}
		var t float64
		switch n := x.(type) {
		case int:
			t = float64(n)
		case float64:
			t = n
		}
		switch op {
		case "gte":
			ok = ok && v >= t
		case "gt":
			ok = ok && v > t
		case "lte":
			ok = ok && v <= t
		case "lt":
			ok = ok && v < t
		case "eq":
			ok = ok && v == t
		}
	}
	return ok
}

// evalCorr returns the number of groups that fired.
func evalCorr(c *corr, hs []hit, minT time.Time, baseline time.Duration) int {
	span := dur(c.Timespan)
	fired := map[string]bool{}
	if c.Type == "first_seen" {
		learn := baseline
		if learn == 0 {
			learn = span
		}
		seen := map[string]bool{}
		for _, h := range hs {
			k := key(h, c.GroupBy)
			if h.t.Before(minT.Add(learn)) {
				seen[k] = true
				continue
			}
			if !seen[k] {
				seen[k] = true
				fired[k] = true
				if os.Getenv("V") != "" {
					fmt.Printf("    first_seen %s at %s\n", k, h.t.Format(time.RFC3339))
				}
			}
		}
		return len(fired)
	}
	field, _ := c.Cond["field"].(string)
	for i, h := range hs {
		k := key(h, c.GroupBy)
		var sum float64
		cnt := 0
		distinct := map[string]bool{}
		for _, g := range hs[:i+1] {
			if key(g, c.GroupBy) != k || h.t.Sub(g.t) > span {
				continue
			}
			cnt++
			for _, v := range g.vals[field] {
				distinct[v] = true
				f, _ := strconv.ParseFloat(v, 64)
				sum += f
			}
		}
		var v float64
		switch c.Type {
		case "event_count":
			v = float64(cnt)
		case "value_count":
			v = float64(len(distinct))
		case "value_sum":
			v = sum
		}
		if threshold(c, v) && !fired[k] {
			fired[k] = true
			if os.Getenv("V") != "" {
				fmt.Printf("    %s %s=%v at %s\n", c.Type, k, v, h.t.Format(time.RFC3339))
			}
		}
	}
	return len(fired)
}
