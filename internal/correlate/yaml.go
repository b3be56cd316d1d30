package correlate

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/mamori-sec/mamori/internal/sigma"

	"go.yaml.in/yaml/v3"
)

// Small readers over the YAML nodes of a correlation section. The sigma
// package keeps the section as a node; these read it with the same
// tolerance (a single string where a list is expected) and the same
// defence against alias loops (sigma.Deref).

// pairs calls f for each key and value of a mapping node.
func pairs(n *yaml.Node, what string, f func(k string, v *yaml.Node) error) error {
	if n == nil || n.Kind != yaml.MappingNode {
		return fmt.Errorf("%s must be a mapping", what)
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := sigma.Deref(n.Content[i])
		if k == nil || k.Kind != yaml.ScalarNode {
			return fmt.Errorf("%s: keys must be names", what)
		}
		if seen[k.Value] {
			return fmt.Errorf("%s: %q given twice", what, k.Value)
		}
		seen[k.Value] = true
		if err := f(k.Value, sigma.Deref(n.Content[i+1])); err != nil {
			return err
		}
	}
	return nil
}

// text reads a string scalar (numbers and booleans read as written).
func text(n *yaml.Node, what string) (string, error) {
	if sigma.IsNull(n) || n.Kind != yaml.ScalarNode {
		return "", fmt.Errorf("%s must be a string", what)
	}
	return n.Value, nil
}

// texts reads a list of non-empty strings; a single string reads as a list
// of one. Duplicates are refused: the schema asks for unique items.
func texts(n *yaml.Node, what string) ([]string, error) {
	if n != nil && n.Kind == yaml.ScalarNode && !sigma.IsNull(n) {
		n = &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{n}}
	}
	if n == nil || n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		return nil, fmt.Errorf("%s must be a string or a non-empty list of strings", what)
	}
	out := make([]string, 0, len(n.Content))
	seen := map[string]bool{}
	for _, e := range n.Content {
		s, err := text(sigma.Deref(e), what)
		if err != nil {
			return nil, fmt.Errorf("%s must be a list of strings", what)
		}
		if s == "" {
			return nil, fmt.Errorf("%s: empty name", what)
		}
		if seen[s] {
			return nil, fmt.Errorf("%s: %q listed twice", what, s)
		}
		seen[s] = true
		out = append(out, s)
	}
	return out, nil
}

// number reads a finite integer or float scalar.
func number(n *yaml.Node, what string) (float64, error) {
	if n == nil || n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") {
		return 0, fmt.Errorf("%s must be a number", what)
	}
	var f float64
	if err := n.Decode(&f); err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, fmt.Errorf("%s: %q is not a finite number", what, n.Value)
	}
	return f, nil
}

// boolean reads a YAML boolean.
func boolean(n *yaml.Node, what string) (bool, error) {
	var b bool
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag != "!!bool" || n.Decode(&b) != nil {
		return false, fmt.Errorf("%s must be true or false", what)
	}
	return b, nil
}

// maxSpan bounds timespans so that window arithmetic cannot overflow.
const maxSpan = 100 * 365 * 24 * time.Hour

var spanUnits = map[byte]time.Duration{
	's': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour,
}

// ParseTimespan reads a Sigma timespan: a positive whole number followed by
// s, m, h, d or w ("90m", "14d"). The hunt's --baseline flag uses it too.
func ParseTimespan(s string) (time.Duration, error) {
	bad := fmt.Errorf("timespan %q: want a positive number followed by s, m, h, d or w (e.g. 90m)", s)
	if len(s) < 2 {
		return 0, bad
	}
	unit, ok := spanUnits[s[len(s)-1]]
	digits := s[:len(s)-1]
	if !ok || digits[0] < '0' || digits[0] > '9' {
		return 0, bad
	}
	n, err := strconv.ParseUint(digits, 10, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, fmt.Errorf("timespan %q: longer than 100 years", s)
		}
		return 0, bad
	}
	if n == 0 {
		return 0, fmt.Errorf("timespan %q: must be greater than zero", s)
	}
	if n > uint64(maxSpan/unit) {
		return 0, fmt.Errorf("timespan %q: longer than 100 years", s)
	}
	return time.Duration(n) * unit, nil
}
