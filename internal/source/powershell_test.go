package source

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The files under testdata/powershell are Get-AzActivityLog's objects
// written as `Select-Object * | ConvertTo-Json` writes them (Az.Monitor's
// PSEventData; the activitylog package's powershellOf says how), made
// from its REST fixtures rest_vmss_lowpriority_quota_failure.json and
// alerts/rest_defender_activate_alert.json, not captured from a PowerShell:
// ps51.json in Windows PowerShell 5.1's layout (four spaces, two after
// the colon, CRLF, "\/Date(ms)\/"), as its `>` writes it once encoded in
// UTF-16; ps7-depth2.json in PowerShell 7's, at the default -Depth 2, so
// Claims' and Properties' Content are the dictionary's type name.
func powershellFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "powershell", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPowerShellExportsAreRead: Azure PowerShell's Activity Log, as
// Windows PowerShell 5.1's `>` writes it (UTF-16, gzipped or not), a
// UTF-8 file with a byte-order mark (Out-File -Encoding UTF8), appended
// batches (several arrays, Out-File -Append) and -Compress's one line, is
// recognised from its first bytes and read whole: the operation its
// display name hides, the size in its request body, Defender's alert.
func TestPowerShellExportsAreRead(t *testing.T) {
	t.Parallel()
	text := powershellFile(t, "ps51.json")
	utf16 := encodeUTF16(string(text), binary.LittleEndian)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(utf16)
	zw.Close()
	var recs []any
	if err := json.Unmarshal(text, &recs); err != nil {
		t.Fatal(err)
	}
	compact, _ := json.Marshal(recs)
	for _, c := range []struct {
		name      string
		b         []byte
		container string
		records   int64
	}{
		{"5.1's >", utf16, "utf16+json-document", 2},
		{"5.1's >, gzipped", gz.Bytes(), "gzip+utf16+json-document", 2},
		{"Out-File -Encoding UTF8", append([]byte("\xef\xbb\xbf"), text...), "json-document", 2},
		{"Out-File -Append", append(append([]byte(nil), text...), text...), "json-document", 4},
		{"-Compress", compact, "json-lines", 2},
	} {
		kind, _, err := Sniff(BytesInput("activity.json", c.b), DefaultLimits())
		if err != nil || !strings.HasSuffix(c.container, kind) {
			t.Errorf("%s: Sniff says %s, %v; want %s", c.name, kind, err, c.container)
		}
		r, st := readBytes(t, c.b)
		if st.Container != c.container || st.Shapes["activity.powershell"] != c.records || st.Records != c.records || len(r.errs) > 0 || len(st.Incomplete) > 0 {
			t.Fatalf("%s: %s, shapes %v, %d records, errors %v, incomplete %v; want %s, %d activity.powershell", c.name,
				st.Container, st.Shapes, st.Records, r.errs, st.Incomplete, c.container, c.records)
		}
		ops := map[string]int{}
		for _, e := range r.events {
			ops[e.Operation]++
			if e.Operation == "microsoft.compute/virtualmachinescalesets/write" && (e.Compute == nil || e.Compute.Size != "Standard_NC6s_v3" ||
				e.Principal.UPN != "mallory@contoso.example" || e.SourceIP.String() != "203.0.113.7" || e.SubStatus != "Conflict") {
				t.Errorf("%s: the scale set's event lacks what its record holds: %+v", c.name, e)
			}
		}
		n := int(c.records / 2)
		if ops["microsoft.compute/virtualmachinescalesets/write"] != n || ops["microsoft.security/locations/alerts/activate/action"] != n || len(r.events) != 3*n {
			t.Errorf("%s: operations %v in %d events; want the scale set's, the alert's record and the alert", c.name, ops, len(r.events))
		}
	}
}

// TestPowerShellExportCutByDepthIsToldOnce: an export cut short at
// ConvertTo-Json's default depth is read for what it holds, and its file
// says once what was lost and which export keeps it; its records are not
// errors.
func TestPowerShellExportCutByDepthIsToldOnce(t *testing.T) {
	t.Parallel()
	r, st := readBytes(t, powershellFile(t, "ps7-depth2.json"))
	if st.Container != "json-document" || st.Shapes["activity.powershell"] != 2 || len(r.events) != 3 || st.Skipped != 0 || len(r.errs) > 0 {
		t.Fatalf("%s, shapes %v, %d events, %d skipped, errors %v; want its 2 records read", st.Container, st.Shapes, len(r.events), st.Skipped, r.errs)
	}
	if len(st.Incomplete) != 1 {
		t.Fatalf("incomplete %v; want one reason", st.Incomplete)
	}
	for why, n := range st.Incomplete {
		if n != 2 || !strings.Contains(why, "ConvertTo-Json -Depth 10") || !strings.Contains(why, "Claims") {
			t.Errorf("incomplete: %d %q; want 2, the export to make", n, why)
		}
	}
	for _, e := range r.events {
		if e.Compute != nil && e.Compute.Size != "" {
			t.Errorf("a size from a body the export lost: %+v", e.Compute)
		}
	}
}
