package sigma

import (
	"encoding/base64"
	"fmt"
	"math"
	"net/netip"
	"regexp"
	"regexp/syntax"
	"strings"

	"go.yaml.in/yaml/v3"
)

// variant is one value an item compares the field with, after the
// modifiers expanded it (windash, base64offset and placeholders turn one
// rule value into several).
type variant struct {
	fn     func(Value) bool
	null   bool   // the value is null: an absent field matches too
	isEq   bool   // a plain string equality (no wildcard)
	eq     string // its literal, as written
	cased  bool
	needle string // a literal every matching value holds, or ""
}

// group is the variants of one rule value: they are alternatives.
type group []variant

// item compiles one "field|modifiers: values" entry (field "" with
// keyword set for keyword searches).
func (c *compiler) item(field string, modNames []string, values []*yaml.Node, keyword bool) (expr, error) {
	m, err := parseMods(c.ce, field, modNames)
	if err != nil {
		return nil, err
	}
	var info FieldInfo
	if keyword {
		if m.kind == kindExists || m.kind == kindFieldref {
			return nil, c.ce.invalid("keyword search with %s", strings.Join(m.list, "|"))
		}
		info, err = c.res.Resolve(KeywordsField)
		if err != nil {
			return nil, c.ce.unsupported("keyword search", err.Error())
		}
	} else if info, err = c.resolve(field); err != nil {
		return nil, err
	}
	// The modifiers appendix: "Single item values are not allowed to have
	// an all modifier as some back-ends cannot support it." A rule using
	// all to repeat a field in one selection needs a selection per value.
	if m.all && len(values) < 2 {
		what := fmt.Sprintf("field %q", field)
		if keyword {
			what = "keyword search"
		}
		return nil, c.ce.invalid("%s: all on a single value (line %d): all links two or more values with AND", what, values[0].Line)
	}
	it := &itemExpr{name: field, info: info, all: m.all, neg: m.neg, kind: m.kind}
	switch m.kind {
	case kindExists:
		if len(values) != 1 {
			return nil, c.ce.invalid("field %q: exists takes one boolean", field)
		}
		b, ok := yamlBool(values[0])
		if !ok {
			return nil, c.ce.invalid("field %q: exists takes true or false", field)
		}
		it.want = b
		return it, nil
	case kindFieldref:
		for _, v := range values {
			if IsNull(v) || strings.ContainsAny(v.Value, "*?") {
				return nil, c.ce.invalid("field %q: fieldref takes field names", field)
			}
			ref, err := c.resolve(v.Value)
			if err != nil {
				return nil, err
			}
			it.refs = append(it.refs, ref.ID)
		}
		it.refMode = refMode(m)
		it.refCased = m.cased
		return it, nil
	}
	for _, v := range values {
		g, err := c.values(field, v, m, keyword)
		if err != nil {
			return nil, err
		}
		it.groups = append(it.groups, g)
	}
	return it, nil
}

// values compiles one rule value into its variants.
func (c *compiler) values(field string, n *yaml.Node, m *itemMods, keyword bool) (group, error) {
	if IsNull(n) {
		if m.kind != kindString || len(m.list) > 0 && !(len(m.list) == 1 && m.neg) {
			return nil, c.ce.invalid("field %q: null cannot take modifiers %s", field, strings.Join(m.list, "|"))
		}
		return group{{fn: isNullValue, null: true}}, nil
	}
	switch m.kind {
	case kindRegexp:
		return c.regexpValue(field, n, m)
	case kindCIDR:
		return c.cidrValue(field, n)
	case kindCompare, kindTime:
		return c.compareValue(field, n, m)
	}
	// A bare number or boolean compares as one, not as text.
	if !keyword && !hasStringTransform(m) {
		switch n.ShortTag() {
		case "!!int", "!!float":
			if want, ok := ruleNumber(n); ok {
				return group{{fn: numberEqual(want, n.Value), needle: numberNeedle(n.Value)}}, nil
			}
		case "!!bool":
			b, _ := yamlBool(n)
			return group{{fn: boolEqual(b)}}, nil
		}
	}
	return c.stringValue(field, n, m, keyword)
}

