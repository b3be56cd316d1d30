package sigma

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// DocKind is what a Sigma YAML document is.
type DocKind uint8

// The document kinds of Sigma 2.1.
const (
	KindDetection   DocKind = iota // a rule with a detection section
	KindFilter                     // a global filter (meta-filter)
	KindCorrelation                // a correlation rule, left to the correlation engine
)

func (k DocKind) String() string {
	switch k {
	case KindFilter:
		return "filter"
	case KindCorrelation:
		return "correlation"
	}
	return "detection"
}

// Logsource says which logs a rule reads.
type Logsource struct {
	Category   string
	Product    string
	Service    string
	Definition string
}

// Related is a link to another rule.
type Related struct {
	ID   string
	Type string
}

// Search is one search identifier of a detection section and its YAML.
type Search struct {
	Name string
	Node *yaml.Node
}

// Detection is a rule's detection section (or a filter's), uncompiled.
type Detection struct {
	Searches   []Search // in file order
	Conditions []string // several conditions are linked with OR
}

// Rule is one Sigma document: a detection rule, a filter or a correlation.
type Rule struct {
	Kind   DocKind
	Source string // file the rule came from, "" when parsed from bytes
	Line   int    // line where the document starts

	Title          string
	ID             string
	Name           string
	Status         string
	Description    string
	Author         string
	License        string
	Taxonomy       string
	Date           string
	Modified       string
	Level          string
	References     []string
	Tags           []string
	FalsePositives []string
	Fields         []string
	Scope          []string
	Related        []Related
	Logsource      Logsource

	// Detection is the detection section; for a filter, the search
	// identifiers and condition of its filter section.
	Detection Detection
	// FilterRules are the rules (ids or names) a filter applies to.
	FilterRules []string
	// Correlation is a correlation document's correlation section, for the
	// correlation engine to read.
	Correlation *yaml.Node
	// Custom holds the top-level keys Sigma does not define (mamori's
	// rules carry "response" and "version"); see Decode.
	Custom map[string]*yaml.Node
}

// Ref names the rule in messages: its title and id (or name).
func (r *Rule) Ref() string {
	id := r.ID
	if id == "" {
		id = r.Name
	}
	t := strconv.Quote(r.Title)
	if r.Title == "" && r.Source != "" {
		t = r.Source
	}
	if id == "" {
		return t
	}
	return t + " (" + id + ")"
}

// Decode decodes the custom top-level key into out (as yaml.Node.Decode
// does); ok is false when the rule has no such key.
func (r *Rule) Decode(key string, out any) (ok bool, err error) {
	n := r.Custom[key]
	if n == nil {
		return false, nil
	}
	return true, n.Decode(out)
}

// ParseFile reads a Sigma YAML file; see Parse.
func ParseFile(path string) ([]*Rule, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	rules, err := Parse(b)
	for _, r := range rules {
		r.Source = path
	}
	return rules, err
}

