package entra

import (
	"strings"
	"time"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/record"
)

// eventTime reads the first usable timestamp among the keys of v
// (record.FirstTime).
func eventTime(sc *record.Scratch, v *fastjson.Value, keys ...string) (time.Time, error) {
	// Callers pass at most two keys: the texts stay on the stack.
	var buf [2]string
	texts := buf[:0]
	for _, k := range keys {
		texts = append(texts, sc.Str(v, k))
	}
	return record.FirstTime(texts...)
}

// diagRecord returns the Graph object of a diagnostic-settings record
// (properties, or the record itself when a forwarder flattened it) and the
// record's time: the envelope's, else the Graph object's timeKey. When
// neither is usable the error is the envelope's.
func diagRecord(sc *record.Scratch, v *fastjson.Value, timeKey string) (*fastjson.Value, time.Time, error) {
	p := sc.Get(v, "properties")
	if p == nil || p.Type() != fastjson.TypeObject {
		p = v
	}
	t, err := eventTime(sc, v, "time")
	if err != nil {
		if pt, perr := eventTime(sc, p, timeKey); perr == nil {
			return p, pt, nil
		}
	}
	return p, t, err
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
