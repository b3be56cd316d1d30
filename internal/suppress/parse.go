package suppress

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/mamori-sec/mamori/internal/sigma"
)

// entryKeys are the keys an entry may hold, in the order messages list them.
var entryKeys = []string{"id", "rule", "tenant", "subscription", "principal", "resource", "ip", "reason", "expires", "owner"}

// parser walks the YAML node tree rather than decoding into a struct with
// KnownFields: the tree gives the line of every key and value, so each
// problem names its line and all of them are collected in one pass.
type parser struct {
	file string
	errs []error
}

func (p *parser) errf(line int, format string, args ...any) {
	p.errs = append(p.errs, &Error{File: p.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// parse reads the one document of the file and returns its entries; the
// problems found are in p.errs.
func (p *parser) parse(r io.Reader) []*Entry {
	dec := yaml.NewDecoder(r)
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			p.errf(0, "empty file: expected a top-level suppressions: list")
		} else {
			p.yamlError(err)
		}
		return nil
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		p.yamlError(err)
	default:
		p.errf(extra.Line, "a second YAML document: a suppressions file holds one")
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	root = deref(root)
	if sigma.IsNull(root) {
		p.errf(root.Line, "empty file: expected a top-level suppressions: list")
		return nil
	}
	if root.Kind != yaml.MappingNode {
		p.errf(root.Line, "expected a mapping with a top-level suppressions: list")
		return nil
	}
	var list *yaml.Node
	seen := map[string]int{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := deref(root.Content[i]), root.Content[i+1]
		if !p.key(k, seen, []string{"suppressions"}) {
			continue
		}
		list = deref(v)
	}
	if list == nil {
		p.errf(root.Line, "no suppressions: list")
		return nil
	}
	if sigma.IsNull(list) {
		return nil // "suppressions:" with nothing under it: an empty set
	}
	if list.Kind != yaml.SequenceNode {
		p.errf(list.Line, "suppressions: expected a list of entries")
		return nil
	}
	entries := make([]*Entry, 0, len(list.Content))
	for i, item := range list.Content {
		if e := p.entry(deref(item), i+1); e != nil {
			entries = append(entries, e)
		}
	}
	p.checkIDs(entries)
	return entries
}

// key checks a mapping key: a plain string, not repeated, among known. It
// reports the problem and returns false when the pair is to be skipped.
func (p *parser) key(k *yaml.Node, seen map[string]int, known []string) bool {
	if k.Kind != yaml.ScalarNode {
		p.errf(k.Line, "a key must be a plain name")
		return false
	}
	if first, dup := seen[k.Value]; dup {
		p.errf(k.Line, "key %q repeated (first at line %d)", k.Value, first)
		return false
	}
	seen[k.Value] = k.Line
	if slices.Contains(known, k.Value) {
		return true
	}
	msg := fmt.Sprintf("unknown key %q (known: %s)", k.Value, strings.Join(known, ", "))
	if s := suggest(k.Value, known); s != "" {
		msg += "; did you mean " + strconv.Quote(s) + "?"
	}
	p.errf(k.Line, "%s", msg)
	return false
}

// entry reads the index-th entry of the list; nil when it is unusable.
func (p *parser) entry(n *yaml.Node, index int) *Entry {
	if n.Kind != yaml.MappingNode {
		p.errf(n.Line, "entry %d: expected a mapping of keys (%s)", index, strings.Join(entryKeys, ", "))
		return nil
	}
	if len(n.Content) == 0 {
		p.errf(n.Line, "entry %d is empty: it needs a reason and at least one scope key", index)
		return nil
	}
	e := &Entry{Index: index, File: p.file, Line: n.Line}
	before := len(p.errs)
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), deref(n.Content[i+1])
		if !p.key(k, seen, entryKeys) {
			continue
		}
		if v.Kind != yaml.ScalarNode {
			p.errf(v.Line, "%s: expected a single value, not a list or mapping (write one entry per value)", k.Value)
			continue
		}
		if sigma.IsNull(v) {
			p.errf(v.Line, "%s: no value", k.Value)
			continue
		}
		val := strings.TrimSpace(v.Value)
		if val == "" {
			p.errf(v.Line, "%s: empty value", k.Value)
			continue
		}
		p.set(e, k.Value, val, v.Line)
	}
	// A bad value leaves its key unset: judge the scope only when every
	// value was read, or a bad CIDR would also be called "suppresses all".
	if len(p.errs) == before && !e.narrow() {
		p.errf(n.Line, "entry %d would suppress every alert: set rule, or a narrower tenant, subscription, principal, resource or ip", index)
	}
	if _, ok := seen["reason"]; !ok {
		p.errf(n.Line, "entry %d: no reason: every suppression says why it is accepted", index)
	}
	return e
}

