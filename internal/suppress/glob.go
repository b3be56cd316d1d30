package suppress

import (
	"errors"
	"strings"
)

// segment is one "/"-separated part of a resource pattern: "**" matches
// any number of whole segments (none included), other text is matched
// with "*" standing for any run of characters within the segment.
type segment string

const anySegments segment = "**"

// compileResource lower-cases a resource pattern and splits it into
// segments. A trailing "/" is dropped, as resource ids have none.
func compileResource(pat string) ([]segment, error) {
	pat = strings.TrimSuffix(strings.ToLower(pat), "/")
	if pat == "" {
		return nil, errors.New("empty pattern")
	}
	parts := strings.Split(pat, "/")
	segs := make([]segment, len(parts))
	for i, s := range parts {
		if s != "**" && strings.Contains(s, "**") {
			return nil, errors.New(`"**" must be a whole segment, as in /subscriptions/x/**/virtualmachines/*`)
		}
		segs[i] = segment(s)
	}
	return segs, nil
}

// matchAll reports whether a resource pattern has no literal text: "**",
// "/**", "*/**"… accept (nearly) every resource and so scope nothing.
func matchAll(segs []segment) bool {
	for _, s := range segs {
		if strings.Trim(string(s), "*") != "" {
			return false
		}
	}
	return true
}

// matchResource matches a resource id, lower-cased here, against a
// compiled pattern.
func matchResource(segs []segment, id string) bool {
	parts := strings.Split(strings.TrimSuffix(strings.ToLower(id), "/"), "/")
	return wildcard(len(segs), len(parts),
		func(i int) bool { return segs[i] == anySegments },
		func(i, j int) bool { return globMatch(string(segs[i]), parts[j]) })
}

// globMatch matches s against pat, "*" standing for any run of characters
// (dots and slashes included: rule names are matched whole).
func globMatch(pat, s string) bool {
	return wildcard(len(pat), len(s),
		func(i int) bool { return pat[i] == '*' },
		func(i, j int) bool { return pat[i] == s[j] })
}

// wildcard is the classic greedy match with backtracking to the last star,
// over np pattern items and ns subject items: star says whether pattern
// item i matches any run of subject items, eq whether it matches subject
// item j alone. It runs in O(np*ns) steps without recursion, so no pattern
// can blow up.
func wildcard(np, ns int, star func(i int) bool, eq func(i, j int) bool) bool {
	i, j := 0, 0
	lastStar, lastJ := -1, 0
	for j < ns {
		switch {
		case i < np && star(i):
			lastStar, lastJ = i, j
			i++
		case i < np && eq(i, j):
			i++
			j++
		case lastStar >= 0:
			// Let the last star take one more item and retry after it.
			lastJ++
			i, j = lastStar+1, lastJ
		default:
			return false
		}
	}
	for i < np && star(i) {
		i++
	}
	return i == np
}
