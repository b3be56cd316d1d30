package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/mamori-sec/mamori"
	"github.com/mamori-sec/mamori/internal/plural"
	"github.com/mamori-sec/mamori/internal/record"
	"github.com/mamori-sec/mamori/internal/report"
	"github.com/mamori-sec/mamori/internal/rules"
	"github.com/mamori-sec/mamori/internal/scenario"
)

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// loadRules loads the built-in catalogue (unless onlyUser) and the user's
// folders, and reports to warn the rules that cannot run. It returns nil
// and an exit code when nothing can run: a --rules path that is missing or
// cannot be read is a usage error naming the flag, printed to stderr after
// the command's name; a folder read whose rules stop the load (a filter
// naming no loaded rule) is an error; a single broken rule is only
// reported, and the others run.
func loadRules(cmd string, dirs []string, onlyUser bool, stderr, warn io.Writer) (*rules.Set, int) {
	opt := rules.Options{Dirs: dirs}
	if !onlyUser {
		opt.Builtin = mamori.Rules
	}
	if onlyUser && len(dirs) == 0 {
		fmt.Fprintf(stderr, "mamori %s: --only-user-rules needs --rules DIR\n", cmd)
		return nil, ExitUsage
	}
	for _, d := range dirs {
		if err := readable(d); err != nil {
			fmt.Fprintf(stderr, "mamori %s: --rules: %s\n", cmd, report.Terminal(err.Error()))
			return nil, ExitUsage
		}
	}
	set, err := rules.Load(opt)
	if err != nil {
		fmt.Fprintln(stderr, "mamori: rules:", report.Terminal(err.Error()))
		return nil, ExitError
	}
	bad := 0
	for _, r := range set.Rules {
		if r.Status == rules.Invalid {
			bad++
			if bad <= 10 {
				fmt.Fprintf(warn, "mamori: rule %s (%s) not loaded: %s\n", report.Terminal(r.Name), report.Terminal(r.Source), report.Terminal(errText(r.Err)))
			}
		}
	}
	if bad > 10 {
		fmt.Fprintf(warn, "mamori: … and %s (mamori rules validate shows all)\n", plural.Count(bad-10, "more invalid rule", "more invalid rules"))
	}
	for _, v := range set.Values {
		if v.Err != nil {
			fmt.Fprintf(warn, "mamori: placeholder values of %s not used: %s\n", report.Terminal(v.Source), report.Terminal(v.Err.Error()))
		} else if v.Ignored > 0 {
			fmt.Fprintf(warn, "mamori: %s: its vars give placeholders' values; its %s not applied (mamori maps fields itself)\n",
				report.Terminal(v.Source), plural.Count(v.Ignored, "transformation is", "transformations are"))
		}
	}
	// A hunt with no rule finds nothing, and "no alerts" would read as a
	// clean tenant. Listing them is another matter: it says why.
	if cmd != "rules list" && !slices.ContainsFunc(set.Rules, func(r *rules.Rule) bool {
		return r.Status == rules.Compiled || r.Status == rules.Correlation
	}) {
		fmt.Fprintf(stderr, "mamori %s: no rule could be loaded, so nothing could be found: see mamori rules validate\n", cmd)
		return nil, ExitUsage
	}
	return set, ExitOK
}

// readable says why a path named on the command line cannot be read: it
// is missing, or it (a file) cannot be opened, or it (a folder) cannot be
// listed.
func readable(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if st.IsDir() {
		if _, err := f.ReadDir(1); err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	return nil
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// rulesCmd runs `mamori rules list|validate|test`.
func rulesCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, rulesUsage)
		return ExitUsage
	}
	if helpArg(args[0]) {
		fmt.Fprint(stderr, rulesUsage)
		return ExitOK
	}
	switch args[0] {
	case "list":
		return rulesList(args[1:], stdout, stderr)
	case "validate":
		return rulesValidate(args[1:], stdout, stderr)
	case "test":
		return rulesTest(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "mamori rules: unknown command %q\n\n%s", args[0], rulesUsage)
	return ExitUsage
}

// pathArgs parses the arguments of a rules command that takes only
// paths: --help shows the usage (exit 0), an unknown flag is a usage
// error, and -- lets a path begin with a dash.
func pathArgs(name string, args []string, stderr io.Writer) (paths []string, code int, ok bool) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, rulesUsage) }
	if code, ok := parseFlags(fs, args); !ok {
		return nil, code, false
	}
	return fs.Args(), 0, true
}

const rulesUsage = `Usage:
  mamori rules list [--format table|jsonl] [--rules DIR] [--only-user-rules]
  mamori rules validate PATH...     check rule files; exit 1 listing every problem
  mamori rules test [DIR]           run every rule's scenarios (default: ./rules)
`

// ruleEntry is one line of `mamori rules list --format jsonl`.
type ruleEntry struct {
	Name    string   `json:"name"`
	ID      string   `json:"id,omitempty"`
	Title   string   `json:"title,omitempty"`
	Level   string   `json:"level,omitempty"`
	Kind    string   `json:"kind"`
	Status  string   `json:"status"`
	Reason  string   `json:"reason,omitempty"`
	Source  string   `json:"source"`
	Tags    []string `json:"tags,omitempty"`
	Version int      `json:"version,omitempty"`
}

