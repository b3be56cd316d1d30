package posture

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// Azure APIs disagree with themselves about scalar types: the same field is
// a number in one API version and a string in another ("retentionInDays":
// "90"), booleans arrive as "true", and lists of e-mails are sometimes one
// ";"-separated string. These types decode every form seen, so one odd
// field never loses a whole resource.

// flexInt is an integer that may arrive as a number, a numeric string or null.
type flexInt struct {
	Value int64
	Set   bool // false when the field was absent, null or not a number
}

// UnmarshalJSON accepts 12, 12.0, "12" and null; anything else leaves it unset.
func (f *flexInt) UnmarshalJSON(b []byte) error {
	*f = flexInt{}
	s := strings.Trim(string(bytes.TrimSpace(b)), `"`)
	if s == "" || s == "null" {
		return nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		*f = flexInt{Value: n, Set: true}
		return nil
	}
	if x, err := strconv.ParseFloat(s, 64); err == nil && x >= -9.2e18 && x <= 9.2e18 {
		*f = flexInt{Value: int64(x), Set: true}
	}
	return nil
}

// flexBool is a boolean that may arrive as true, "true", "True", "On" or null.
type flexBool struct {
	Value bool
	Set   bool
}

// UnmarshalJSON accepts JSON booleans and their string spellings.
func (f *flexBool) UnmarshalJSON(b []byte) error {
	*f = flexBool{}
	switch strings.ToLower(strings.Trim(string(bytes.TrimSpace(b)), `"`)) {
	case "true", "on", "enabled", "yes":
		*f = flexBool{Value: true, Set: true}
	case "false", "off", "disabled", "no":
		*f = flexBool{Value: false, Set: true}
	}
	return nil
}

// flexStrings is a list of strings that may arrive as a JSON array, a single
// string or a string of ";" or ","-separated items (security contact emails).
type flexStrings []string

// UnmarshalJSON accepts ["a","b"], "a;b", "a,b" and null; non-string array
// items are skipped rather than failing the resource.
func (f *flexStrings) UnmarshalJSON(b []byte) error {
	*f = nil
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] == 'n' {
		return nil
	}
	if b[0] == '[' {
		var items []json.RawMessage
		if err := json.Unmarshal(b, &items); err != nil {
			return err
		}
		for _, it := range items {
			var s string
			if json.Unmarshal(it, &s) == nil {
				*f = append(*f, splitList(s)...)
			}
		}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return nil // a number or object where a list was expected: ignore it
	}
	*f = splitList(s)
	return nil
}

// splitList cuts "a; b,c" into trimmed, non-empty items.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// flexString is a string that tolerates a number or boolean in its place.
type flexString string

// UnmarshalJSON keeps strings as they are and other scalars as their text.
func (f *flexString) UnmarshalJSON(b []byte) error {
	*f = ""
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] == 'n' || b[0] == '{' || b[0] == '[' {
		return nil
	}
	var s string
	if json.Unmarshal(b, &s) == nil {
		*f = flexString(s)
		return nil
	}
	*f = flexString(b)
	return nil
}
