package rules

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// EvaluationHeading starts the part of docs/detections.md that is not
// generated from the rules: the evaluation table (`mamori eval
// --update-doc`) and the prose that explains it.
const EvaluationHeading = "## Evaluation on simulated tenants"

// evaluationAnchor is the heading's link target as Markdown renderers make it.
const evaluationAnchor = "evaluation-on-simulated-tenants"

// EvaluationSection returns the evaluation part of an existing
// docs/detections.md (from EvaluationHeading to the end), or nil.
func EvaluationSection(doc []byte) []byte {
	i := bytes.Index(doc, []byte("\n"+EvaluationHeading+"\n"))
	if i < 0 {
		return nil
	}
	return doc[i+1:]
}

// Markdown renders the catalogue as docs/detections.md: one section per
// rule, generated from the rule files so the documentation cannot drift
// from what runs, then evaluation (EvaluationSection of the current file)
// kept as it is.
func Markdown(s *Set, evaluation []byte) []byte {
	var b bytes.Buffer
	b.WriteString("# Detections\n\n")
	b.WriteString("Generated from the rule files under `rules/` by `go test ./internal/rules -run TestDetectionsDoc -update`; do not edit by hand, except the last section.\n")
	fmt.Fprintf(&b, "How each rule scores on simulated tenants (true and false positives, recall, time to alert) is in [the last section](#%s), with the command that made it.\n\n", evaluationAnchor)
	var rs []*Rule
	for _, r := range s.Rules {
		if r.Status == Compiled || r.Status == Correlation {
			rs = append(rs, r)
		}
	}
	slices.SortFunc(rs, func(a, b *Rule) int {
		return cmp.Or(cmp.Compare(stageIndex(a.Stage), stageIndex(b.Stage)), cmp.Compare(a.Name, b.Name))
	})
	b.WriteString("| rule | level | stage | kind | title |\n|---|---|---|---|---|\n")
	for _, r := range rs {
		fmt.Fprintf(&b, "| [`%s`](#%s) | %s | %s | %s | %s |\n", r.Name, anchor(r.Name), r.Sigma.Level, dash(r.Stage), r.Sigma.Kind, cell(r.Sigma.Title))
	}
	for _, r := range rs {
		d := r.Sigma
		fmt.Fprintf(&b, "\n## %s\n\n**%s** — level %s, version %d, `%s`\n\n", r.Name, d.Title, dash(d.Level), r.Version, strings.TrimPrefix(r.Source, "builtin:"))
		if d.Description != "" {
			b.WriteString(strings.TrimSpace(d.Description) + "\n\n")
		}
		if len(d.Tags) > 0 {
			fmt.Fprintf(&b, "ATT&CK: %s\n\n", strings.Join(d.Tags, ", "))
		}
		if len(d.FalsePositives) > 0 {
			b.WriteString("False positives:\n")
			for _, fp := range d.FalsePositives {
				fmt.Fprintf(&b, "- %s\n", strings.TrimSpace(fp))
			}
			b.WriteString("\n")
		}
		if r.Response != "" {
			b.WriteString("Response:\n\n")
			for _, l := range strings.Split(strings.TrimSpace(r.Response), "\n") {
				b.WriteString("> " + l + "\n")
			}
			b.WriteString("\n")
		}
	}
	if len(evaluation) > 0 {
		b.WriteString("\n")
		b.Write(evaluation)
	}
	return b.Bytes()
}

func stageIndex(s string) int {
	if i := slices.Index(Stages, s); i >= 0 {
		return i
	}
	return len(Stages)
}

func anchor(name string) string { return strings.ReplaceAll(name, ".", "") }

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func cell(s string) string { return strings.ReplaceAll(s, "|", "\\|") }
