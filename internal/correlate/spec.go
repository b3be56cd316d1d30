package correlate

import (
	"fmt"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/mamori-sec/mamori/internal/sigma"
)

// kind is a correlation type.
type kind uint8

const (
	eventCount kind = iota
	valueCount
	valueSum
	valueAvg
	valuePercentile
	temporal
	temporalOrdered
	firstSeen
)

var kindNames = [...]string{"event_count", "value_count", "value_sum", "value_avg", "value_percentile", "temporal", "temporal_ordered", "first_seen"}

func (k kind) String() string { return kindNames[k] }

// valued says the type aggregates a field named by the condition.
func (k kind) valued() bool { return k >= valueCount && k <= valuePercentile }

// defaultBaseline is first_seen's window when neither the rule nor the
// hunt sets one.
const defaultBaseline = 14 * 24 * time.Hour

// spec is a correlation section as written, checked for shape but with
// its references not yet resolved.
type spec struct {
	kind       kind
	refs       []string // the rules entries, in order
	groupBy    []string
	span       time.Duration
	learning   time.Duration // first_seen's learning period, when not span
	noLearning bool          // learning: none: every key new to the memory fires
	cond       condition
	fields     []string // the condition's field(s)
	percentile float64
	generate   bool
	aliases    []alias
}

// alias maps a group-by (or value field) name to a field per rule.
type alias struct {
	name  string
	refs  []string // rule references, in file order
	field []string // the field for each
}

// ruleErr and unsupported build the sigma package's errors for a rule.
func ruleErr(r *sigma.Rule, format string, args ...any) error {
	return &sigma.RuleError{Rule: r.Ref(), Msg: fmt.Sprintf(format, args...)}
}

func unsupported(r *sigma.Rule, feature, detail string) error {
	return &sigma.UnsupportedError{Rule: r.Ref(), Feature: feature, Detail: detail}
}

// readSpec reads and checks a correlation document's section.
func readSpec(r *sigma.Rule) (*spec, error) {
	sec := sigma.Deref(r.Correlation)
	sp := &spec{}
	var typ, rules, span, learning, cond, field *yaml.Node
	gen := r.Custom["generate"] // the JSON schema's place for it
	err := pairs(sec, "correlation", func(k string, v *yaml.Node) error {
		switch k {
		case "type":
			typ = v
		case "rules":
			rules = v
		case "timespan":
			span = v
		case "learning":
			learning = v
		case "condition":
			cond = v
		case "field":
			field = v
		case "generate":
			gen = v
		case "group-by":
			gb, err := texts(v, "group-by")
			sp.groupBy = gb
			return err
		case "aliases":
			return sp.readAliases(v)
		default:
			return &sigma.UnsupportedError{Rule: r.Ref(), Feature: "correlation key", Detail: k}
		}
		return nil
	})
	if err != nil {
		if _, ok := err.(*sigma.UnsupportedError); ok {
			return nil, err
		}
		return nil, ruleErr(r, "%v", err)
	}
	if err := sp.readType(r, typ); err != nil {
		return nil, err
	}
	if sp.refs, err = texts(rules, "correlation rules"); err != nil {
		return nil, ruleErr(r, "%v", err)
	}
	if err := sp.readSpan(r, span); err != nil {
		return nil, err
	}
	if err := sp.readLearning(r, learning); err != nil {
		return nil, err
	}
	if gen != nil {
		if sp.generate, err = boolean(sigma.Deref(gen), "generate"); err != nil {
			return nil, ruleErr(r, "%v", err)
		}
	}
	if err := sp.readCondition(r, sigma.Deref(cond), sigma.Deref(field)); err != nil {
		return nil, err
	}
	return sp, sp.check(r)
}

func (sp *spec) readType(r *sigma.Rule, n *yaml.Node) error {
	if n == nil {
		return ruleErr(r, "correlation has no type")
	}
	name, err := text(n, "correlation type")
	if err != nil {
		return ruleErr(r, "%v", err)
	}
	for k, s := range kindNames {
		if s == name {
			sp.kind = kind(k)
			return nil
		}
	}
	return unsupported(r, "correlation type", name)
}

func (sp *spec) readSpan(r *sigma.Rule, n *yaml.Node) error {
	if n == nil {
		if sp.kind == firstSeen {
			sp.span = defaultBaseline
			return nil
		}
		return ruleErr(r, "correlation has no timespan")
	}
	var err error
	if sp.span, err = timespan(n, "timespan"); err != nil {
		return ruleErr(r, "%v", err)
	}
	return nil
}

// timespan reads the timespan n holds, key's value.
func timespan(n *yaml.Node, key string) (time.Duration, error) {
	s, err := text(n, key)
	if err != nil {
		return 0, err
	}
	return ParseTimespan(s)
}

