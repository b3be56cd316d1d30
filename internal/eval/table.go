package eval

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/plural"
	"github.com/mamori-sec/mamori/internal/report"
	"github.com/mamori-sec/mamori/internal/simulate"
)

// Command is the command line that reproduces the report.
func (r *Report) Command() string {
	c := fmt.Sprintf("mamori eval --tenants %d --seed %d --days %d --tenant-size %s", r.Tenants, r.Seed, r.Days, r.Size) + shapeFlag(r.Shape) + osFlag(r.MachineOS)
	for _, d := range r.RuleDirs {
		c += " --rules " + shellWord(d)
	}
	if r.Together > 1 {
		c += fmt.Sprintf(" --together %d", r.Together)
	}
	return c
}

// shellWord quotes a path for a shell when it holds more than letters,
// digits and / . _ - : the command is to be pasted.
func shellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// osFlag is the --machine-os flag that asks for the attackers' machines'
// system, "" when it is drawn.
func osFlag(os string) string {
	if os == "" {
		return ""
	}
	return " --machine-os " + os
}

// shapeFlag is the --shape flag that asks for the Activity Log's shape,
// "" for the default one.
func shapeFlag(shape string) string {
	if shape == "" || shape == simulate.ShapeRecords {
		return ""
	}
	return " --shape " + shape
}

// WriteTable writes the scores as an aligned text table for a terminal,
// then the totals and the notes.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	// AlignRight aligns numbers; the rule and remark columns are padded by
	// the trailing tab so they still read left to right.
	fmt.Fprintln(tw, "RULE\tTP\tFP\tFN\tPRECISION\tRECALL\tMEAN TTA\tMAX TTA\t")
	for _, s := range r.Rules {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.2f\t%.2f\t%s\t%s\t\n", label(s), s.TP, s.FP, s.FN, s.Precision, s.Recall,
			duration(s.MeanTimeToAlert, s.TP), duration(s.MaxTimeToAlert, s.TP))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if _, err := fmt.Fprintf(w, "\n%s\n%s\n", r.summary(), r.byScenario(func(s string) string { return s })); err != nil {
		return err
	}
	for _, s := range r.Rules {
		if g := gap(s); g != "" {
			fmt.Fprintf(w, "  %s: %s\n", label(s), g)
		}
	}
	if len(r.Unexercised) > 0 {
		fmt.Fprintf(w, "\n%s\n", unexercised(r.Unexercised, func(s string) string { return s }))
	}
	if len(r.Notes) > 0 {
		fmt.Fprintln(w, "\nNotes:")
	}
	for _, n := range r.Notes {
		if _, err := fmt.Fprintf(w, "  %s\n", n); err != nil {
			return err
		}
	}
	return nil
}

// Markdown renders the report for docs/detections.md: the command that
// made it, the table, the totals and where a rule falls short of the goal.
func (r *Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Measured with `%s`.\n\n", r.Command())
	b.WriteString("| Rule | TP | FP | FN | Precision | Recall | Mean time to alert | Max time to alert |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, s := range r.Rules {
		fmt.Fprintf(&b, "| `%s` | %d | %d | %d | %.2f | %.2f | %s | %s |\n", label(s), s.TP, s.FP, s.FN, s.Precision, s.Recall,
			duration(s.MeanTimeToAlert, s.TP), duration(s.MaxTimeToAlert, s.TP))
	}
	fmt.Fprintf(&b, "\n%s\n\n%s\n", r.summary(), r.byScenario(func(s string) string { return "`" + s + "`" }))
	var short []string
	for _, s := range r.Rules {
		if g := gap(s); g != "" {
			short = append(short, fmt.Sprintf("- `%s`: %s", label(s), g))
		}
	}
	if len(short) > 0 {
		b.WriteString("\nShort of the goal (recall 1.0, no false positive):\n\n")
		b.WriteString(strings.Join(short, "\n"))
		b.WriteString("\n")
	}
	if len(r.Unexercised) > 0 {
		fmt.Fprintf(&b, "\n%s\n", unexercised(r.Unexercised, func(s string) string { return "`" + s + "`" }))
	}
	return b.String()
}

