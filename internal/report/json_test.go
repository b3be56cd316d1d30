package report

import (
	"bufio"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/mamori-sec/mamori/internal/alert"
)

// TestJSONFormatsRoundTrip decodes what jsonl and json wrote and checks
// the hostile values come back intact (invalid UTF-8 as U+FFFD).
func TestJSONFormatsRoundTrip(t *testing.T) {
	t.Parallel()
	in := fixtureAlerts()
	var fromJSON []alert.Alert
	if err := json.Unmarshal([]byte(writeString(t, JSON, in, Options{})), &fromJSON); err != nil {
		t.Fatal(err)
	}
	var fromJSONL []alert.Alert
	sc := bufio.NewScanner(strings.NewReader(writeString(t, JSONL, in, Options{})))
	for sc.Scan() {
		var a alert.Alert
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatalf("line %d: %v", len(fromJSONL)+1, err)
		}
		fromJSONL = append(fromJSONL, a)
	}
	for name, got := range map[string][]alert.Alert{"json": fromJSON, "jsonl": fromJSONL} {
		if len(got) != len(in) {
			t.Fatalf("%s: %d alerts, want %d", name, len(got), len(in))
		}
		for i := range in {
			if got[i].ID != in[i].ID || got[i].Severity != in[i].Severity || !got[i].Time.Equal(in[i].Time) {
				t.Errorf("%s alert %d: %+v", name, i, got[i])
			}
			if got[i].Principal != in[i].Principal {
				t.Errorf("%s alert %d principal %q, want %q", name, i, got[i].Principal, in[i].Principal)
			}
		}
		if want := strings.ToValidUTF8(hostileSummary, "\uFFFD"); got[1].Summary != want {
			t.Errorf("%s summary %q, want %q", name, got[1].Summary, want)
		}
		if got[1].Resources[0] != hostileFormula {
			t.Errorf("%s: JSON must keep values verbatim, got %q", name, got[1].Resources[0])
		}
	}
}

func TestJSONOutputsAreTerminalSafe(t *testing.T) {
	t.Parallel()
	for _, f := range []Format{JSON, JSONL, OCSF} {
		out := writeString(t, f, fixtureAlerts(), Options{})
		assertTerminalSafe(t, out)
		for _, esc := range []string{`\u001b`, `\u0007`, `\u202e`, `\u2028`, `\u009b`, `\u007f`, `\ufffd`} {
			if !strings.Contains(out, esc) {
				t.Errorf("%s: %s missing; hostile text not escaped as expected", f, esc)
			}
		}
	}
	// jsonl and ocsf: one line per alert, whatever newlines values hold.
	for _, f := range []Format{JSONL, OCSF} {
		if n := strings.Count(writeString(t, f, fixtureAlerts(), Options{}), "\n"); n != len(fixtureAlerts()) {
			t.Errorf("%s: %d lines for %d alerts", f, n, len(fixtureAlerts()))
		}
	}
}

func TestHardenJSON(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in, want string
	}{
		{"ASCII is unchanged", `{"a":"b"}`, `{"a":"b"}`},
		{"DEL is escaped", "{\"a\":\"x\x7f\"}", `{"a":"x\u007f"}`},
		{"C1 CSI is escaped", "\"\u009b2J\"", `"\u009b2J"`},
		{"bidi override is escaped", "\"a\u202eb\"", `"a\u202eb"`},
		{"other non-ASCII is kept", "\"守り é\"", "\"守り é\""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got := string(hardenJSON([]byte(c.in)))
			if got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
			var a, b any
			if json.Unmarshal([]byte(c.in), &a) == nil {
				if err := json.Unmarshal([]byte(got), &b); err != nil || !reflect.DeepEqual(a, b) {
					t.Errorf("hardening changed the value: %v vs %v (%v)", a, b, err)
				}
			}
		})
	}
}
