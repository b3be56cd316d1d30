package posture

import "strings"

// anyActionMatch reports whether any Azure action pattern matches action.
func anyActionMatch(patterns []string, action string) bool {
	for _, p := range patterns {
		if wildcardMatch(strings.ToLower(p), strings.ToLower(action)) {
			return true
		}
	}
	return false
}

// wildcardMatch matches s against a pattern where "*" is any run of
// characters, as Azure RBAC actions and notActions do
// ("Microsoft.Compute/*", "*/write", "*"). It is linear-time greedy matching
// with backtracking to the last star, so hostile patterns cannot blow up.
func wildcardMatch(p, s string) bool {
	pi, si := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case pi < len(p) && p[pi] == s[si]:
			pi++
			si++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}