// valuesEntry lists a file of placeholder values as rules list shows a
// rule: its status "placeholders", its title the names it gives.
func valuesEntry(v *rules.Values) ruleEntry {
	e := ruleEntry{Name: v.Name, Kind: "placeholders", Status: "placeholders", Source: v.Source,
		Title: "values of " + strings.Join(v.Names(), ", ")}
	if v.Err != nil {
		e.Status, e.Reason = string(rules.Invalid), errText(v.Err)
	}
	return e
}

func entryOf(r *rules.Rule) ruleEntry {
	e := ruleEntry{Name: r.Name, Status: string(r.Status), Reason: errText(r.Err), Source: r.Source, Version: r.Version}
	if s := r.Sigma; s != nil {
		e.ID, e.Title, e.Level, e.Tags, e.Kind = s.ID, s.Title, s.Level, s.Tags, s.Kind.String()
	}
	return e
}

func rulesList(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("rules list", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "table", "table or jsonl")
	var dirs multiFlag
	fs.Var(&dirs, "rules", "a folder of your own rules; repeatable")
	onlyUser := fs.Bool("only-user-rules", false, "list only the rules given with --rules")
	setUsage(fs, stderr, "Usage: mamori rules list [--format table|jsonl] [--rules DIR] [--only-user-rules]\n\nLists the built-in rules and your own, with their status (a rule mamori cannot run says why).\n")
	if code, ok := parseOnlyFlags(fs, args, stderr); !ok {
		return code
	}
	set, code := loadRules("rules list", dirs, *onlyUser, stderr, io.Discard)
	if set == nil {
		return code
	}
	entries := make([]ruleEntry, 0, len(set.Rules)+len(set.Values))
	for _, r := range set.Rules {
		entries = append(entries, entryOf(r))
	}
	for _, v := range set.Values {
		entries = append(entries, valuesEntry(v))
	}
	switch *format {
	case "jsonl":
		for _, e := range entries {
			if err := report.WriteJSONLine(stdout, e); err != nil {
				return ExitError
			}
		}
	case "table":
		tw := tabwriter.NewWriter(stdout, 2, 8, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tTITLE\tLEVEL\tSTATUS\tSOURCE")
		for _, e := range entries {
			st := e.Status
			if e.Reason != "" {
				st += ": " + e.Reason
			}
			// A refused level is listed as written: it is text like the rest.
			// The title says what a rule named by its id alone (SigmaHQ's) is.
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", report.Terminal(e.Name), report.Terminal(record.Clip(e.Title, 60)),
				report.Terminal(e.Level), report.Terminal(record.Clip(st, 90)), report.Terminal(e.Source))
		}
		tw.Flush()
	default:
		fmt.Fprintf(stderr, "mamori rules list: unknown format %q (table, jsonl)\n", *format)
		return ExitUsage
	}
	return ExitOK
}

func rulesValidate(args []string, stdout, stderr io.Writer) int {
	args, code, ok := pathArgs("rules validate", args, stderr)
	if !ok {
		return code
	}
	if len(args) == 0 {
		fmt.Fprint(stderr, rulesUsage)
		return ExitUsage
	}
	// The files are loaded beside the built-in catalogue, as hunt and
	// serve load them: a filter for a built-in rule is valid, a name
	// already taken by one is not. A filter naming no loaded rule is
	// listed with its file among the other problems, not an error that
	// stops the listing.
	all, err := rules.Load(rules.Options{Builtin: mamori.Rules, Dirs: args})
	if isCatalogue(all) {
		// The catalogue's own folder (a contributor's checkout): its
		// files are the built-in rules, judged on their own, as rules
		// test judges them; beside themselves every name would clash.
		// Whatever else failed to load: a stray filter among them is
		// one problem, not one clash per rule besides.
		all, err = rules.Load(rules.Options{Dirs: args})
	}
	if err = unlisted(err); err != nil {
		fmt.Fprintln(stderr, "mamori rules validate:", report.Terminal(err.Error()))
		return ExitError
	}
	set := &rules.Set{}
	for _, r := range all.Rules {
		if !strings.HasPrefix(r.Source, "builtin:") {
			set.Rules = append(set.Rules, r)
		}
	}
	var problems []error
	for _, r := range set.Rules {
		if r.Status == rules.Invalid || r.Status == rules.Unsupported {
			problems = append(problems, fmt.Errorf("%s: %s: %s: %s", ruleAt(r), r.Name, r.Status, errText(r.Err)))
		}
	}
	for _, v := range all.Values {
		if v.Err != nil {
			problems = append(problems, fmt.Errorf("%s:%d: placeholder values not used: %s", v.Source, v.Line, errText(v.Err)))
		}
	}
	if len(set.Rules) == 0 && len(all.Values) == 0 {
		fmt.Fprintln(stdout, "no rule files (*.yml, *.yaml) found")
		return ExitError
	}
	for _, p := range problems {
		fmt.Fprintln(stdout, report.Terminal(p.Error()))
	}
	if len(problems) > 0 {
		verb := "have"
		if len(problems) == 1 {
			verb = "has"
		}
		fmt.Fprintf(stdout, "%d of %s %s problems\n", len(problems), plural.Count(len(set.Rules), "rule", "rules"), verb)
		return ExitError
	}
	var names []string
	for _, v := range all.Values {
		names = append(names, v.Names()...)
	}
	if len(names) > 0 {
		slices.Sort(names)
		fmt.Fprintf(stdout, "%s valid, and values of %s\n", plural.Count(len(set.Rules), "rule", "rules"), report.Terminal(strings.Join(names, ", ")))
		return ExitOK
	}
	fmt.Fprintf(stdout, "%s valid\n", plural.Count(len(set.Rules), "rule", "rules"))
	return ExitOK
}

