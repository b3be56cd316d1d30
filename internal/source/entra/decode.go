package entra

import (
	"fmt"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// Decode appends the event read from v to out: every Entra record, sign-in
// or audit, is one event. A record without a usable time is an error and
// yields nothing.
func Decode(sc *record.Scratch, v *fastjson.Value, shape string, out []event.Event) ([]event.Event, error) {
	switch shape {
	case shapeSignInGraph:
		return decodeSignInGraph(sc, v, out)
	case shapeSignInDiag:
		return decodeSignInDiag(sc, v, out)
	case shapeSignInLA:
		return decodeSignInLA(sc, v, out)
	case shapeAuditGraph:
		return decodeAuditGraph(sc, v, out)
	case shapeAuditDiag:
		return decodeAuditDiag(sc, v, out)
	case shapeAuditLA:
		return decodeAuditLA(sc, v, out)
	case shapeRiskGraph:
		return decodeRiskGraph(sc, v, out)
	case shapeRiskDiag:
		return decodeRiskDiag(sc, v, out)
	case shapeRiskLA:
		return decodeRiskLA(sc, v, out)
	}
	return out, fmt.Errorf("unknown entra shape %q", shape)
}
