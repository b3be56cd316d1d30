package activitylog

import (
	"strings"
	"unicode/utf8"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// statuses are the Activity Log status values in their usual spelling: the
// diagnostic resultType (Start, Accept, Success, Failure) and the REST and
// Log Analytics status (Started, Accepted, Succeeded, Failed).
var statuses = []string{
	"Start", "Started", "Accept", "Accepted", "Success", "Succeeded", "Failure", "Failed",
	"Active", "Resolved", "In Progress", "Updated", "Canceled", "Cancelled",
}

// outcome maps a status to the normalised phase; statuses that are no
// phase of an ARM operation (Active, Resolved, Updated) map to unknown.
func outcome(status string) event.Outcome {
	// Compared without lower-casing: every record has a status, and
	// strings.ToLower would allocate for "Succeeded" each time.
	s := strings.TrimSpace(status)
	switch {
	case record.EqualFold(s, "start"), record.EqualFold(s, "started"):
		return event.OutcomeStarted
	case record.EqualFold(s, "accept"), record.EqualFold(s, "accepted"):
		return event.OutcomeAccepted
	case record.EqualFold(s, "success"), record.EqualFold(s, "succeeded"):
		return event.OutcomeSucceeded
	case record.EqualFold(s, "failure"), record.EqualFold(s, "failed"):
		return event.OutcomeFailed
	}
	return event.OutcomeUnknown
}

// maxMessage caps the status message kept on an event: enough for every
// ARM error, short enough that a hostile record cannot bloat every event.
const maxMessage = 2048

// statusMessage renders properties.statusMessage readably. It arrives as
// plain text, as a JSON object, or as a string holding one, usually an ARM
// error ({"error":{"code","message","details":[…]}}, sometimes wrapped in
// {"status":"Failed","error":…}). The readable form is "code: message" for
// the error and each nested detail, joined by " | ", so the quota message
// buried in details[0] is kept; a JSON document without any message is kept
// as compact JSON. The result is trimmed and cut to maxMessage bytes.
func statusMessage(sc *record.Scratch, raw *fastjson.Value) string {
	if raw == nil || raw.Type() == fastjson.TypeNull {
		return ""
	}
	doc := sc.Object(raw)
	if doc == nil {
		return cut(strings.TrimSpace(record.String(raw)))
	}
	var b strings.Builder
	writeError(&b, doc, 0)
	if b.Len() == 0 {
		return cut(record.String(doc))
	}
	return cut(b.String())
}

// writeError appends the code and message of an ARM error object and of its
// details, depth-first, stopping at a few levels and at maxMessage bytes.
func writeError(b *strings.Builder, v *fastjson.Value, depth int) {
	if v == nil || depth > 4 || b.Len() >= maxMessage {
		return
	}
	switch v.Type() {
	case fastjson.TypeArray:
		a, _ := v.Array()
		for _, x := range a {
			writeError(b, x, depth+1)
		}
		return
	case fastjson.TypeObject:
	default:
		return
	}
	if e := record.Key(v, "error"); e != nil && e.Type() == fastjson.TypeObject {
		writeError(b, e, depth+1)
	}
	code := strings.TrimSpace(str(v, "code"))
	msg := strings.TrimSpace(str(v, "message"))
	if code != "" || msg != "" {
		if b.Len() > 0 {
			b.WriteString(" | ")
		}
		b.WriteString(code)
		if code != "" && msg != "" {
			b.WriteString(": ")
		}
		b.WriteString(msg)
	}
	if d := record.Key(v, "details"); d != nil {
		writeError(b, d, depth+1)
	}
}

// cut shortens s to maxMessage bytes at a rune boundary, marking the cut.
func cut(s string) string {
	if len(s) <= maxMessage {
		return s
	}
	i := maxMessage
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}