// ruleAt is file:line of a rule's document, as an editor jumps to it (a
// file may hold several rules), or its file when the line is not known.
func ruleAt(r *rules.Rule) string {
	if r.Sigma != nil && r.Sigma.Line > 0 {
		return fmt.Sprintf("%s:%d", r.Source, r.Sigma.Line)
	}
	return r.Source
}

// isCatalogue reports whether a rule given takes the name of the built-in
// rule whose file it is (rules/azure/… in a checkout of mamori).
func isCatalogue(set *rules.Set) bool {
	for _, r := range set.Rules {
		var nt *rules.NameTakenError
		if errors.As(r.Err, &nt) && strings.HasPrefix(nt.By, "builtin:") {
			own := strings.TrimPrefix(nt.By, "builtin:")
			if src := filepath.ToSlash(r.Source); src == own || strings.HasSuffix(src, "/"+own) {
				return true
			}
		}
	}
	return false
}

// unlisted returns what of a load error no rule carries (a folder that
// cannot be read); a rule's own error (*rules.LoadError) is listed with it.
func unlisted(err error) error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var rest []error
		for _, e := range j.Unwrap() {
			if e = unlisted(e); e != nil {
				rest = append(rest, e)
			}
		}
		return errors.Join(rest...)
	}
	if _, ok := err.(*rules.LoadError); ok {
		return nil
	}
	return err
}

func rulesTest(args []string, stdout, stderr io.Writer) int {
	args, code, ok := pathArgs("rules test", args, stderr)
	if !ok {
		return code
	}
	root := "rules"
	if len(args) > 0 {
		root = args[0]
	}
	// The scenarios live beside the rules in a clone of the repository;
	// the binary carries the rules, not them.
	if _, err := os.Stat(root); err != nil && len(args) == 0 {
		fmt.Fprintf(stderr, "mamori rules test: no ./rules folder here: run it in a clone of mamori's repository, or give the folder of your rules and their scenarios (mamori rules test DIR)\n")
		return ExitUsage
	}
	set, err := rules.Load(rules.Options{Dirs: []string{root}})
	if err = unlisted(err); err != nil {
		fmt.Fprintln(stderr, "mamori rules test:", report.Terminal(err.Error()))
		return ExitError
	}
	dirs, err := scenario.Find(root)
	if err != nil {
		fmt.Fprintln(stderr, "mamori rules test:", report.Terminal(err.Error()))
		return ExitError
	}
	if len(dirs) == 0 {
		fmt.Fprintf(stderr, "mamori rules test: no scenarios (folders with %s) under %s\n", scenario.ExpectFile, root)
		return ExitError
	}
	// A rule that does not load fails the test: with no scenario of its
	// own it would otherwise go unmentioned under "0 failed".
	failed, total := 0, len(dirs)
	for _, r := range set.Rules {
		if r.Status == rules.Invalid {
			failed++
			total++
			fmt.Fprintf(stdout, "FAIL %s: rule %s: %s\n", report.Terminal(ruleAt(r)), report.Terminal(r.Name), report.Terminal(errText(r.Err)))
		}
	}
	for _, d := range dirs {
		out, err := scenario.Run(context.Background(), set, d)
		switch {
		case err != nil:
			failed++
			fmt.Fprintf(stdout, "FAIL %s: %s\n", report.Terminal(d), report.Terminal(err.Error()))
		case len(out.Problems) > 0:
			failed++
			fmt.Fprintf(stdout, "FAIL %s\n", report.Terminal(d))
			for _, p := range out.Problems {
				fmt.Fprintf(stdout, "     %s\n", report.Terminal(p))
			}
		default:
			fmt.Fprintf(stdout, "ok   %s (%s)\n", report.Terminal(d), plural.Count(len(out.Alerts), "alert", "alerts"))
		}
	}
	fmt.Fprintf(stdout, "%d passed, %d failed\n", total-failed, failed)
	if failed > 0 {
		return ExitError
	}
	return ExitOK
}

// ruleResponses are the rules' response notes (what to check, what to
// do), by rule name: the ocsf format's remediation.
func ruleResponses(set *rules.Set) map[string]string {
	out := map[string]string{}
	if set == nil {
		return out
	}
	for _, r := range set.Rules {
		if r.Response != "" {
			out[r.Name] = strings.TrimSpace(r.Response)
		}
	}
	return out
}
