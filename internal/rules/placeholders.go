package rules

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/mamori-sec/mamori/internal/sigma"
)

// Placeholders are a Sigma rule's values left to whoever runs it
// (`Initiated.By|expand: '%ApprovedUserUpn%'`): SigmaHQ keeps such rules
// in rules-placeholder, for the approved admins, known countries and
// important apps of each tenant. pySigma takes their values from a
// processing pipeline's vars (sigma-cli's -p FILE); mamori reads the same
// file among the rules (--rules FILE or a folder holding it), so one file
// serves both, and uses its vars alone: mamori maps fields itself, so a
// pipeline's transformations are not applied (Values.Ignored says so).
//
//	vars:
//	  ApprovedUserUpn: [admin@contoso.example, ops-*@contoso.example]
//	  Known_Location: DE
//
// A value is a Sigma string, its * and ? wildcards as in a rule. A rule
// whose placeholder no file gives stays unsupported, as the specification
// asks, saying where its values go.

// Values is one file of placeholder values.
type Values struct {
	Name    string // the file's name, as a rule without one is named
	Source  string
	Line    int                 // the document's first line
	Vars    map[string][]string // by name, without the percent signs
	Ignored int                 // the pipeline's transformations, not applied
	Err     error               // why the file's values are not used
}

// Names returns the placeholders the file gives, sorted.
func (v *Values) Names() []string { return slices.Sorted(maps.Keys(v.Vars)) }

// valuesDoc reads a file as placeholder values: one YAML document, a
// mapping with vars and none of a rule's detection, correlation or filter.
// It returns nil for any other file (a rule), which is parsed as one; a
// values file whose vars are not what a placeholder takes returns its
// error in Values.Err.
func valuesDoc(source string, b []byte) (v *Values) {
	defer func() {
		if p := recover(); p != nil { // third-party decoder, attacker's text
			v = nil
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var doc yaml.Node
	if dec.Decode(&doc) != nil || len(doc.Content) == 0 {
		return nil
	}
	var more yaml.Node
	if dec.Decode(&more) != io.EOF { // several documents: a rule file
		return nil
	}
	m := doc.Content[0]
	if m.Kind != yaml.MappingNode {
		return nil
	}
	var vars, transforms *yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		switch m.Content[i].Value {
		case "detection", "correlation", "filter":
			return nil
		case "vars":
			vars = m.Content[i+1]
		case "transformations":
			transforms = m.Content[i+1]
		}
	}
	if vars == nil {
		return nil
	}
	v = &Values{Name: fileName(source), Source: source, Line: m.Line, Vars: map[string][]string{}}
	if transforms != nil && transforms.Kind == yaml.SequenceNode {
		for _, t := range transforms.Content {
			if transformType(t) != "value_placeholders" { // what mamori does with vars
				v.Ignored++
			}
		}
	}
	if vars.Kind != yaml.MappingNode {
		if !sigma.IsNull(vars) {
			v.Err = fmt.Errorf("line %d: vars: want a mapping of placeholder names to values", vars.Line)
		}
		return v
	}
	var errs []error
	for i := 0; i+1 < len(vars.Content); i += 2 {
		k, val := vars.Content[i], vars.Content[i+1]
		name := strings.Trim(k.Value, "%")
		if k.Kind != yaml.ScalarNode || name == "" || strings.Contains(name, "%") {
			errs = append(errs, fmt.Errorf("line %d: vars: %q is not a placeholder's name", k.Line, k.Value))
			continue
		}
		if _, dup := v.Vars[name]; dup {
			errs = append(errs, fmt.Errorf("line %d: vars: %s is given twice", k.Line, name))
			continue
		}
		list, err := scalars(val)
		if err != nil {
			errs = append(errs, fmt.Errorf("line %d: vars: %s: %w", val.Line, name, err))
			continue
		}
		v.Vars[name] = list
	}
	v.Err = errors.Join(errs...)
	return v
}

// transformType is a pipeline transformation's type.
func transformType(t *yaml.Node) string {
	if t.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(t.Content); i += 2 {
			if t.Content[i].Value == "type" {
				return t.Content[i+1].Value
			}
		}
	}
	return ""
}

// scalars reads a placeholder's value: one scalar or a list of them.
// An empty list gives no value, which leaves the placeholder unknown.
func scalars(n *yaml.Node) ([]string, error) {
	items := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		items = n.Content
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		if it.Kind != yaml.ScalarNode || sigma.IsNull(it) {
			return nil, errors.New("want a value or a list of values (text or numbers)")
		}
		out = append(out, it.Value)
	}
	if len(out) == 0 {
		return nil, errors.New("an empty list: give at least one value")
	}
	return out, nil
}

// placeholders merges the files' values; a name two files give is an
// error of the later file, whose values are then not used, as a rule
// name taken twice is.
func (s *Set) placeholders() map[string][]string {
	all := map[string][]string{}
	by := map[string]string{}
	for _, v := range s.Values {
		if v.Err != nil {
			continue
		}
		for _, name := range v.Names() {
			if prev, ok := by[name]; ok {
				v.Err = fmt.Errorf("vars: %s is also given by %s", name, prev)
				break
			}
		}
		if v.Err != nil {
			continue
		}
		for name, vals := range v.Vars {
			all[name], by[name] = vals, v.Source
		}
	}
	return all
}

// placeholderHint says where a missing placeholder's values go.
func placeholderHint(err error) error {
	var u *sigma.UnsupportedError
	if errors.As(err, &u) && u.Feature == "placeholder" {
		return fmt.Errorf("%w (give its values under vars: in a YAML file passed with --rules, as a pySigma pipeline gives them)", err)
	}
	return err
}
