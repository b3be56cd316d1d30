package sigma_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/mamori-sec/mamori/internal/sigma"
)

// mapResolver hands out ids for any field name; names listed in indexed
// get the "operation" index, names in opaque are not verbatim.
type mapResolver struct {
	names   []string
	indexed map[string]bool
	index   map[string]string // the index of a field, when not "operation"
	opaque  map[string]bool
	unknown map[string]bool // names the resolver refuses
	fresh   map[string]bool // names marked Refreshed
	noKW    bool            // refuse keyword searches
}

func (r *mapResolver) Resolve(name string) (sigma.FieldInfo, error) {
	if r.unknown[name] || name == sigma.KeywordsField && r.noKW {
		return sigma.FieldInfo{}, errors.New("unknown field")
	}
	for i, n := range r.names {
		if n == name {
			return r.info(i, name), nil
		}
	}
	r.names = append(r.names, name)
	return r.info(len(r.names)-1, name), nil
}

func (r *mapResolver) info(i int, name string) sigma.FieldInfo {
	fi := sigma.FieldInfo{ID: sigma.FieldID(i), Verbatim: !r.opaque[name], Refreshed: r.fresh[name]}
	if r.indexed[name] {
		fi.Index = "operation"
	}
	if idx, ok := r.index[name]; ok {
		fi.Index = idx
	}
	return fi
}

// record is a map-backed Fields: field name to values. The keywords field
// yields every string value.
type record map[string][]sigma.Value

type mapFields struct {
	r  *mapResolver
	ev record
}

func (m mapFields) Field(id sigma.FieldID, match func(sigma.Value) bool) (present, matched bool) {
	name := m.r.names[id]
	if name == sigma.KeywordsField {
		for _, vs := range m.ev {
			for _, v := range vs {
				if v.Kind() == sigma.KindString {
					present = true
					if match(v) {
						return true, true
					}
				}
			}
		}
		return present, false
	}
	vs, ok := m.ev[name]
	if !ok {
		return false, false
	}
	for _, v := range vs {
		if match(v) {
			return true, true
		}
	}
	return true, false
}

func str(ss ...string) []sigma.Value {
	out := make([]sigma.Value, len(ss))
	for i, s := range ss {
		out[i] = sigma.StringValue(s)
	}
	return out
}

func num(f float64, text string) []sigma.Value { return []sigma.Value{sigma.NumberValue(f, text)} }
func boolean(b bool) []sigma.Value             { return []sigma.Value{sigma.BoolValue(b)} }
func null() []sigma.Value                      { return []sigma.Value{sigma.NullValue()} }

// ruleYAML wraps a detection section (written flush left) into a rule.
func ruleYAML(detection string) string {
	var b strings.Builder
	b.WriteString("title: test rule\nid: 00000000-0000-0000-0000-000000000001\nlogsource:\n    product: azure\ndetection:\n")
	for _, line := range strings.Split(strings.Trim(detection, "\n"), "\n") {
		b.WriteString("    " + line + "\n")
	}
	return b.String()
}

// compile parses and compiles one rule, failing the test on error.
func compile(t testing.TB, r *mapResolver, detection string, opt *sigma.Options) *sigma.Compiled {
	t.Helper()
	c, err := compileErr(r, detection, opt)
	if err != nil {
		t.Fatalf("compile: %v\n%s", err, detection)
	}
	return c
}

func compileErr(r *mapResolver, detection string, opt *sigma.Options) (*sigma.Compiled, error) {
	rules, err := sigma.Parse([]byte(ruleYAML(detection)))
	if err != nil {
		return nil, err
	}
	if len(rules) != 1 {
		return nil, errors.New("expected one rule")
	}
	return sigma.Compile(rules[0], r, opt)
}
