package respond

import "strings"

// Quote writes s as one word of a POSIX shell: as it is when it holds
// only characters no shell treats specially, else in single quotes, inside
// which nothing is special but the closing quote (written '\”). The
// names in a plan's commands are the attacker's: a resource group named
// "x;curl …|sh" must reach az as a name, not run.
func Quote(s string) string {
	if s == "" {
		return "''"
	}
	plain := true
	for i := 0; i < len(s) && plain; i++ {
		c := s[i]
		plain = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("@%+=:,./_-", c) >= 0
	}
	if plain {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
