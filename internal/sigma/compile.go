package sigma

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Options tune compilation.
type Options struct {
	// Placeholders gives the values of expand placeholders, by name without
	// the percent signs. A rule using a placeholder not given here is
	// refused (*UnsupportedError, feature "placeholder").
	Placeholders map[string][]string
}

// Compiled is a detection rule ready to evaluate. It is immutable and safe
// for concurrent use; the Fields passed to Match belong to the caller.
type Compiled struct {
	Rule *Rule

	match    func(Fields) bool
	filters  []func(Fields) bool // exclusions attached by ApplyFilters
	required map[string][]string
	tests    map[string]func(Value) bool // see ValueTest
	possible possible                    // see MayMatch
	needles  [][]string
	root     expr // the condition, for NeedlesWhere
	// refreshed: the condition or a filter reads a field marked
	// FieldInfo.Refreshed.
	refreshed bool
}

// Match evaluates the rule against an event.
func (c *Compiled) Match(f Fields) bool {
	if !c.match(f) {
		return false
	}
	for _, excluded := range c.filters {
		if excluded(f) {
			return false
		}
	}
	return true
}

// Required returns the values (lower case, trimmed) one of which the
// field indexed under index must equal for the rule to match, sorted; ok
// is false when the rule does not constrain that index. An empty list
// with ok means the rule can never match. A rule constrains an index
// when every way its condition can hold includes an item "field: value"
// or "field: [values]" (no wildcard, no modifier but cased) on a field the
// resolver marked with that index; negations and keyword searches
// constrain nothing.
func (c *Compiled) Required(index string) (values []string, ok bool) {
	values, ok = c.required[index]
	return values, ok
}

// Operations returns Required("operation"): the operation names an engine
// can index the rule under (nil, false when the rule needs no particular
// operation).
func (c *Compiled) Operations() ([]string, bool) { return c.Required("operation") }

// Needles returns literal strings the record's text must contain for the
// rule to match: a conjunction of disjunctions (every group must have one
// member present), each needle lower case, to be searched for in the
// record's raw bytes with NeedleIn. A needle comes from an item that
// must hold for the rule to match (not under a not, not neq), on a field
// the resolver marks Verbatim (or the keywords), whose every value is a
// string or integer compared by equality, wildcard, contains, startswith,
// endswith (after windash, base64, base64offset and UTF-16 transforms):
// the needle is the longest run (at least 3 bytes) of the value's literal
// text made of ASCII letters, digits, space and -_.:;,=@#$%!?*()[]{}|~^/
// (bytes no JSON writer escapes). No needle is derived from regular
// expressions, CIDR, comparisons, fieldref, exists, null, booleans, or a
// value whose literal text has no such run; an OR contributes a group
// only when each branch does (its most selective group). Nil means none
// derivable.
func (c *Compiled) Needles() [][]string { return c.needles }

// Refreshed reports whether the rule, or a filter attached to it, reads
// a field its resolver marked FieldInfo.Refreshed: only such a rule can
// match differently once the event's enrichment is refreshed.
func (c *Compiled) Refreshed() bool { return c.refreshed }

// compiler holds one rule's compilation state.
type compiler struct {
	ce        compileError
	res       Resolver
	opt       Options
	refreshed bool // a field resolved is FieldInfo.Refreshed
}

func (c *compiler) resolve(name string) (FieldInfo, error) {
	if name == "" {
		return FieldInfo{}, c.ce.invalid("empty field name")
	}
	info, err := c.res.Resolve(name)
	if err != nil {
		return FieldInfo{}, &FieldError{Rule: c.ce.rule, Field: name, Err: err}
	}
	c.refreshed = c.refreshed || info.Refreshed
	return info, nil
}

// Compile compiles a detection rule's condition against the resolver's
// fields. The error is an *UnsupportedError, *RuleError or *FieldError
// naming the rule.
func Compile(r *Rule, res Resolver, opt *Options) (*Compiled, error) {
	c := &compiler{ce: compileError{rule: r.Ref()}, res: res}
	if opt != nil {
		c.opt = *opt
	}
	if r.Kind != KindDetection {
		return nil, c.ce.invalid("a %s document is not a detection rule", r.Kind)
	}
	root, err := c.detection(r.Detection)
	if err != nil {
		return nil, err
	}
	out := &Compiled{Rule: r, match: root.eval(), required: map[string][]string{}, refreshed: c.refreshed, root: root}
	for idx, vals := range required(root) {
		out.required[idx] = slices.Sorted(maps.Keys(vals))
	}
	out.needles = normalNeedles(needles(root))
	out.tests = valueTests(root)
	out.possible = possibleOf(root)
	return out, nil
}