// Parse reads the documents of a Sigma YAML file (one rule, or several
// separated by "---" as correlation files are). It returns every document
// that parsed; the error joins the reasons the others did not, each a
// *RuleError or *UnsupportedError naming the document.
func Parse(data []byte) (rules []*Rule, err error) {
	defer func() {
		// The YAML decoder is third-party code fed attacker-controlled
		// text: a panic there must not take the caller down.
		if p := recover(); p != nil {
			err = errors.Join(err, &RuleError{Rule: "document", Msg: fmt.Sprint("YAML decoder failure: ", p)})
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var errs []error
	for i := 1; ; i++ {
		var doc yaml.Node
		if derr := dec.Decode(&doc); derr != nil {
			if derr == io.EOF {
				break
			}
			// The decoder cannot resynchronise after a syntax error.
			errs = append(errs, &RuleError{Rule: fmt.Sprintf("document %d", i), Msg: derr.Error()})
			break
		}
		if len(doc.Content) == 0 || IsNull(doc.Content[0]) {
			continue // an empty document, e.g. a trailing "---"
		}
		r, rerr := parseDoc(doc.Content[0], i)
		if rerr != nil {
			errs = append(errs, rerr)
			continue
		}
		rules = append(rules, r)
	}
	return rules, errors.Join(errs...)
}

// parseDoc reads one document's top-level mapping.
func parseDoc(n *yaml.Node, index int) (*Rule, error) {
	r := &Rule{Line: n.Line}
	ce := compileError{rule: fmt.Sprintf("document %d (line %d)", index, n.Line)}
	n = Deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, ce.invalid("a Sigma document must be a mapping")
	}
	var detection, filter *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], Deref(n.Content[i+1])
		var err error
		switch k.Value {
		case "title":
			r.Title, err = scalar(v, k.Value)
		case "id":
			r.ID, err = scalar(v, k.Value)
		case "name":
			r.Name, err = scalar(v, k.Value)
		case "status":
			r.Status, err = scalar(v, k.Value)
		case "description":
			r.Description, err = scalar(v, k.Value)
		case "author":
			r.Author, err = scalar(v, k.Value)
		case "license":
			r.License, err = scalar(v, k.Value)
		case "taxonomy":
			r.Taxonomy, err = scalar(v, k.Value)
		case "date":
			r.Date, err = scalar(v, k.Value)
		case "modified":
			r.Modified, err = scalar(v, k.Value)
		case "level":
			r.Level, err = scalar(v, k.Value)
		case "references":
			r.References, err = strList(v, k.Value)
		case "tags":
			r.Tags, err = strList(v, k.Value)
		case "falsepositives":
			r.FalsePositives, err = strList(v, k.Value)
		case "fields":
			r.Fields, err = strList(v, k.Value)
		case "scope":
			r.Scope, err = strList(v, k.Value)
		case "related":
			r.Related, err = related(v)
		case "logsource":
			r.Logsource, err = logsource(v)
		case "detection":
			detection = v
		case "filter":
			filter = v
		case "correlation":
			r.Correlation = v
		case "action":
			// Sigma 1 rule collections (action: global/reset/repeat) were
			// dropped from the specification; refusing beats guessing.
			return nil, ce.unsupported("rule collection", "action: "+v.Value)
		default:
			if r.Custom == nil {
				r.Custom = map[string]*yaml.Node{}
			}
			r.Custom[k.Value] = v
		}
		if err != nil {
			return nil, ce.invalid("%v", err)
		}
	}
	if r.Title != "" || r.ID != "" {
		ce.rule = fmt.Sprintf("%s (document %d, line %d)", r.Ref(), index, n.Line)
	}
	switch {
	case r.Correlation != nil:
		r.Kind = KindCorrelation
		if r.Correlation.Kind != yaml.MappingNode {
			return nil, ce.invalid("correlation must be a mapping")
		}
	case filter != nil:
		r.Kind = KindFilter
		if err := r.readFilter(filter); err != nil {
			return nil, ce.invalid("%v", err)
		}
	case detection != nil:
		r.Kind = KindDetection
		d, err := readDetection(detection, "detection")
		if err != nil {
			return nil, ce.invalid("%v", err)
		}
		r.Detection = d
	default:
		return nil, ce.invalid("no detection, filter or correlation section")
	}
	if r.Title == "" {
		return nil, ce.invalid("no title")
	}
	return r, nil
}

// readFilter reads a filter section: the rules it applies to, and search
// identifiers and a condition like a detection.
func (r *Rule) readFilter(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return errors.New("filter must be a mapping")
	}
	rest := &yaml.Node{Kind: yaml.MappingNode, Line: n.Line}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], Deref(n.Content[i+1])
		if k.Value == "rules" {
			l, err := strList(v, "filter rules")
			if err != nil {
				return err
			}
			r.FilterRules = l
			continue
		}
		rest.Content = append(rest.Content, k, n.Content[i+1])
	}
	if len(r.FilterRules) == 0 {
		return errors.New("filter names no rules")
	}
	d, err := readDetection(rest, "filter")
	if err != nil {
		return err
	}
	r.Detection = d
	return nil
}

