// Package rules loads the detection catalogue: the built-in Sigma rules
// embedded in the binary and the user's own folders, compiled once against
// mamori's field resolver. Every file is accounted for: a rule compiles, or
// is listed as unsupported with the reason; nothing is dropped silently.
package rules

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/correlate"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/fields"
	"github.com/mamori-sec/mamori/internal/sigma"
)

// Status is what became of a rule document.
type Status string

// Statuses, as `mamori rules list` shows them.
const (
	Compiled    Status = "compiled"
	Correlation Status = "correlation"
	Filter      Status = "filter"
	Unsupported Status = "unsupported"
	Invalid     Status = "invalid"
)

// Rule is one document of the catalogue with mamori's metadata.
type Rule struct {
	Sigma    *sigma.Rule
	Compiled *sigma.Compiled // detection rules that compiled
	Filter   *sigma.Filter   // filters that compiled
	Name     string          // the stable dotted name (Sigma `name`), else the id, else the file
	Source   string          // "builtin:rules/…" or the user's path
	Status   Status
	Err      error // why unsupported or invalid

	Severity alert.Severity
	Kinds    []event.Kind
	Version  int
	Response string
	MergeBy  []string // fields whose equal values make hits one alert
	Stage    string   // kill-chain stage
}

// Set is a loaded catalogue.
type Set struct {
	Rules    []*Rule
	Values   []*Values // the files of placeholder values (placeholders.go)
	Resolver *fields.Resolver
	corr     *correlate.Set // the correlations that compiled, checked at load
	opt      sigma.Options  // the placeholders' values, once every file is read
	parsed   []parsed       // the rule files read, compiled once all are
}

// parsed is a rule file's documents before they compile, or the file
// that did not parse, kept in its place in the order files are read.
type parsed struct {
	source string
	docs   []*sigma.Rule
	bad    *Rule
}

// Options say which rules to load.
type Options struct {
	Builtin fs.FS    // the embedded rules (mamori.Rules); nil for none
	Dirs    []string // the user's folders or files (--rules)
}

// Load parses and compiles every rule. The error is for what stops the
// load (an unreadable folder); problems of single rules are in their
// Status and Err, so one bad rule does not take the catalogue down.
func Load(opt Options) (*Set, error) {
	s := &Set{Resolver: fields.New()}
	var errs []error
	if opt.Builtin != nil {
		err := fs.WalkDir(opt.Builtin, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !isRuleFile(p) {
				return nil
			}
			b, err := fs.ReadFile(opt.Builtin, p)
			if err != nil {
				return err
			}
			s.add("builtin:"+p, b)
			return nil
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("built-in rules: %w", err))
		}
	}
	for _, dir := range opt.Dirs {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if p != dir && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
					return filepath.SkipDir
				}
				return nil
			}
			if !isRuleFile(p) {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			s.add(p, b)
			return nil
		})
		if err != nil {
			errs = append(errs, err)
		}
	}
	// Placeholders' values may come from any file given, before or after
	// the rules that use them.
	s.opt.Placeholders = s.placeholders()
	for _, p := range s.parsed {
		if p.bad != nil {
			s.Rules = append(s.Rules, p.bad)
		}
		for _, d := range p.docs {
			s.Rules = append(s.Rules, s.compile(d, p.source))
		}
	}
	s.parsed = nil
	s.link()
	s.checkCorrelations()
	if err := s.applyFilters(); err != nil {
		errs = append(errs, err)
	}
	return s, errors.Join(errs...)
}

