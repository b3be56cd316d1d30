package report

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/mamori-sec/mamori/internal/alert"
)

func TestParseFormat(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want Format
		ok   bool
	}{
		{"table", Table, true},
		{"jsonl", JSONL, true},
		{"json", JSON, true},
		{"csv", CSV, true},
		{"ocsf", OCSF, true},
		{" OCSF ", OCSF, true},
		{"xml", "", false},
		{"", "", false},
	}
	for _, c := range cases {
		got, err := ParseFormat(c.in)
		if got != c.want || (err == nil) != c.ok {
			t.Errorf("ParseFormat(%q) = %q, %v; want %q, ok %v", c.in, got, err, c.want, c.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "table, jsonl, json, csv, ocsf") {
			t.Errorf("ParseFormat(%q) error does not list the formats: %v", c.in, err)
		}
	}
}

func TestWriteUnknownFormat(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := Write(&buf, Format("yaml"), fixtureAlerts(), Options{}); err == nil || buf.Len() > 0 {
		t.Errorf("unknown format: err %v, wrote %q", err, buf.String())
	}
}

// TestNoAlerts pins each format's output for an empty hunt: machine
// formats stay parseable.
func TestNoAlerts(t *testing.T) {
	t.Parallel()
	want := map[Format]string{
		Table: "no alerts\n",
		JSONL: "",
		JSON:  "[]\n",
		CSV: "id,time,severity,rule,title,tenant,subscription,principal,ips,resources,summary,tags,evidence,hosts,principal_name," +
			"incident,suppressed_id,suppressed_reason,suppressed_owner,suppressed_expires,suppressed_file,suppressed_line\n",
		OCSF: "",
	}
	for _, f := range formats {
		for _, in := range [][]alert.Alert{nil, {}} {
			if got := writeString(t, f, in, Options{}); got != want[f] {
				t.Errorf("%s with no alerts = %q, want %q", f, got, want[f])
			}
		}
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteReportsWriterErrors(t *testing.T) {
	t.Parallel()
	for _, f := range formats {
		if err := Write(failWriter{}, f, fixtureAlerts(), Options{}); err == nil {
			t.Errorf("%s: a failing writer gave no error", f)
		}
	}
}
