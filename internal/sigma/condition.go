package sigma

import (
	"strconv"
	"strings"
)

// maxDepth bounds condition nesting so that a crafted rule cannot exhaust
// the stack.
const maxDepth = 100

// condParser parses a condition: or, and, not (least to most binding),
// "x of pattern", parentheses and search identifiers.
type condParser struct {
	ce     compileError
	toks   []string
	pos    int
	depth  int
	search map[string]expr
	order  []string // search identifiers in file order, for "of" expansion
}

// tokenize splits a condition into words and parentheses. The pipe of
// Sigma 1 aggregations ("selection | count() > 5") is refused here.
func tokenize(ce compileError, s string) ([]string, error) {
	var toks []string
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')':
			toks = append(toks, s[i:i+1])
			i++
		case c == '|':
			return nil, ce.unsupported("aggregation", strings.TrimSpace(s[i:]))
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n\r()|", rune(s[j])) {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		}
	}
	if len(toks) == 0 {
		return nil, ce.invalid("empty condition")
	}
	for _, t := range toks {
		if strings.EqualFold(t, "near") {
			return nil, ce.unsupported("near", "the Sigma 1 near operator")
		}
	}
	return toks, nil
}

func (p *condParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *condParser) keyword(w string) bool { return strings.EqualFold(p.peek(), w) }

func (p *condParser) parse() (expr, error) {
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		return nil, p.ce.invalid("condition: unexpected %q", p.toks[p.pos])
	}
	return e, nil
}

func (p *condParser) or() (expr, error) {
	return p.chain("or", p.and, func(xs []expr) expr { return &orExpr{xs: xs} })
}

func (p *condParser) and() (expr, error) {
	return p.chain("and", p.not, func(xs []expr) expr { return &andExpr{xs: xs} })
}

// chain parses operands joined by one binary operator.
func (p *condParser) chain(op string, operand func() (expr, error), join func([]expr) expr) (expr, error) {
	x, err := operand()
	if err != nil {
		return nil, err
	}
	xs := []expr{x}
	for p.keyword(op) {
		p.pos++
		y, err := operand()
		if err != nil {
			return nil, err
		}
		xs = append(xs, y)
	}
	if len(xs) == 1 {
		return x, nil
	}
	return join(xs), nil
}

func (p *condParser) not() (expr, error) {
	if !p.keyword("not") {
		return p.primary()
	}
	p.pos++
	if p.depth++; p.depth > maxDepth {
		return nil, p.ce.invalid("condition nested too deeply")
	}
	defer func() { p.depth-- }()
	x, err := p.not()
	if err != nil {
		return nil, err
	}
	return &notExpr{x: x}, nil
}

func (p *condParser) primary() (expr, error) {
	t := p.peek()
	switch {
	case t == "":
		return nil, p.ce.invalid("condition ends early")
	case t == "(":
		p.pos++
		if p.depth++; p.depth > maxDepth {
			return nil, p.ce.invalid("condition nested too deeply")
		}
		x, err := p.or()
		p.depth--
		if err != nil {
			return nil, err
		}
		if p.peek() != ")" {
			return nil, p.ce.invalid("condition: missing )")
		}
		p.pos++
		return x, nil
	case t == ")":
		return nil, p.ce.invalid("condition: unexpected )")
	case isReserved(t):
		return nil, p.ce.invalid("condition: unexpected %q", t)
	}
	if p.pos+1 < len(p.toks) && strings.EqualFold(p.toks[p.pos+1], "of") {
		return p.quantified()
	}
	p.pos++
	x, ok := p.search[t]
	if !ok {
		return nil, p.ce.invalid("condition names %q, which is no search identifier", t)
	}
	return x, nil
}

func isReserved(w string) bool {
	switch strings.ToLower(w) {
	case "and", "or", "not", "of", "them", "near":
		return true
	}
	return false
}

// quantified parses "1 of x", "any of x", "all of x", "N of x" where x is
// "them" (every identifier not starting with _) or a pattern with *.
func (p *condParser) quantified() (expr, error) {
	q := strings.ToLower(p.toks[p.pos])
	p.pos += 2
	target := p.peek()
	if target == "" || target == "(" || target == ")" {
		return nil, p.ce.invalid("condition: %s of what?", q)
	}
	p.pos++
	var xs []expr
	match := identPattern(target)
	for _, name := range p.order {
		if match(name) {
			xs = append(xs, p.search[name])
		}
	}
	if len(xs) == 0 {
		return nil, p.ce.invalid("condition: %q matches no search identifier", target)
	}
	n := 0
	switch q {
	case "all":
		n = len(xs)
	case "any":
		n = 1
	default:
		v, err := strconv.Atoi(q)
		if err != nil || v < 1 {
			return nil, p.ce.invalid("condition: %q of: expected 1, any, all or a count", q)
		}
		n = v
	}
	switch {
	case n > len(xs):
		// More than exist can never hold; say so rather than never match.
		return nil, p.ce.invalid("condition: %d of %q, which matches %d identifiers", n, target, len(xs))
	case len(xs) == 1:
		return xs[0], nil
	case n == len(xs):
		return &andExpr{xs: xs}, nil
	case n == 1:
		return &orExpr{xs: xs}, nil
	}
	return &atLeastExpr{n: n, xs: xs}, nil
}

// identPattern returns the test for an "of" target: "them" takes every
// identifier not starting with _, a pattern knows only the * wildcard and
// is case-sensitive, as identifiers are.
func identPattern(target string) func(string) bool {
	if strings.EqualFold(target, "them") {
		return func(name string) bool { return !strings.HasPrefix(name, "_") }
	}
	var p pattern
	for i, part := range strings.Split(target, "*") {
		if i > 0 {
			p = append(p, token{k: tStar})
		}
		if part != "" {
			p = append(p, token{k: tLit, s: part})
		}
	}
	return p.matcher(true)
}