// set stores one checked value in e.
func (p *parser) set(e *Entry, key, val string, line int) {
	switch key {
	case "id":
		e.ID = val
	case "rule":
		e.Rule = val
	case "tenant":
		e.Tenant, e.tenant = val, strings.ToLower(val)
	case "subscription":
		e.Subscription, e.subscription = val, subscriptionID(val)
		if e.subscription == "" {
			p.errf(line, "subscription: %q names no subscription", val)
		}
	case "principal":
		e.Principal = val
	case "resource":
		segs, err := compileResource(val)
		if err != nil {
			p.errf(line, "resource: %q: %v", val, err)
			return
		}
		e.Resource, e.resource = val, segs
	case "ip":
		pfx, err := parsePrefix(val)
		if err != nil {
			p.errf(line, "ip: %v", err)
			return
		}
		e.IP, e.prefix = val, pfx
	case "reason":
		e.Reason = val
	case "owner":
		e.Owner = val
	case "expires":
		t, err := parseExpiry(val)
		if err != nil {
			p.errf(line, "expires: %q is not a date (YYYY-MM-DD) or an RFC 3339 time (2025-06-30T18:00:00Z)", val)
			return
		}
		e.ExpiresText, e.Expires = val, t
	}
}

// narrow reports whether e restricts what it suppresses: some scope key is
// set and is not a match-all pattern.
func (e *Entry) narrow() bool {
	return e.Rule != "" && strings.Trim(e.Rule, "*") != "" ||
		e.Tenant != "" || e.Subscription != "" || e.Principal != "" ||
		e.resource != nil && !matchAll(e.resource) ||
		e.IP != "" && e.prefix.Bits() > 0
}

// checkIDs gives unnamed entries their position as ID and reports ids used
// twice, since counts and outputs refer to entries by id.
func (p *parser) checkIDs(entries []*Entry) {
	first := map[string]int{}
	for _, e := range entries {
		if e.ID == "" {
			e.ID = "#" + strconv.Itoa(e.Index)
		}
		if line, dup := first[e.ID]; dup {
			p.errf(e.Line, "duplicate id %q (first at line %d)", e.ID, line)
			continue
		}
		first[e.ID] = e.Line
	}
}

// yamlError turns a parser error ("yaml: line 3: did not find expected
// key") into an Error with its line.
func (p *parser) yamlError(err error) {
	var te *yaml.TypeError
	msgs := []string{err.Error()}
	if errors.As(err, &te) {
		msgs = te.Errors
	}
	for _, m := range msgs {
		m = strings.TrimPrefix(m, "yaml: ")
		line := 0
		if rest, ok := strings.CutPrefix(m, "line "); ok {
			if num, msg, ok := strings.Cut(rest, ": "); ok {
				if n, err := strconv.Atoi(num); err == nil {
					line, m = n, msg
					if parserProblems[m] {
						line++
					}
				}
			}
		}
		p.errf(line, "invalid YAML: %s", m)
	}
}

// parserProblems are the yaml parser's (not scanner's) messages. yaml.v3
// prints their line 0-based, one less than the line of the construct that
// failed (the scanner's are right): add it back.
var parserProblems = map[string]bool{
	"did not find expected <stream-start>":   true,
	"did not find expected <document start>": true,
	"did not find expected node content":     true,
	"did not find expected '-' indicator":    true,
	"did not find expected key":              true,
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"found undefined tag handle":             true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found duplicate %TAG directive":         true,
}

// deref follows aliases (*name) to the anchored node; the bound guards
// against a chain the parser might build.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; i < 8 && n.Kind == yaml.AliasNode && n.Alias != nil; i++ {
		n = n.Alias
	}
	return n
}

// subscriptionID accepts a bare id or "/subscriptions/<id>", lower-cased.
func subscriptionID(s string) string {
	s = strings.ToLower(strings.Trim(strings.TrimSpace(s), "/"))
	s = strings.TrimPrefix(s, "subscriptions/")
	if strings.Contains(s, "/") {
		return ""
	}
	return s
}

// parsePrefix reads an address or a CIDR. Host bits set in a CIDR are an
// error: 10.0.0.5/24 may mean one host or the network, and guessing the
// wider one would suppress more than meant.
func parsePrefix(s string) (netip.Prefix, error) {
	var pfx netip.Prefix
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return pfx, fmt.Errorf("%q is not an address or CIDR", s)
		}
		if p.Masked() != p {
			return pfx, fmt.Errorf("%q has host bits set: write %s", s, p.Masked())
		}
		pfx = p
	} else {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return pfx, fmt.Errorf("%q is not an address or CIDR", s)
		}
		pfx = netip.PrefixFrom(a, a.BitLen())
	}
	// Alerts carry IPv4 as IPv4; an IPv4-mapped form would never match.
	if a := pfx.Addr(); a.Is4In6() && pfx.Bits() >= 96 {
		pfx = netip.PrefixFrom(a.Unmap(), pfx.Bits()-96)
	}
	return pfx, nil
}

// parseExpiry returns the first instant an entry no longer applies: a date
// covers its whole day in UTC, an RFC 3339 time is exact.
func parseExpiry(s string) (time.Time, error) {
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		return d.AddDate(0, 0, 1), nil
	}
	return time.Parse(time.RFC3339, s)
}

// suggest returns the known key closest to k (a different case or up to
// two edits), or "".
func suggest(k string, known []string) string {
	best, bestD := "", 3
	for _, n := range known {
		if strings.EqualFold(k, n) {
			return n
		}
		if d := distance(strings.ToLower(k), n); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// distance is the Levenshtein distance, capped for long inputs: keys are
// short and a long one is nothing like a known key.
func distance(a, b string) int {
	if len(a) > 32 {
		return len(a)
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
