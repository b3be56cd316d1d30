package report

import (
	"bytes"
	"encoding/json"
	"io"
	"unicode/utf8"

	"github.com/mamori-sec/mamori/internal/alert"
)

// writeJSONL writes one JSON object per item, one per line (alerts, posture
// findings).
func writeJSONL[T any](w io.Writer, items []T) error {
	for i := range items {
		if err := writeJSONLine(w, &items[i]); err != nil {
			return err
		}
	}
	return nil
}

// writeJSON writes one indented array; no alerts is [], never null.
func writeJSON(w io.Writer, alerts []alert.Alert) error {
	if alerts == nil {
		alerts = []alert.Alert{}
	}
	return encodeJSON(w, alerts, "  ")
}

// writeJSONLine writes v as one line of JSON.
func writeJSONLine(w io.Writer, v any) error { return encodeJSON(w, v, "") }

// WriteJSONLine is writeJSONLine for other commands' JSON lines of text
// someone else wrote (a rule pack's titles and levels): hardened as the
// alert formats are, since such lines get printed as often as parsed.
func WriteJSONLine(w io.Writer, v any) error { return writeJSONLine(w, v) }

// encodeJSON writes v as every JSON format here does: HTML characters kept
// ("a & b" stays readable; nobody embeds this in HTML unescaped), indented
// by indent when it is not empty, and hardened for terminals.
func encodeJSON(w io.Writer, v any, indent string) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", indent)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(hardenJSON(buf.Bytes()))
	return err
}

// hardenJSON escapes, as \uNNNN, the characters encoding/json leaves raw
// that a terminal would act on when someone cats the file: DEL, the C1
// controls (U+009B is CSI on some terminals) and the bidi controls, the
// same set Terminal escapes. encoding/json already escapes C0, U+2028 and
// U+2029 and replaces invalid UTF-8 with U+FFFD. The rewrite is safe on
// encoder output: outside strings JSON is ASCII, and an escape sequence
// is ASCII too, so a non-ASCII rune is always a literal string character
// and \uNNNN decodes to the same string.
func hardenJSON(b []byte) []byte {
	var out []byte // allocated on the first rune to escape
	done := 0
	for i := 0; i < len(b); {
		if b[i] < 0x7f {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if needsEscape(r) {
			if out == nil {
				out = make([]byte, 0, len(b)+32)
			}
			out = append(out, b[done:i]...)
			out = appendU(out, r)
			done = i + n
		}
		i += n
	}
	if out == nil {
		return b
	}
	return append(out, b[done:]...)
}

func appendU(out []byte, r rune) []byte {
	out = append(out, '\\', 'u')
	for shift := 12; shift >= 0; shift -= 4 {
		out = append(out, hexDigits[(r>>shift)&0xf])
	}
	return out
}
