package sigma

import (
	"regexp/syntax"
	"strings"
	"unsafe"
)

// A rule's regular expression runs on every value of its field, and Go's
// engine costs microseconds a value: the miner rule's four expressions
// were a fifth of a hunt over process logs. Most values cannot match
// because they lack a literal every match holds ("stratum", "--coin", one
// of "-a" and "--algo"). requiredLiterals finds such literals in the
// parsed expression, and a value that holds none of them is refused
// without running the engine.

// maxLiterals bounds the literals of a set (an alternation of character
// classes multiplies them): past it the node requires nothing known.
const maxLiterals = 32

// litSet is what the analysis knows of a node's matches: ok, that each
// holds one of lits (exact: each is one of lits, nothing more). fold says
// some literal was written to match in any case.
type litSet struct {
	lits  []string
	exact bool
	fold  bool
	ok    bool
}

// quality is how well the set filters: its shortest literal's length (a
// set holding "" filters nothing).
func (s litSet) quality() int {
	if !s.ok || len(s.lits) == 0 {
		return 0
	}
	q := len(s.lits[0])
	for _, l := range s.lits[1:] {
		q = min(q, len(l))
	}
	return q
}

// requiredLiterals returns literals one of which is in every string re
// matches (ASCII, lower-cased when fold), or ok false when none is known.
func requiredLiterals(re *syntax.Regexp) (lits []string, fold, ok bool) {
	s := litsOf(re)
	if s.quality() == 0 {
		return nil, false, false
	}
	if s.fold {
		for i, l := range s.lits {
			s.lits[i] = strings.ToLower(l)
		}
	}
	return s.lits, s.fold, true
}

func litsOf(re *syntax.Regexp) litSet {
	switch re.Op {
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			if r >= 0x80 { // non-ASCII: folding and invalid UTF-8 make bytes unreliable
				return litSet{}
			}
		}
		return litSet{lits: []string{string(re.Rune)}, exact: true, fold: re.Flags&syntax.FoldCase != 0, ok: true}
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return litSet{lits: []string{""}, exact: true, ok: true}
	case syntax.OpCharClass:
		// A small class of ASCII characters is the set of them.
		var lits []string
		for i := 0; i+1 < len(re.Rune); i += 2 {
			lo, hi := re.Rune[i], re.Rune[i+1]
			if hi >= 0x80 || int(hi-lo)+1+len(lits) > 8 {
				return litSet{}
			}
			for r := lo; r <= hi; r++ {
				lits = append(lits, string(r))
			}
		}
		return litSet{lits: lits, exact: true, ok: len(lits) > 0}
	case syntax.OpCapture:
		return litsOf(re.Sub[0])
	case syntax.OpQuest:
		s := litsOf(re.Sub[0])
		if !s.ok || !s.exact || len(s.lits)+1 > maxLiterals {
			return litSet{}
		}
		s.lits = append(s.lits, "")
		return s
	case syntax.OpPlus:
		s := litsOf(re.Sub[0])
		s.exact = false
		return s
	case syntax.OpRepeat:
		if re.Min < 1 {
			return litSet{}
		}
		s := litsOf(re.Sub[0])
		s.exact = s.exact && re.Min == 1 && re.Max == 1
		return s
	case syntax.OpAlternate:
		out := litSet{exact: true, ok: true}
		for _, sub := range re.Sub {
			s := litsOf(sub)
			if !s.ok || len(out.lits)+len(s.lits) > maxLiterals {
				return litSet{}
			}
			out.lits = append(out.lits, s.lits...)
			out.exact = out.exact && s.exact
			out.fold = out.fold || s.fold
		}
		return out
	case syntax.OpConcat:
		return concatLits(re.Sub)
	}
	return litSet{} // any character, repetition that may be empty, …
}

// concatLits is litsOf of a concatenation: runs of exact parts are
// crossed into longer literals ("-" then "a" or "-algo" is "-a" or
// "--algo"); the best of the runs and the other parts' sets is required.
func concatLits(subs []*syntax.Regexp) litSet {
	best := litSet{}
	run := litSet{lits: []string{""}, exact: true, ok: true}
	keep := func(s litSet) {
		if s.quality() > best.quality() {
			best = s
		}
	}
	exact := true
	for _, sub := range subs {
		s := litsOf(sub)
		if s.ok && s.exact && len(run.lits)*len(s.lits) <= maxLiterals {
			var lits []string
			for _, a := range run.lits {
				for _, b := range s.lits {
					lits = append(lits, a+b)
				}
			}
			run = litSet{lits: lits, exact: true, fold: run.fold || s.fold, ok: true}
			continue
		}
		// The run ends here: what it spells is required, and so is what
		// this part requires.
		exact = false
		keep(litSet{lits: run.lits, fold: run.fold, ok: true})
		keep(litSet{lits: s.lits, fold: s.fold, ok: s.ok})
		run = litSet{lits: []string{""}, exact: true, ok: true}
	}
	if exact {
		return run
	}
	keep(litSet{lits: run.lits, fold: run.fold, ok: true})
	return best
}

// literalFilter returns a test a string must pass for re to match it, or
// nil when the expression requires no literal it can find.
func literalFilter(re *syntax.Regexp) func(string) bool {
	lits, fold, ok := requiredLiterals(re)
	if !ok {
		return nil
	}
	if !fold {
		return func(s string) bool {
			for _, l := range lits {
				if strings.Contains(s, l) {
					return true
				}
			}
			return false
		}
	}
	return func(s string) bool {
		// The text is only read: a view of the string's bytes.
		b := unsafe.Slice(unsafe.StringData(s), len(s))
		for _, l := range lits {
			// NeedleIn also lets pass a text holding a non-ASCII rune
			// some letter of l folds to (the Kelvin sign for k), which
			// the engine's case folding would match.
			if NeedleIn(b, l) {
				return true
			}
		}
		return false
	}
}
