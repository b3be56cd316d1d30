package sigma

import (
	"errors"
	"fmt"
	"strings"
)

// Filter is a compiled global filter: an exclusion for the rules it names.
type Filter struct {
	Rule      *Rule
	match     func(Fields) bool
	refreshed bool // see Compiled.Refreshed
}

// CompileFilter compiles a filter document's selection and condition.
func CompileFilter(r *Rule, res Resolver, opt *Options) (*Filter, error) {
	c := &compiler{ce: compileError{rule: r.Ref()}, res: res}
	if opt != nil {
		c.opt = *opt
	}
	if r.Kind != KindFilter {
		return nil, c.ce.invalid("a %s document is not a filter", r.Kind)
	}
	root, err := c.detection(r.Detection)
	if err != nil {
		return nil, err
	}
	return &Filter{Rule: r, match: root.eval(), refreshed: c.refreshed}, nil
}

// Match reports whether the filter's condition holds for the event (so
// that the rules it is attached to do not match).
func (f *Filter) Match(fs Fields) bool { return f.match(fs) }

// ApplyFilters attaches each filter to the rules it names by id or name, so
// that they no longer match what the filter's condition matches. A filter
// applies only where its log source covers the rule's (each of category,
// product and service it sets is the rule's). The error lists the filters
// naming rules that are not loaded and the ones whose log source does not
// cover a named rule (not attached there). Call it before evaluation
// starts: it changes the compiled rules.
func ApplyFilters(rules []*Compiled, filters []*Filter) error {
	byRef := map[string][]*Compiled{}
	for _, r := range rules {
		if r.Rule.ID != "" {
			byRef[r.Rule.ID] = append(byRef[r.Rule.ID], r)
		}
		if r.Rule.Name != "" && r.Rule.Name != r.Rule.ID {
			byRef[r.Rule.Name] = append(byRef[r.Rule.Name], r)
		}
	}
	var errs []error
	for _, f := range filters {
		for _, ref := range f.Rule.FilterRules {
			targets, ok := byRef[ref]
			if !ok {
				errs = append(errs, fmt.Errorf("sigma filter %s: rule %q is not loaded", f.Rule.Ref(), ref))
				continue
			}
			for _, r := range targets {
				if !covers(f.Rule.Logsource, r.Rule.Logsource) {
					errs = append(errs, fmt.Errorf("sigma filter %s: log source does not cover rule %s", f.Rule.Ref(), r.Rule.Ref()))
					continue
				}
				r.filters = append(r.filters, f.match)
				r.refreshed = r.refreshed || f.refreshed
			}
		}
	}
	return errors.Join(errs...)
}

// covers reports whether filter log source f includes rule log source r.
func covers(f, r Logsource) bool {
	eq := func(a, b string) bool { return a == "" || strings.EqualFold(a, b) }
	return eq(f.Category, r.Category) && eq(f.Product, r.Product) && eq(f.Service, r.Service)
}