// unexercised says which rules the evaluation did not measure: no
// simulated attack makes them fire, and none fired on any tenant.
func unexercised(names []string, quote func(string) string) string {
	qs := make([]string, len(names))
	for i, n := range names {
		qs[i] = quote(report.Terminal(n))
	}
	return fmt.Sprintf("Not measured here: %s no simulated attack makes fire, quiet on every tenant's background and twins: %s. "+
		"Their recall is measured only by their rule scenarios (rules/*/testdata, go test ./internal/scenario).",
		plural.Count(len(names), "rule", "rules"), strings.Join(qs, ", "))
}

// byScenario says how many attacks of each scenario were drawn and
// caught: a scenario drawn in no tenant measured nothing.
func (r *Report) byScenario(quote func(string) string) string {
	parts := make([]string, len(r.Scenarios))
	for i, s := range r.Scenarios {
		parts[i] = fmt.Sprintf("%s %d of %d", quote(s.Scenario), s.Caught, s.Attacks)
	}
	if len(parts) == 0 {
		return "Attacks caught by scenario: none drawn."
	}
	return "Attacks caught by scenario: " + strings.Join(parts, ", ") + "."
}

// summary is the totals line.
func (r *Report) summary() string {
	size := r.Size
	if shapeFlag(r.Shape) != "" {
		size += ", Activity Log as " + r.Shape
	}
	if r.MachineOS != "" {
		size += ", the attackers' machines " + r.MachineOS
	}
	if len(r.RuleDirs) > 0 {
		size += ", with the rules in " + strings.Join(r.RuleDirs, ", ")
	}
	if r.Together > 1 {
		size += fmt.Sprintf(", hunted %d at a time, %s placed in no tenant", r.Together, plural.Count(r.Unplaced, "alert", "alerts"))
	}
	return fmt.Sprintf("%d tenants (seed %d, %d days, %s): %d attacks, %d benign twins; %d of the attacks in an incident at high or critical; %d false incidents at high or critical; %d attack incidents holding people no attack used; %s of what to do, acting on %d of the %d things the attacks did and on %d no attack did.",
		r.Tenants, r.Seed, r.Days, size, r.Attacks, r.Twins, r.Caught, r.FalseIncidents, r.Mixed, plural.Count(r.Plans, "plan", "plans"), r.PlanActs-r.PlanMissed, r.PlanActs, r.PlanWrong)
}

// label names a rule for people as the hunt's table does
// (report.RuleLabel): its name, or for a rule named only by its id
// (SigmaHQ's have no name) its title, here with the id's first part, for
// titles may repeat. A title is the rule file's text: escaped for the
// terminal.
func label(s RuleScore) string {
	l := report.RuleLabel(&alert.Alert{Rule: s.Rule, Title: s.Title})
	if l == s.Rule {
		return l
	}
	id, _, _ := strings.Cut(s.Rule, "-")
	// No backquote: the Markdown table sets the label in one.
	return report.Terminal(strings.ReplaceAll(l, "`", "'")) + " (" + id + ")"
}

// gap says how a rule falls short of the goal, or "" when it does not.
func gap(s RuleScore) string {
	var parts []string
	if len(s.Missed) > 0 {
		parts = append(parts, "missed "+strings.Join(s.Missed, ", "))
	}
	if len(s.FiredOn) > 0 {
		parts = append(parts, "fired on "+strings.Join(s.FiredOn, ", "))
	}
	return strings.Join(parts, "; ")
}

// duration prints a time to alert to the minute, or "-" when the rule
// never fired on an attack.
func duration(d time.Duration, fired int) string {
	if fired == 0 {
		return "-"
	}
	if d < time.Minute {
		return d.Round(time.Second).String()
	}
	// Duration.String writes 2h0m0s; 2h reads better.
	s := strings.TrimSuffix(d.Round(time.Minute).String(), "0s")
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
