package sigma

import "strings"

// modClass says what a modifier does to an item.
type modClass uint8

const (
	modString   modClass = iota // transforms or positions a string value
	modFlag                     // all, neq, cased: changes how values are linked or compared
	modRegexp                   // re
	modReFlag                   // i, m, s and their long names
	modCIDR                     // cidr
	modExists                   // exists
	modFieldref                 // fieldref
	modCompare                  // gt, gte, lt, lte
	modTime                     // minute, hour, day, week, month, year
	modExpand                   // expand
)

// modifiers lists every modifier of the specification's appendix (2.1)
// and the long regular-expression flag names pySigma accepts.
var modifiers = map[string]modClass{
	"contains": modString, "startswith": modString, "endswith": modString,
	"windash": modString, "base64": modString, "base64offset": modString,
	"utf16le": modString, "utf16be": modString, "utf16": modString, "wide": modString,
	"all": modFlag, "neq": modFlag, "cased": modFlag,
	"re": modRegexp,
	"i":  modReFlag, "m": modReFlag, "s": modReFlag,
	"ignorecase": modReFlag, "multiline": modReFlag, "dotall": modReFlag,
	"cidr":     modCIDR,
	"exists":   modExists,
	"fieldref": modFieldref,
	"gt":       modCompare, "gte": modCompare, "lt": modCompare, "lte": modCompare,
	"minute": modTime, "hour": modTime, "day": modTime, "week": modTime, "month": modTime, "year": modTime,
	"expand": modExpand,
}

// itemKind is what an item tests, decided by its type modifier.
type itemKind uint8

const (
	kindString itemKind = iota
	kindRegexp
	kindCIDR
	kindExists
	kindFieldref
	kindCompare
	kindTime
)

// itemMods is an item's parsed modifier chain.
type itemMods struct {
	list  []string // in order, lower case
	kind  itemKind
	all   bool
	neg   bool
	cased bool
	cmp   string // gt, gte, lt, lte or "" (equality)
	time  string // the time part, or ""
	re    string // regular expression flags: "i", "m", "s" in any combination
	pos   bool   // contains, startswith or endswith was given
}

func (m *itemMods) has(name string) bool {
	for _, x := range m.list {
		if x == name {
			return true
		}
	}
	return false
}

// splitKey splits "field|mod|mod" into the field and its modifiers.
func splitKey(key string) (string, []string) {
	parts := strings.Split(key, "|")
	return parts[0], parts[1:]
}

// parseMods checks a modifier chain against the appendix and the
// combinations the specification (and pySigma) allow.
func parseMods(ce compileError, field string, names []string) (*itemMods, error) {
	m := &itemMods{}
	var types []string
	for i, raw := range names {
		name := strings.ToLower(strings.TrimSpace(raw))
		class, ok := modifiers[name]
		if !ok {
			return nil, ce.unsupported("modifier", raw)
		}
		m.list = append(m.list, name)
		switch class {
		case modFlag:
			switch name {
			case "all":
				m.all = true
			case "neq":
				m.neg = true
			case "cased":
				m.cased = true
			}
		case modString:
			if name == "contains" || name == "startswith" || name == "endswith" {
				m.pos = true
			}
		case modReFlag:
			m.re += name[:1]
		case modRegexp, modCIDR, modExists:
			if i != 0 {
				return nil, ce.invalid("field %q: modifier %s must come first", field, name)
			}
			types = append(types, name)
		case modFieldref:
			types = append(types, name)
		case modCompare:
			if m.cmp != "" {
				return nil, ce.invalid("field %q: two comparison modifiers", field)
			}
			m.cmp = name
		case modTime:
			if m.time != "" {
				return nil, ce.invalid("field %q: two time modifiers", field)
			}
			m.time = name
		}
	}
	if len(types) > 1 {
		return nil, ce.invalid("field %q: modifiers %s cannot be combined", field, strings.Join(types, " and "))
	}
	switch {
	case len(types) == 1 && types[0] == "re":
		m.kind = kindRegexp
	case len(types) == 1 && types[0] == "cidr":
		m.kind = kindCIDR
	case len(types) == 1 && types[0] == "exists":
		m.kind = kindExists
	case len(types) == 1 && types[0] == "fieldref":
		m.kind = kindFieldref
	case m.time != "":
		m.kind = kindTime
	case m.cmp != "":
		m.kind = kindCompare
	}
	if len(types) > 0 && (m.time != "" || m.cmp != "") {
		return nil, ce.invalid("field %q: %s cannot be combined with %s%s", field, types[0], m.time, m.cmp)
	}
	return m, m.check(ce, field)
}

// allowed lists the modifier classes each item kind accepts besides its
// own type modifier.
var allowed = map[itemKind][]string{
	kindString:   {"contains", "startswith", "endswith", "windash", "base64", "base64offset", "utf16le", "utf16be", "utf16", "wide", "cased", "expand", "all", "neq"},
	kindRegexp:   {"re", "i", "m", "s", "ignorecase", "multiline", "dotall", "contains", "startswith", "endswith", "all", "neq"},
	kindCIDR:     {"cidr", "all", "neq"},
	kindExists:   {"exists"},
	kindFieldref: {"fieldref", "contains", "startswith", "endswith", "cased", "all", "neq"},
	kindCompare:  {"gt", "gte", "lt", "lte", "all", "neq"},
	kindTime:     {"minute", "hour", "day", "week", "month", "year", "gt", "gte", "lt", "lte", "all", "neq"},
}

func (m *itemMods) check(ce compileError, field string) error {
	for _, name := range m.list {
		ok := false
		for _, a := range allowed[m.kind] {
			if a == name {
				ok = true
				break
			}
		}
		if !ok {
			return ce.invalid("field %q: modifier %s cannot be used with %s", field, name, strings.Join(m.list, "|"))
		}
	}
	return nil
}