// readDetection splits a detection mapping into search identifiers and
// conditions.
func readDetection(n *yaml.Node, what string) (Detection, error) {
	var d Detection
	if n.Kind != yaml.MappingNode {
		return d, fmt.Errorf("%s must be a mapping", what)
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], Deref(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			return d, fmt.Errorf("%s: search identifiers must be names", what)
		}
		if k.Value == "condition" {
			c, err := conditions(v)
			if err != nil {
				return d, err
			}
			d.Conditions = c
			continue
		}
		if k.Value == "timeframe" {
			// Sigma 1 aggregation window; the aggregation itself is refused
			// when the condition is compiled.
			continue
		}
		if seen[k.Value] {
			return d, fmt.Errorf("%s: search identifier %q defined twice", what, k.Value)
		}
		seen[k.Value] = true
		d.Searches = append(d.Searches, Search{Name: k.Value, Node: v})
	}
	if len(d.Conditions) == 0 {
		return d, fmt.Errorf("%s has no condition", what)
	}
	return d, nil
}

func conditions(n *yaml.Node) ([]string, error) {
	if n != nil && n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		return []string{n.Value}, nil
	}
	l, err := strList(n, "condition")
	if err != nil || len(l) == 0 {
		return nil, errors.New("condition must be a string or a list of strings")
	}
	return l, nil
}

func logsource(n *yaml.Node) (Logsource, error) {
	var l Logsource
	if n == nil || n.Kind != yaml.MappingNode {
		return l, errors.New("logsource must be a mapping")
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i].Value, Deref(n.Content[i+1])
		var s string
		var err error
		switch k {
		case "category", "product", "service", "definition":
			s, err = scalar(v, "logsource "+k)
		default:
			continue // custom logsource keys are allowed and ignored
		}
		if err != nil {
			return l, err
		}
		switch k {
		case "category":
			l.Category = s
		case "product":
			l.Product = s
		case "service":
			l.Service = s
		case "definition":
			l.Definition = s
		}
	}
	return l, nil
}

func related(n *yaml.Node) ([]Related, error) {
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil, errors.New("related must be a list")
	}
	var out []Related
	for _, e := range n.Content {
		e = Deref(e)
		if e == nil || e.Kind != yaml.MappingNode {
			return nil, errors.New("related entries must be mappings")
		}
		var r Related
		for i := 0; i+1 < len(e.Content); i += 2 {
			v := Deref(e.Content[i+1])
			if v == nil || v.Kind != yaml.ScalarNode {
				continue
			}
			switch e.Content[i].Value {
			case "id":
				r.ID = v.Value
			case "type":
				r.Type = v.Value
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// scalar reads a string attribute; null reads as "".
func scalar(n *yaml.Node, what string) (string, error) {
	if n == nil || n.Tag == "!!null" {
		return "", nil
	}
	if n.Kind != yaml.ScalarNode {
		return "", fmt.Errorf("%s must be a string", what)
	}
	return n.Value, nil
}

// strList reads a list of strings; a single string reads as a list of one.
func strList(n *yaml.Node, what string) ([]string, error) {
	if n == nil || n.Tag == "!!null" {
		return nil, nil
	}
	if n.Kind == yaml.ScalarNode {
		return []string{n.Value}, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("%s must be a list of strings", what)
	}
	out := make([]string, 0, len(n.Content))
	for _, e := range n.Content {
		e = Deref(e)
		if e == nil || e.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("%s must be a list of strings", what)
		}
		out = append(out, e.Value)
	}
	return out, nil
}

// IsNull reports whether n is YAML's null: absent (nil or a zero node), or
// a null scalar however it is spelled (~, null, an empty value, !!null).
// The suppression and correlation parsers read their YAML with it too.
func IsNull(n *yaml.Node) bool {
	return n == nil || n.Kind == 0 || n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// Deref follows YAML aliases to the node they name, a bounded number of
// times so that a crafted file cannot loop. The correlation engine reads
// its section with it too.
func Deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode; i++ {
		if i == 16 {
			return nil
		}
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		return Deref(n.Content[0])
	}
	return n
}