// hasStringTransform reports modifiers that make a value a string.
func hasStringTransform(m *itemMods) bool {
	for _, name := range m.list {
		if modifiers[name] == modString || name == "cased" || name == "expand" {
			return true
		}
	}
	return false
}

// stringValue applies the string modifiers in order and compiles each
// resulting pattern.
func (c *compiler) stringValue(field string, n *yaml.Node, m *itemMods, keyword bool) (group, error) {
	texts := []string{n.Value}
	if m.has("expand") {
		var missing string
		var tooMany bool
		texts, missing, tooMany = expandPlaceholders(n.Value, c.opt.Placeholders)
		switch {
		case missing != "":
			return nil, c.ce.unsupported("placeholder", "%"+missing+"%")
		case tooMany:
			return nil, c.ce.unsupported("placeholder expansion", "too many values")
		}
	}
	pats := make([]pattern, 0, len(texts))
	for _, t := range texts {
		pats = append(pats, parseString(t))
	}
	for _, name := range m.list {
		var err error
		pats, err = c.transform(field, name, pats)
		if err != nil {
			return nil, err
		}
	}
	if keyword && !m.pos {
		for i := range pats {
			pats[i] = pats[i].contains()
		}
	}
	g := make(group, 0, len(pats))
	for _, p := range pats {
		p = p.normal()
		v := variant{fn: textValue(p.matcher(m.cased)), cased: m.cased, needle: patternNeedle(p)}
		if !p.wild() {
			v.isEq, v.eq = true, p.text()
		}
		g = append(g, v)
	}
	return g, nil
}

// transform applies one string modifier to every pattern.
func (c *compiler) transform(field, name string, pats []pattern) ([]pattern, error) {
	var out []pattern
	for _, p := range pats {
		switch name {
		case "contains":
			out = append(out, p.contains())
		case "startswith":
			out = append(out, p.startswith())
		case "endswith":
			out = append(out, p.endswith())
		case "windash":
			forms, ok := windash(p)
			if !ok || len(out)+len(forms) > maxVariants {
				return nil, c.ce.unsupported("windash expansion", "too many dashes in "+p.String())
			}
			out = append(out, forms...)
		case "base64", "base64offset", "utf16le", "wide", "utf16be", "utf16":
			if p.wild() {
				return nil, c.ce.invalid("field %q: %s of a value with wildcards (%s)", field, name, p.String())
			}
			s := p.text()
			switch name {
			case "base64":
				out = append(out, plain(base64.StdEncoding.EncodeToString([]byte(s))))
			case "base64offset":
				for _, f := range base64Offsets(s) {
					out = append(out, plain(f))
				}
			case "utf16le", "wide":
				out = append(out, plain(encodeUTF16(s, false, false)))
			case "utf16be":
				out = append(out, plain(encodeUTF16(s, true, false)))
			case "utf16":
				out = append(out, plain(encodeUTF16(s, false, true)))
			}
		default:
			out = append(out, p) // flags and expand were handled already
		}
	}
	return out, nil
}

// regexpValue compiles a re value with its flags and position modifiers.
func (c *compiler) regexpValue(field string, n *yaml.Node, m *itemMods) (group, error) {
	expr := n.Value
	start, end := m.has("startswith"), m.has("endswith")
	switch {
	case start && end:
		expr = "^(?:" + expr + ")$"
	case start:
		expr = "^(?:" + expr + ")"
	case end:
		expr = "(?:" + expr + ")$"
	}
	if m.re != "" {
		flags := ""
		for _, f := range "ims" {
			if strings.ContainsRune(m.re, f) {
				flags += string(f)
			}
		}
		expr = "(?" + flags + ")" + expr
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, c.ce.unsupported("regular expression", err.Error())
	}
	// regexp.Compile parsed it the same way.
	match := re.MatchString
	if tree, err := syntax.Parse(expr, syntax.Perl); err == nil {
		if filter := literalFilter(tree); filter != nil {
			match = func(s string) bool { return filter(s) && re.MatchString(s) }
		}
	}
	return group{{fn: textValue(match)}}, nil
}

