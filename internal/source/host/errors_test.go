package host

import (
	"strings"
	"testing"

	"github.com/mamori-sec/mamori/internal/record"
)

// TestErrorsQuoteRecordsBriefly: a reader's error goes to standard error
// and serve's journal; what it quotes of the record is cut, so a column
// that holds a command line (an export whose columns shifted) does not
// carry the rest of it, its password included, into the message.
func TestErrorsQuoteRecordsBriefly(t *testing.T) {
	t.Parallel()
	const tail = "-p Zx8Q~s3cretValue"
	long := "az login --service-principal -u 0f3c2a1e-7b44-4d0e-9a61-2c8d5e7f1b03 --tenant contoso.example " + tail
	// An XML name has no blanks.
	name := strings.ReplaceAll(long, " ", "_")
	check := func(what string, err error) {
		t.Helper()
		if err == nil {
			t.Errorf("%s: no error", what)
			return
		}
		if msg := err.Error(); strings.Contains(msg, "s3cretValue") || len(msg) > 160 {
			t.Errorf("%s: %d bytes, quotes the record's tail: %q", what, len(msg), msg)
		}
	}
	_, err := decode(t, `{"Timestamp":"`+long+`","DeviceName":"gpu-vm-07","ActionType":"ProcessCreated","FileName":"az","ProcessCommandLine":"az"}`,
		record.Hint{Format: "csv", Table: "DeviceProcessEvents"}, ShapeMDEHunting)
	check("Defender time", err)
	_, err = decode(t, `{"System":{"EventID":"1"},"EventData":{"UtcTime":"`+long+`"}}`, sysmonHint, ShapeSysmon)
	check("Sysmon time", err)
	_, err = auditTime("1700000000." + strings.Repeat("1", 200) + tail)
	check("auditd time", err)
	_, err = parseXMLElement([]byte(`<Event><Data Name="CommandLine">x</` + name + `></Event>`))
	check("XML end tag", err)
	_, err = parseXMLElement([]byte(`<` + name + `/x>`))
	check("XML element name", err)
	_, err = parseXMLElement([]byte(`<Data ` + name + `>`))
	check("XML attribute name", err)
}