// detection compiles every search identifier, then the conditions.
func (c *compiler) detection(d Detection) (expr, error) {
	p := &condParser{ce: c.ce, search: map[string]expr{}}
	for _, s := range d.Searches {
		x, err := c.search(s)
		if err != nil {
			return nil, err
		}
		p.search[s.Name] = x
		p.order = append(p.order, s.Name)
	}
	var alts []expr
	for _, cond := range d.Conditions {
		toks, err := tokenize(c.ce, cond)
		if err != nil {
			return nil, err
		}
		p.toks, p.pos, p.depth = toks, 0, 0
		x, err := p.parse()
		if err != nil {
			return nil, err
		}
		alts = append(alts, x)
	}
	if len(alts) == 1 {
		return alts[0], nil
	}
	return &orExpr{xs: alts}, nil
}

// search compiles one search identifier: a map (AND of its fields), a
// list of maps (OR), a list of strings (keywords, OR) or one string.
func (c *compiler) search(s Search) (expr, error) {
	n := Deref(s.Node)
	switch {
	case IsNull(n):
		return nil, c.ce.invalid("search identifier %q is empty", s.Name)
	case n.Kind == yaml.MappingNode:
		return c.mapping(s.Name, n)
	case n.Kind == yaml.ScalarNode:
		return c.item("", nil, []*yaml.Node{n}, true)
	case n.Kind != yaml.SequenceNode || len(n.Content) == 0:
		return nil, c.ce.invalid("search identifier %q must be a map or a list", s.Name)
	}
	var alts []expr
	var words []*yaml.Node
	for _, e := range n.Content {
		e = Deref(e)
		switch {
		case e == nil:
			return nil, c.ce.invalid("search identifier %q: bad list entry", s.Name)
		case e.Kind == yaml.MappingNode:
			x, err := c.mapping(s.Name, e)
			if err != nil {
				return nil, err
			}
			alts = append(alts, x)
		case e.Kind == yaml.ScalarNode && !IsNull(e):
			words = append(words, e)
		default:
			return nil, c.ce.invalid("search identifier %q: lists hold strings or maps", s.Name)
		}
	}
	if len(words) > 0 {
		x, err := c.item("", nil, words, true)
		if err != nil {
			return nil, err
		}
		alts = append(alts, x)
	}
	if len(alts) == 1 {
		return alts[0], nil
	}
	return &orExpr{xs: alts}, nil
}

// mapping compiles "field|modifiers: values" entries linked with AND.
func (c *compiler) mapping(name string, n *yaml.Node) (expr, error) {
	if len(n.Content) == 0 {
		return nil, c.ce.invalid("search identifier %q is an empty map", name)
	}
	var xs []expr
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := Deref(n.Content[i]), Deref(n.Content[i+1])
		if k == nil || k.Kind != yaml.ScalarNode {
			return nil, c.ce.invalid("search identifier %q: field names must be strings", name)
		}
		values, err := c.valueList(k.Value, v)
		if err != nil {
			return nil, err
		}
		field, mods := splitKey(k.Value)
		x, err := c.item(field, mods, values, field == "" && len(mods) > 0)
		if err != nil {
			return nil, err
		}
		xs = append(xs, x)
	}
	if len(xs) == 1 {
		return xs[0], nil
	}
	return &andExpr{xs: xs}, nil
}

// valueList returns an entry's values: one scalar or a list of scalars.
func (c *compiler) valueList(key string, v *yaml.Node) ([]*yaml.Node, error) {
	switch {
	case v == nil:
		return nil, c.ce.invalid("field %q: bad value", key)
	case v.Kind == yaml.ScalarNode:
		return []*yaml.Node{v}, nil
	case v.Kind != yaml.SequenceNode:
		return nil, c.ce.invalid("field %q: a value must be a scalar or a list of scalars", key)
	case len(v.Content) == 0:
		return nil, c.ce.invalid("field %q: empty list of values", key)
	}
	out := make([]*yaml.Node, 0, len(v.Content))
	for _, e := range v.Content {
		e = Deref(e)
		switch {
		case e == nil || e.Kind != yaml.ScalarNode:
			return nil, c.ce.invalid("field %q: a list of values must hold scalars", key)
		case IsNull(e):
			// The rules specification: "null cannot be part of a list of
			// field values as it is its own type". `field: null` alone, in
			// a selection of its own, says it.
			return nil, c.ce.invalid("field %q: null in a list of values (line %d): null must be the field's only value, in a selection of its own", key, e.Line)
		}
		out = append(out, e)
	}
	return out, nil
}

// String describes the compiled rule's engine hints, for debugging.
func (c *Compiled) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s", c.Rule.Ref())
	for _, idx := range slices.Sorted(maps.Keys(c.required)) {
		fmt.Fprintf(&b, " %s=%v", idx, c.required[idx])
	}
	if len(c.needles) > 0 {
		fmt.Fprintf(&b, " needles=%v", c.needles)
	}
	return b.String()
}