// cidrValue compiles a network: a CIDR prefix, or one address.
func (c *compiler) cidrValue(field string, n *yaml.Node) (group, error) {
	s := strings.TrimSpace(n.Value)
	pfx, err := netip.ParsePrefix(s)
	if err != nil {
		a, aerr := netip.ParseAddr(s)
		if aerr != nil {
			return nil, c.ce.invalid("field %q: %q is no CIDR network", field, n.Value)
		}
		pfx = netip.PrefixFrom(a, a.BitLen())
	}
	pfx = pfx.Masked()
	return group{{fn: func(v Value) bool {
		if v.k != KindString {
			return false
		}
		a, ok := parseIP(v.s)
		return ok && pfx.Contains(a)
	}}}, nil
}

// parseIP reads an address as logs write it: bare, with a port, or in
// brackets; zones are dropped and IPv4-mapped IPv6 unmapped.
func parseIP(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, perr := netip.ParseAddrPort(s)
		if perr != nil {
			return netip.Addr{}, false
		}
		a = ap.Addr()
	}
	return a.WithZone("").Unmap(), true
}

// compareValue compiles gt/gte/lt/lte and the time parts.
func (c *compiler) compareValue(field string, n *yaml.Node, m *itemMods) (group, error) {
	want, ok := ruleNumber(n)
	if !ok {
		return nil, c.ce.invalid("field %q: %s takes a number, not %q", field, strings.Join(m.list, "|"), n.Value)
	}
	// order is cmp on the result of compareNumbers, an order against 0.
	cmp, order := compareFunc(m.cmp, want.f), compareFunc(m.cmp, 0)
	if m.kind == kindTime {
		part := timePart(m.time)
		return group{{fn: func(v Value) bool {
			t, ok := valueTime(v)
			return ok && cmp(float64(part(t)))
		}}}, nil
	}
	large := want.large()
	return group{{fn: func(v Value) bool {
		x, ok := v.Num()
		if !ok {
			return false
		}
		if large && math.Abs(x) >= exactFloat {
			c, ok := compareNumbers(valueNumber(v, x), want)
			return ok && order(float64(c))
		}
		return cmp(x)
	}}}, nil
}

func compareFunc(op string, want float64) func(float64) bool {
	switch op {
	case "gt":
		return func(x float64) bool { return x > want }
	case "gte":
		return func(x float64) bool { return x >= want }
	case "lt":
		return func(x float64) bool { return x < want }
	case "lte":
		return func(x float64) bool { return x <= want }
	}
	return func(x float64) bool { return x == want }
}

// textValue lifts a test on text to values: strings, and the text of
// numbers and booleans. Null never matches a string.
func textValue(m func(string) bool) func(Value) bool {
	return func(v Value) bool {
		switch v.k {
		case KindString:
			return m(v.s)
		case KindNumber, KindBool:
			return m(v.Text())
		}
		return false
	}
}

func isNullValue(v Value) bool { return v.k == KindNull }

// numberEqual matches a number numerically and a string by its text or
// numeric value. Equal float64s are equal numbers unless want is beyond
// 2^53, where the texts decide (see exactFloat).
func numberEqual(want number, text string) func(Value) bool {
	large := want.large()
	return func(v Value) bool {
		switch v.k {
		case KindNumber:
			return v.n == want.f && (!large || sameNumber(v, v.n, want))
		case KindString:
			if v.s == text {
				return true
			}
			f, ok := parseNumber(v.s)
			return ok && f == want.f && (!large || sameNumber(v, f, want))
		}
		return false
	}
}

// sameNumber compares a field value, whose float64 is f, exactly with want.
func sameNumber(v Value, f float64, want number) bool {
	c, ok := compareNumbers(valueNumber(v, f), want)
	return ok && c == 0
}

func boolEqual(want bool) func(Value) bool {
	return func(v Value) bool {
		b, ok := v.Bool()
		return ok && b == want
	}
}

func yamlBool(n *yaml.Node) (bool, bool) {
	if n == nil || n.Kind != yaml.ScalarNode {
		return false, false
	}
	switch strings.ToLower(n.Value) {
	case "true", "yes", "on":
		return true, n.ShortTag() == "!!bool" || strings.EqualFold(n.Value, "true")
	case "false", "no", "off":
		return false, n.ShortTag() == "!!bool" || strings.EqualFold(n.Value, "false")
	}
	return false, false
}
