package source

import (
	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
	"github.com/mamori-sec/mamori/internal/source/activitylog"
	"github.com/mamori-sec/mamori/internal/source/entra"
	"github.com/mamori-sec/mamori/internal/source/host"
	"github.com/mamori-sec/mamori/internal/source/network"
)

// family is one reader of a log family: it recognises its records and
// decodes them. The list below is the whole switchboard; a new reader is
// one line here.
type family struct {
	detect func(*fastjson.Value, record.Hint) (string, bool)
	decode func(*record.Scratch, *fastjson.Value, string, []event.Event) ([]event.Event, error)
}

// families are tried in order. The Activity Log comes last because its
// diagnostic shape is the most general (time, operationName, category,
// resourceId, properties): the others claim their categories first.
var families = []family{
	{entra.Detect, entra.Decode},
	{network.Detect, network.Decode},
	{host.Detect, host.Decode},
	{activitylog.Detect, activitylog.Decode},
}

// classify finds the family and shape of a record.
func classify(v *fastjson.Value, h record.Hint) (family, string, bool) {
	for _, f := range families {
		if shape, ok := f.detect(v, h); ok {
			return f, shape, true
		}
	}
	return family{}, "", false
}

// tableOf names the log table or category of a record no family reads, so
// it can be counted as ignored rather than reported as bad: a Defender
// table other than process events is a real log, just not one mamori uses.
func tableOf(v *fastjson.Value, h record.Hint) string {
	if h.Table != "" {
		return h.Table
	}
	for _, k := range []string{"category", "Type", "$table", "Category"} {
		if s := shortString(v, k); s != "" {
			return s
		}
	}
	// An Advanced Hunting export names no table, but every row has a
	// Timestamp and an ActionType.
	if v.Get("Timestamp") != nil {
		if a := shortString(v, "ActionType"); a != "" {
			return "AdvancedHunting:" + a
		}
	}
	return ""
}

func shortString(v *fastjson.Value, k string) string {
	if x := v.Get(k); x != nil && x.Type() == fastjson.TypeString {
		if s := x.GetStringBytes(); len(s) > 0 && len(s) < 128 {
			return string(s)
		}
	}
	return ""
}
