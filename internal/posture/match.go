package posture

import (
	"strings"

	"github.com/mamori-sec/mamori/internal/glob"
)

// anyActionMatch reports whether any Azure action pattern matches action.
func anyActionMatch(patterns []string, action string) bool {
	for _, p := range patterns {
		if glob.Match(strings.ToLower(p), strings.ToLower(action)) {
			return true
		}
	}
	return false
}
