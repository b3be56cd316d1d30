package sigma

import (
	"strings"
	"unicode/utf8"
)

// A pattern is a Sigma string after escape processing: literal text and
// the wildcards * (any run) and ? (one character).
type tokKind uint8

const (
	tLit tokKind = iota
	tStar
	tOne
)

type token struct {
	k tokKind
	s string // the text of a literal
}

type pattern []token

// parseString applies the specification's escape rules: \* and \? are
// literal wildcards, \\ is one backslash, and a backslash before anything
// else is itself.
func parseString(s string) pattern {
	var p pattern
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			p = append(p, token{k: tLit, s: b.String()})
			b.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 < len(s) && (s[i+1] == '*' || s[i+1] == '?' || s[i+1] == '\\') {
				b.WriteByte(s[i+1])
				i++
			} else {
				b.WriteByte(c)
			}
		case '*':
			flush()
			p = append(p, token{k: tStar})
		case '?':
			flush()
			p = append(p, token{k: tOne})
		default:
			b.WriteByte(c)
		}
	}
	flush()
	return p
}

// plain returns a pattern of one literal (or none for "").
func plain(s string) pattern {
	if s == "" {
		return nil
	}
	return pattern{{k: tLit, s: s}}
}

// wild reports whether p holds a wildcard.
func (p pattern) wild() bool {
	for _, t := range p {
		if t.k != tLit {
			return true
		}
	}
	return false
}

// text returns the literal text of a pattern without wildcards.
func (p pattern) text() string {
	var b strings.Builder
	for _, t := range p {
		b.WriteString(t.s)
	}
	return b.String()
}

// normal merges adjacent literals and runs of stars.
func (p pattern) normal() pattern {
	var out pattern
	for _, t := range p {
		n := len(out)
		switch {
		case t.k == tLit && t.s == "":
		case t.k == tLit && n > 0 && out[n-1].k == tLit:
			out[n-1].s += t.s
		case t.k == tStar && n > 0 && out[n-1].k == tStar:
		default:
			out = append(out, t)
		}
	}
	return out
}

func (p pattern) startsStar() bool { return len(p) > 0 && p[0].k == tStar }
func (p pattern) endsStar() bool   { return len(p) > 0 && p[len(p)-1].k == tStar }

// contains wraps p in stars, as the contains modifier does.
func (p pattern) contains() pattern { return p.startswith().endswith() }

func (p pattern) startswith() pattern {
	if p.endsStar() {
		return p
	}
	return append(append(pattern{}, p...), token{k: tStar})
}

func (p pattern) endswith() pattern {
	if p.startsStar() {
		return p
	}
	return append(pattern{{k: tStar}}, p...)
}

// String writes p back in Sigma syntax, for messages.
func (p pattern) String() string {
	var b strings.Builder
	for _, t := range p {
		switch t.k {
		case tStar:
			b.WriteByte('*')
		case tOne:
			b.WriteByte('?')
		default:
			for i := 0; i < len(t.s); i++ {
				if c := t.s[i]; c == '*' || c == '?' || c == '\\' {
					b.WriteByte('\\')
				}
				b.WriteByte(t.s[i])
			}
		}
	}
	return b.String()
}

// matcher compiles p into a test on text, choosing the cheapest form:
// equality, prefix, suffix, contains, a chain of literals between stars,
// or (with ?) a rune-level glob.
func (p pattern) matcher(cased bool) func(string) bool {
	p = p.normal()
	n := len(p)
	switch {
	case n == 0:
		return func(s string) bool { return s == "" }
	case !p.wild():
		l := newLiteral(p[0].s, cased)
		return l.equal
	case n == 1 && p[0].k == tStar:
		return func(string) bool { return true }
	case n == 2 && p[0].k == tLit && p[1].k == tStar:
		l := newLiteral(p[0].s, cased)
		return func(s string) bool { _, ok := l.prefix(s); return ok }
	case n == 2 && p[0].k == tStar && p[1].k == tLit:
		l := newLiteral(p[1].s, cased)
		return func(s string) bool { _, ok := l.suffix(s); return ok }
	case n == 3 && p[0].k == tStar && p[1].k == tLit && p[2].k == tStar:
		l := newLiteral(p[1].s, cased)
		return l.contains
	}
	for _, t := range p {
		if t.k == tOne {
			return newGlob(p, cased).match
		}
	}
	return newChain(p, cased).match
}

// chain matches literals separated by stars: an anchored head, an anchored
// tail, and middle parts found leftmost in order, which is exact for
// patterns without ?.
type chain struct {
	head, tail *literal
	mid        []literal
}

func newChain(p pattern, cased bool) *chain {
	c := &chain{}
	if p[0].k == tLit {
		l := newLiteral(p[0].s, cased)
		c.head = &l
		p = p[1:]
	}
	if p[len(p)-1].k == tLit {
		l := newLiteral(p[len(p)-1].s, cased)
		c.tail = &l
		p = p[:len(p)-1]
	}
	for _, t := range p {
		if t.k == tLit {
			c.mid = append(c.mid, newLiteral(t.s, cased))
		}
	}
	return c
}

func (c *chain) match(s string) bool {
	if c.head != nil {
		n, ok := c.head.prefix(s)
		if !ok {
			return false
		}
		s = s[n:]
	}
	if c.tail != nil {
		i, ok := c.tail.suffix(s)
		if !ok {
			return false
		}
		s = s[:i]
	}
	for i := range c.mid {
		_, end := c.mid[i].index(s)
		if end < 0 {
			return false
		}
		s = s[end:]
	}
	return true
}

// glob is the general matcher for patterns with ?: one unit per rune,
// backtracking to the last star.
type glob struct {
	units []unit
	cased bool
}

type unit struct {
	k tokKind
	r rune
}

func newGlob(p pattern, cased bool) *glob {
	g := &glob{cased: cased}
	for _, t := range p {
		if t.k != tLit {
			g.units = append(g.units, unit{k: t.k})
			continue
		}
		for _, r := range t.s {
			g.units = append(g.units, unit{k: tLit, r: r})
		}
	}
	return g
}

func (g *glob) eq(a, b rune) bool {
	if g.cased {
		return a == b
	}
	return equalFoldRune(a, b)
}

func (g *glob) match(s string) bool {
	pi, si := 0, 0
	starP, starS := -1, 0
	for si < len(s) {
		r, size := utf8.DecodeRuneInString(s[si:])
		if pi < len(g.units) {
			u := g.units[pi]
			switch {
			case u.k == tStar:
				starP, starS = pi, si
				pi++
				continue
			case u.k == tOne || g.eq(u.r, r):
				pi++
				si += size
				continue
			}
		}
		if starP < 0 {
			return false
		}
		// Let the last star swallow one more rune and retry from there.
		_, skip := utf8.DecodeRuneInString(s[starS:])
		starS += skip
		pi, si = starP+1, starS
	}
	for pi < len(g.units) && g.units[pi].k == tStar {
		pi++
	}
	return pi == len(g.units)
}