// readLearning reads first_seen's learning period (mamori's key): how
// long the first data of a tenant only learns, when it is not the window
// that says how long a key stays seen. A rule on an operation its users
// repeat weeks apart (Run Command, starting machines) remembers them for
// long, yet should not learn for as long: a 30-day export would never
// alert. "none" learns nothing: a key new to the memory fires from the
// data's first record, the hunt's --baseline included. It is for a
// first_seen that only qualifies another correlation (a region new to
// the identity, chained into a sign-in's temporal rule): the pair must
// still fire in an export of one night.
func (sp *spec) readLearning(r *sigma.Rule, n *yaml.Node) error {
	if n == nil {
		return nil
	}
	if sp.kind != firstSeen {
		return ruleErr(r, "learning is a first_seen correlation's, not %s's", sp.kind)
	}
	if n.Kind == yaml.ScalarNode && n.Value == "none" {
		sp.noLearning = true
		return nil
	}
	var err error
	if sp.learning, err = timespan(n, "learning"); err != nil {
		return ruleErr(r, "learning: %v, or none", err)
	}
	if sp.learning > sp.span {
		return ruleErr(r, "learning %v is longer than the timespan %v: a key would be forgotten while the data still learns", sp.learning, sp.span)
	}
	return nil
}

func (sp *spec) readAliases(n *yaml.Node) error {
	return pairs(n, "aliases", func(name string, v *yaml.Node) error {
		a := alias{name: name}
		err := pairs(v, "aliases: "+name, func(ref string, f *yaml.Node) error {
			s, err := text(f, "aliases: "+name+": "+ref)
			if err == nil && s == "" {
				err = fmt.Errorf("aliases: %s: %s: empty field name", name, ref)
			}
			a.refs, a.field = append(a.refs, ref), append(a.field, s)
			return err
		})
		if err == nil && len(a.refs) == 0 {
			err = fmt.Errorf("aliases: %s maps no rule", name)
		}
		sp.aliases = append(sp.aliases, a)
		return err
	})
}

// readCondition reads the condition mapping and the value field, which the
// specification puts in the condition and older texts directly under
// correlation.
func (sp *spec) readCondition(r *sigma.Rule, n, field *yaml.Node) error {
	if n != nil && n.Kind == yaml.ScalarNode && !sigma.IsNull(n) {
		return unsupported(r, "extended correlation condition", n.Value)
	}
	var pct *float64
	if n != nil {
		err := pairs(n, "condition", func(k string, v *yaml.Node) error {
			if o, ok := opNames[k]; ok {
				f, err := number(v, "condition "+k)
				sp.cond = append(sp.cond, bound{o, f})
				return err
			}
			switch k {
			case "field":
				if field != nil {
					return fmt.Errorf("field given both in the condition and under correlation")
				}
				field = v
			case "percentile":
				p, err := number(v, "condition percentile")
				if err == nil && (p < 0 || p > 100) {
					err = fmt.Errorf("condition percentile %v is not between 0 and 100", p)
				}
				pct = &p
				return err
			default:
				return fmt.Errorf("condition: unknown key %q (want gt, gte, lt, lte, eq, neq, field or percentile)", k)
			}
			return nil
		})
		if err != nil {
			return ruleErr(r, "%v", err)
		}
		if len(sp.cond) == 0 {
			return ruleErr(r, "condition has no comparison (gt, gte, lt, lte, eq or neq)")
		}
	}
	if field != nil {
		fs, err := texts(field, "condition field")
		if err != nil {
			return ruleErr(r, "%v", err)
		}
		sp.fields = fs
	}
	switch {
	case pct != nil && sp.kind != valuePercentile:
		return ruleErr(r, "condition percentile applies only to value_percentile")
	case pct == nil && sp.kind == valuePercentile:
		return unsupported(r, "value_percentile without percentile",
			"the specification leaves the percentile unnamed; give condition.percentile (0-100) as pySigma does")
	case pct != nil:
		sp.percentile = *pct
	}
	return nil
}

// check enforces what each type requires.
func (sp *spec) check(r *sigma.Rule) error {
	k := sp.kind
	switch {
	case k.valued() && len(sp.fields) == 0:
		return ruleErr(r, "%s needs condition.field", k)
	case !k.valued() && len(sp.fields) > 0:
		return ruleErr(r, "%s takes no field", k)
	case k.valued() && k != valueCount && len(sp.fields) > 1:
		return unsupported(r, "several value fields", k.String())
	case (k == eventCount || k.valued()) && len(sp.cond) == 0:
		return ruleErr(r, "%s needs a condition", k)
	case k == firstSeen && len(sp.cond) > 0:
		return ruleErr(r, "first_seen takes no condition")
	case k == firstSeen && len(sp.groupBy) == 0:
		return ruleErr(r, "first_seen needs a group-by: the key that must be new")
	case (k == temporal || k == temporalOrdered) && len(sp.refs) < 2:
		return ruleErr(r, "%s needs at least two rules", k)
	}
	if k == temporal || k == temporalOrdered {
		n := float64(len(sp.refs))
		if len(sp.cond) == 0 {
			sp.cond = condition{{opGTE, n}} // pySigma's default: every rule
		}
		all := sp.cond.holds(n)
		for i := 0.0; i < n && all; i++ {
			all = !sp.cond.holds(i)
		}
		possible := false
		for i := 0.0; i <= n; i++ {
			possible = possible || sp.cond.holds(i)
		}
		switch {
		case !possible:
			return ruleErr(r, "condition %s can never be met by %d rules", sp.cond, len(sp.refs))
		case all:
			// eq or gt written for "every rule": one form, decided as
			// soon as the last rule matches.
			sp.cond = condition{{opGTE, n}}
		case k == temporalOrdered:
			return unsupported(r, "temporal_ordered condition other than all rules", sp.cond.String())
		}
	}
	return nil
}