// applyFilters attaches the Sigma filters (the user's way to exclude
// known-good activity from a rule) to the rules they name. A filter naming
// a rule that is not loaded is an error, not ignored: it would exclude
// nothing while its author thinks it does. Such a filter is also marked
// invalid with the reason, and its error names its file (a *LoadError), so
// that a validation lists it with the others rather than stopping at it.
func (s *Set) applyFilters() error {
	var compiled []*sigma.Compiled
	var filters []*Rule
	for _, r := range s.Rules {
		switch {
		case r.Compiled != nil && r.Status == Compiled:
			compiled = append(compiled, r.Compiled)
		case r.Filter != nil && r.Status == Filter:
			filters = append(filters, r)
		}
	}
	var errs []error
	for _, r := range filters {
		if err := sigma.ApplyFilters(compiled, []*sigma.Filter{r.Filter}); err != nil {
			r.Status, r.Err = Invalid, err
			errs = append(errs, &LoadError{Rule: r.Name, Source: r.Source, Err: err})
		}
	}
	return errors.Join(errs...)
}

func isRuleFile(p string) bool {
	ext := strings.ToLower(path.Ext(p))
	return ext == ".yml" || ext == ".yaml"
}

// add parses one file: placeholder values, or rules, each document of
// which becomes a Rule when every file is read.
func (s *Set) add(source string, b []byte) {
	if v := valuesDoc(source, b); v != nil {
		s.Values = append(s.Values, v)
		return
	}
	docs, err := sigma.Parse(b)
	if err != nil {
		s.parsed = append(s.parsed, parsed{source: source, bad: &Rule{Name: fileName(source), Source: source, Status: Invalid, Err: err}})
		return
	}
	for _, d := range docs {
		d.Source = source
	}
	s.parsed = append(s.parsed, parsed{source: source, docs: docs})
}

func fileName(source string) string {
	return strings.TrimSuffix(path.Base(filepath.ToSlash(source)), path.Ext(source))
}

// compile turns one document into a catalogue entry.
func (s *Set) compile(d *sigma.Rule, source string) *Rule {
	r := &Rule{Sigma: d, Source: source, Name: d.Name, Version: 1}
	if r.Name == "" {
		r.Name = d.ID
	}
	if r.Name == "" {
		r.Name = fileName(source)
	}
	if err := r.readMeta(); err != nil {
		r.Status, r.Err = Invalid, err
		return r
	}
	switch d.Kind {
	case sigma.KindCorrelation:
		r.Status = Correlation
		return r
	case sigma.KindFilter:
		f, err := sigma.CompileFilter(d, s.Resolver, &s.opt)
		if err != nil {
			r.Status, r.Err = statusOf(err), placeholderHint(err)
			return r
		}
		r.Filter, r.Status = f, Filter
		return r
	}
	kinds, err := kindsOf(d.Logsource)
	if err != nil {
		if u, ok := err.(*sigma.UnsupportedError); ok {
			u.Rule = d.Ref()
		}
		r.Status, r.Err = Unsupported, err
		return r
	}
	r.Kinds = kinds
	c, err := sigma.Compile(d, s.Resolver, &s.opt)
	if err != nil {
		r.Status, r.Err = statusOf(err), placeholderHint(err)
		return r
	}
	r.Compiled, r.Status = c, Compiled
	return r
}

func statusOf(err error) Status {
	var u *sigma.UnsupportedError
	if errors.As(err, &u) {
		return Unsupported
	}
	return Invalid
}

// readMeta reads mamori's custom keys and the level.
func (r *Rule) readMeta() error {
	d := r.Sigma
	r.Severity = alert.Medium
	if d.Level != "" {
		sev, ok := alert.ParseSeverity(d.Level)
		if !ok {
			return fmt.Errorf("level %q: want informational, low, medium, high or critical", d.Level)
		}
		r.Severity = sev
	}
	var errs []error
	if _, err := d.Decode("version", &r.Version); err != nil {
		errs = append(errs, fmt.Errorf("version: %w", err))
	}
	if _, err := d.Decode("response", &r.Response); err != nil {
		errs = append(errs, fmt.Errorf("response: %w", err))
	}
	if _, err := d.Decode("merge-by", &r.MergeBy); err != nil {
		errs = append(errs, fmt.Errorf("merge-by: %w", err))
	}
	if _, err := d.Decode("stage", &r.Stage); err != nil {
		errs = append(errs, fmt.Errorf("stage: %w", err))
	}
	if r.Stage != "" && !slices.Contains(Stages, r.Stage) {
		errs = append(errs, fmt.Errorf("stage %q: want one of %s", r.Stage, strings.Join(Stages, ", ")))
	}
	return errors.Join(errs...)
}

