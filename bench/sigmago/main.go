// Command sigmago counts the five planted detections of bench/compare.sh
// with the Go Sigma engine github.com/bradleyjkemp/sigma-go: it reads the
// rules (plain Sigma YAML under bench/sigma, one file per rule, named
// after mamori's rule) and evaluates each on every record, decoded with
// encoding/json into the map sigma-go expects. Records are decoded and
// evaluated by one worker per core (GOMAXPROCS) over 1 MiB blocks of whole
// lines, as a fair Go program would; each worker has its own evaluators.
//
//	go run ./sigmago -rules sigma FILE
//
// It prints the count per rule, and the records read, as JSON.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/bradleyjkemp/sigma-go"
	"github.com/bradleyjkemp/sigma-go/evaluator"
)

// named is a rule with the name of its file.
type named struct {
	name string
	rule sigma.Rule
}

func main() {
	dir := flag.String("rules", "sigma", "folder of Sigma rules (*.yml) and their field mappings (fields.yml)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: sigmago [-rules DIR] FILE")
		os.Exit(2)
	}
	counts, err := run(*dir, flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "sigmago:", err)
		os.Exit(1)
	}
	out, _ := json.Marshal(counts)
	fmt.Println(string(out))
}

// load parses the rules and the field-mapping configuration in dir.
func load(dir string) ([]named, sigma.Config, error) {
	var cfg sigma.Config
	b, err := os.ReadFile(filepath.Join(dir, "fields.yml"))
	if err != nil {
		return nil, cfg, err
	}
	if cfg, err = sigma.ParseConfig(b); err != nil {
		return nil, cfg, fmt.Errorf("fields.yml: %w", err)
	}
	paths, err := filepath.Glob(filepath.Join(dir, "*.yml"))
	if err != nil {
		return nil, cfg, err
	}
	var rules []named
	for _, p := range paths {
		if filepath.Base(p) == "fields.yml" {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, cfg, err
		}
		r, err := sigma.ParseRule(b)
		if err != nil {
			return nil, cfg, fmt.Errorf("%s: %w", p, err)
		}
		rules = append(rules, named{strings.TrimSuffix(filepath.Base(p), ".yml"), r})
	}
	if len(rules) == 0 {
		return nil, cfg, fmt.Errorf("%s: no rules", dir)
	}
	return rules, cfg, nil
}

// run counts each rule's matches over the records of path.
func run(dir, path string) (map[string]int, error) {
	rules, cfg, err := load(dir)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	blocks := make(chan []byte, 4)
	results := make(chan map[string]int)
	errs := make(chan error, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := work(rules, cfg, blocks)
			if err != nil {
				errs <- err
			}
			results <- n
		}()
	}
	go func() { wg.Wait(); close(results) }()
	readErr := split(f, blocks)
	counts := map[string]int{}
	for _, r := range rules {
		counts[r.name] = 0
	}
	counts["records"] = 0
	for n := range results {
		for k, v := range n {
			counts[k] += v
		}
	}
	select {
	case err := <-errs:
		return nil, err
	default:
	}
	return counts, readErr
}

// work decodes and evaluates the records of each block it receives.
func work(rules []named, cfg sigma.Config, blocks <-chan []byte) (map[string]int, error) {
	evs := make([]*evaluator.RuleEvaluator, len(rules))
	for i, r := range rules {
		evs[i] = evaluator.ForRule(r.rule, evaluator.WithConfig(cfg))
	}
	ctx := context.Background()
	counts := map[string]int{}
	var firstErr error
	for block := range blocks {
		for len(block) > 0 {
			i := bytes.IndexByte(block, '\n')
			line := block
			if i >= 0 {
				line, block = block[:i], block[i+1:]
			} else {
				block = nil
			}
			if len(line) == 0 {
				continue
			}
			counts["records"]++
			var rec map[string]any
			if err := json.Unmarshal(line, &rec); err != nil {
				if firstErr == nil {
					firstErr = err
				}
				continue
			}
			for j, ev := range evs {
				res, err := ev.Matches(ctx, rec)
				if err != nil && firstErr == nil {
					firstErr = fmt.Errorf("%s: %w", rules[j].name, err)
				}
				if res.Match {
					counts[rules[j].name]++
				}
			}
		}
	}
	return counts, firstErr
}
