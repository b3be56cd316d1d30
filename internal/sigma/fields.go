package sigma

// FieldID names a field of the event; a Resolver hands ids out at compile
// time so that evaluation never looks a name up.
type FieldID int32

// KeywordsField is the name a compiled rule resolves for keyword searches
// (a list of strings under a search identifier): the resolver's field that
// yields every string of the record. No Sigma field can be named so, since
// "|" separates modifiers.
const KeywordsField = "|keywords"

// FieldInfo is what a Resolver says about a field.
type FieldInfo struct {
	ID FieldID
	// Verbatim says every value the field yields is text of the raw record
	// (possibly re-cased or trimmed), so a literal a rule demands of the
	// field must appear in the record's bytes: needles are derived only
	// from verbatim fields.
	Verbatim bool
	// Index names an index the engine keeps over this field's value, such
	// as "operation": a rule whose condition demands that the field equal
	// one of a set of literals reports the set under this name
	// (Compiled.Required), lower-cased and trimmed. The resolver promises
	// that the field's value, lower-cased and trimmed, is the value the
	// engine indexes.
	Index string
	// Refreshed says the field's value may change after the event was
	// evaluated: the engine refreshes enrichment the hunt learns later
	// (an address found to be the tenant's own), and evaluates again only
	// the rules that read such a field (Compiled.Refreshed).
	Refreshed bool
}

// Resolver maps field names to ids at compile time. An error means the
// field is unknown; it is reported against the rule.
type Resolver interface {
	Resolve(name string) (FieldInfo, error)
}

// Fields is how a compiled rule reads an event.
//
// Field calls match for each value of the field (one for a scalar, each
// element of a list) until match returns true. present reports whether the
// field exists in the event (a field holding null is present); matched
// whether match returned true. The values passed to match are valid only
// during the call.
//
// The match functions are built at compile time and carry no per-event
// state, so passing them allocates nothing. (The yield-style signature
// func(v Value) bool returning "continue" would have forced every
// evaluation to build a closure capturing its result.)
type Fields interface {
	Field(id FieldID, match func(v Value) bool) (present, matched bool)
}

// Collect appends to dst every value of a field, cloned so that they
// outlive the evaluation (correlation group keys, alert evidence); present
// reports whether the field exists. It allocates: call it for matches,
// not on the hot path.
func Collect(f Fields, id FieldID, dst []Value) (values []Value, present bool) {
	present, _ = f.Field(id, func(v Value) bool {
		dst = append(dst, v.Clone())
		return false
	})
	return dst, present
}
