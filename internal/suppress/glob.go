package suppress

import (
	"errors"
	"strings"

	"github.com/mamori-sec/mamori/internal/glob"
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
	return glob.Items(len(segs), len(parts),
		func(i int) bool { return segs[i] == anySegments },
		func(i, j int) bool { return glob.Match(string(segs[i]), parts[j]) })
}
