package sigma

import "fmt"

// UnsupportedError says a rule uses a Sigma feature this engine does not
// implement. Feature is a stable name ("aggregation", "placeholder",
// "modifier") for counting; Detail says which ("%Known_Location%").
type UnsupportedError struct {
	Rule    string // the rule, as Rule.Ref names it
	Feature string
	Detail  string
}

func (e *UnsupportedError) Error() string {
	if e.Detail == "" {
		return fmt.Sprintf("sigma rule %s: unsupported %s", e.Rule, e.Feature)
	}
	return fmt.Sprintf("sigma rule %s: unsupported %s: %s", e.Rule, e.Feature, e.Detail)
}

// RuleError says a rule is invalid: bad YAML, a condition naming no
// search identifier, a modifier given the wrong kind of value.
type RuleError struct {
	Rule string
	Msg  string
}

func (e *RuleError) Error() string { return fmt.Sprintf("sigma rule %s: %s", e.Rule, e.Msg) }

// FieldError says a rule names a field the resolver does not know.
type FieldError struct {
	Rule  string
	Field string
	Err   error
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("sigma rule %s: field %q: %v", e.Rule, e.Field, e.Err)
}

func (e *FieldError) Unwrap() error { return e.Err }

// compileError collects the context errors need while one rule compiles.
type compileError struct{ rule string }

func (c compileError) unsupported(feature, detail string) error {
	return &UnsupportedError{Rule: c.rule, Feature: feature, Detail: detail}
}

func (c compileError) invalid(format string, args ...any) error {
	return &RuleError{Rule: c.rule, Msg: fmt.Sprintf(format, args...)}
}
