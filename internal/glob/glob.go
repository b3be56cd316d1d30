// Package glob matches text against patterns where "*" stands for any
// run of characters, the one wildcard Azure RBAC actions and mamori's
// suppressions use. Matching is greedy with backtracking to the last star:
// O(len(pattern)·len(text)) steps, no recursion, so no pattern can blow up.
package glob

// Match reports whether s matches pat, "*" standing for any run of bytes
// (dots and slashes included). The comparison is exact: callers lower-case
// both sides when case does not matter.
func Match(pat, s string) bool {
	return Items(len(pat), len(s),
		func(i int) bool { return pat[i] == '*' },
		func(i, j int) bool { return pat[i] == s[j] })
}

// Items is Match over np pattern items and ns subject items: star says
// whether pattern item i matches any run of subject items, eq whether it
// matches subject item j alone. Resource patterns use it with path
// segments as items.
func Items(np, ns int, star func(i int) bool, eq func(i, j int) bool) bool {
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