// Stages are the kill-chain stages of a cryptojacking attack, in order.
var Stages = []string{"initial_access", "escalation", "persistence", "quota", "deployment", "drivers", "mining"}

// link checks names are unique among what compiled: two rules with one
// name would make alerts ambiguous, so the later one is marked invalid.
func (s *Set) link() {
	seen := map[string]*Rule{}
	for _, r := range s.Rules {
		if r.Status == Invalid || r.Status == Unsupported {
			continue
		}
		if prev, ok := seen[r.Name]; ok {
			r.Status, r.Err = Invalid, &NameTakenError{Name: r.Name, By: prev.Source}
			continue
		}
		seen[r.Name] = r
	}
}

// NameTakenError is a rule whose name an earlier rule holds.
type NameTakenError struct {
	Name string
	By   string // the earlier rule's Source
}

func (e *NameTakenError) Error() string {
	return fmt.Sprintf("name %q is also used by %s", e.Name, e.By)
}

// Detections returns the compiled detection rules.
func (s *Set) Detections() []*Rule {
	var out []*Rule
	for _, r := range s.Rules {
		if r.Status == Compiled {
			out = append(out, r)
		}
	}
	return out
}

// ByName finds a rule by name, else by id: a rule named as another's id
// is the one named so (a correlation's alert takes its own rule's level).
func (s *Set) ByName(name string) *Rule {
	if name == "" {
		return nil // not the first rule without an id
	}
	for _, r := range s.Rules {
		if r.Name == name {
			return r
		}
	}
	for _, r := range s.Rules {
		if r.Sigma != nil && r.Sigma.ID == name {
			return r
		}
	}
	return nil
}

// LoadError is a rule that cannot be used, with where it came from.
type LoadError struct {
	Rule   string
	Source string
	Err    error
}

func (e *LoadError) Error() string { return e.Source + ": rule " + e.Rule + ": " + e.Err.Error() }

func (e *LoadError) Unwrap() error { return e.Err }

// checkCorrelations compiles the correlation rules against the detections
// and marks the ones that cannot run invalid, with the reason, so that one
// bad correlation does not stop the others.
func (s *Set) checkCorrelations() {
	for {
		corr, dets := s.sigmaRules()
		if len(corr) == 0 {
			return
		}
		if c, err := correlate.Compile(corr, dets); err == nil {
			s.corr = c
			return
		}
		bad := false
		for _, r := range s.Rules {
			if r.Status != Correlation {
				continue
			}
			others := make([]*sigma.Rule, 0, len(corr))
			for _, c := range corr {
				if c != r.Sigma {
					others = append(others, c)
				}
			}
			if _, err := correlate.Compile(append(others, r.Sigma), dets); err != nil {
				if _, err2 := correlate.Compile(others, dets); err2 == nil {
					r.Status, r.Err = statusOf(err), err
					bad = true
					break
				}
			}
		}
		if !bad {
			// No single culprit: report every correlation rather than loop.
			_, err := correlate.Compile(corr, dets)
			for _, r := range s.Rules {
				if r.Status == Correlation {
					r.Status, r.Err = Invalid, err
				}
			}
			return
		}
	}
}

// sigmaRules returns the correlation documents and detection rules that
// can run.
func (s *Set) sigmaRules() (corr, dets []*sigma.Rule) {
	for _, r := range s.Rules {
		switch r.Status {
		case Correlation:
			corr = append(corr, r.Sigma)
		case Compiled:
			dets = append(dets, r.Sigma)
		}
	}
	return corr, dets
}

// Correlations returns the correlation rules that can run, compiled once
// at load (those that could not are marked invalid there); nil when there
// are none.
func (s *Set) Correlations() *correlate.Set { return s.corr }
