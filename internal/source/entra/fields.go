package entra

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/record"
)

// errNoTime is returned for a record without a usable event time.
var errNoTime = errors.New("no event time")

// eventTime reads the first usable timestamp among the keys of v. A bad
// value does not stop the search (a later key may hold the same instant);
// when none is usable the error quotes the first bad one.
func eventTime(sc *record.Scratch, v *fastjson.Value, keys ...string) (time.Time, error) {
	texts := make([]string, len(keys))
	for i, k := range keys {
		texts[i] = sc.Str(v, k)
	}
	t, bad, ok := record.FirstTime(texts...)
	if ok {
		return t, nil
	}
	if bad != "" {
		return time.Time{}, fmt.Errorf("%w: %q", errNoTime, clip(bad))
	}
	return time.Time{}, errNoTime
}

// clip shortens attacker-controlled text quoted in an error message.
func clip(s string) string {
	const limit = 64
	if len(s) > limit {
		return s[:limit] + "…"
	}
	return s
}

// firstStr returns the first non-empty string among the keys of v.
func firstStr(sc *record.Scratch, v *fastjson.Value, keys ...string) string {
	for _, k := range keys {
		if s := sc.Str(v, k); s != "" {
			return s
		}
	}
	return ""
}

// firstObj returns the first of the keys of v that holds an object or
// array (or a string holding one), parsed once so that several fields can
// be read from it without parsing the string again.
func firstObj(sc *record.Scratch, v *fastjson.Value, keys []string) *fastjson.Value {
	for _, k := range keys {
		if o := sc.Object(sc.Get(v, k)); o != nil {
			return o
		}
	}
	return nil
}

// enum returns x as a string, as the matching constant of known when it is
// one: the values sign-ins repeat on every record (risk "none",
// "notApplied", "Browser") then cost no allocation.
func enum(x *fastjson.Value, known []string) string {
	if x == nil {
		return ""
	}
	if x.Type() == fastjson.TypeString {
		b := x.GetStringBytes()
		for _, s := range known {
			if string(b) == s {
				return s
			}
		}
	}
	return record.String(x)
}

// lowerTrim lower-cases an operation name and drops the spaces Entra
// sometimes leaves after an activity name.
func lowerTrim(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
