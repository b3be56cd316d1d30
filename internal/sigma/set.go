package sigma

// equalSet tests a value against many plain string equalities at once:
// the case-insensitive ASCII literals by a hash of their lowered bytes,
// the cased ones by a map, the rest (non-ASCII needles) one by one.
type equalSet struct {
	folded map[uint64][]int // fold hash -> index in lits
	lits   []literal        // case-insensitive ASCII literals
	cased  map[string]struct{}
	other  []literal // non-ASCII case-insensitive literals
	slow   bool      // some literal folds with non-ASCII runes (k, s)
}

func newEqualSet(vs []variant) *equalSet {
	s := &equalSet{folded: map[uint64][]int{}, cased: map[string]struct{}{}}
	for _, v := range vs {
		switch l := newLiteral(v.eq, v.cased); {
		case v.cased:
			s.cased[v.eq] = struct{}{}
		case l.wide:
			s.other = append(s.other, l)
		default:
			h := foldHash(l.s)
			s.folded[h] = append(s.folded[h], len(s.lits))
			s.lits = append(s.lits, l)
			s.slow = s.slow || !l.exact
		}
	}
	return s
}

func (s *equalSet) match(v Value) bool {
	var t string
	switch v.k {
	case KindString:
		t = v.s
	case KindNumber, KindBool:
		t = v.Text()
	default:
		return false
	}
	if _, ok := s.cased[t]; ok {
		return true
	}
	if s.slow && !isASCII(t) {
		// A non-ASCII rune of t may fold onto k or s of a literal.
		for i := range s.lits {
			if s.lits[i].equal(t) {
				return true
			}
		}
	} else {
		for _, i := range s.folded[foldHash(t)] {
			if equalFoldASCII(t, s.lits[i].s) {
				return true
			}
		}
	}
	for i := range s.other {
		if s.other[i].equal(t) {
			return true
		}
	}
	return false
}

// foldHash is FNV-1a over the bytes of s with ASCII letters lowered.
func foldHash(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(lowerByte(s[i]))
		h *= 1099511628211
	}
	return h
}
