package glob

import (
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		pat, s string
		want   bool
	}{
		{"*", "", true},
		{"*", "microsoft.compute/virtualmachines/write", true},
		{"microsoft.compute/*", "microsoft.compute/virtualmachines/write", true},
		{"*/write", "microsoft.compute/virtualmachines/write", true},
		{"*/write", "microsoft.compute/virtualmachines/read", false},
		{"microsoft.*/virtualmachines/*", "microsoft.compute/virtualmachines/write", true},
		{"a*b*c", "aXbYbZc", true},
		{"a*b*c", "aXbYbZ", false},
		{"abc", "abcd", false},
		{"", "", true},
		{"", "x", false},
	} {
		if got := Match(tt.pat, tt.s); got != tt.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tt.pat, tt.s, got, tt.want)
		}
	}
}

// A pattern built to make naive backtracking exponential stays fast.
func TestMatchHostilePattern(t *testing.T) {
	t.Parallel()
	pat := strings.Repeat("*a", 40) + "b"
	if Match(pat, strings.Repeat("a", 5000)) {
		t.Error("matched without the final b")
	}
}
