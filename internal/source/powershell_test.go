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

// TestPowerShellCSV: Windows PowerShell's Export-Csv writes a #TYPE line
// above the header, which is passed over (a Log Analytics query's rows
// exported so are read, their lines numbered in the file); the Activity
// Log's Export-Csv is refused whole, naming the export to make, not read
// as rows whose times and operations it garbled.
func TestPowerShellCSV(t *testing.T) {
	t.Parallel()
	la := "#TYPE System.Management.Automation.PSCustomObject\r\n" +
		`"TenantId","TimeGenerated [UTC]","OperationNameValue","ActivityStatusValue","Caller","CallerIpAddress","_ResourceId","SubscriptionId","CorrelationId","Type"` + "\r\n" +
		`"t1","2026-03-01T10:00:00Z","MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE","Success","j@b.example","198.51.100.7","/subscriptions/s1/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm1","s1","c1","AzureActivity"` + "\r\n" +
		"bad,row\r\n"
	if kind, _, err := Sniff(BytesInput("la.csv", []byte(la)), DefaultLimits()); kind != "csv" || err != nil {
		t.Errorf("Sniff: %s, %v; want csv", kind, err)
	}
	r, _ := readBytes(t, []byte(la))
	if len(r.events) != 1 || r.events[0].Operation != "microsoft.compute/virtualmachines/write" || len(r.errs) != 1 || r.errs[0].Line != 4 {
		t.Errorf("Export-Csv of rows: %d events, errors %v; want 1, and the bad row at line 4", len(r.events), r.errs)
	}
	if r.events[0].Loc.Line != 3 {
		t.Errorf("the row is at line %d, want 3", r.events[0].Loc.Line)
	}
	ps := "#TYPE Microsoft.Azure.Commands.Insights.OutputClasses.PSEventDataNoDetails\r\n" +
		`"Authorization","Claims","HttpRequest","Properties","Level","SubmissionTimestamp","EventTimestamp","EventName","Category","ResourceProviderName","OperationName","Status","SubStatus","Caller","Description","Id","EventDataId","CorrelationId","ResourceGroupName","ResourceId","ResourceType","OperationId","SubscriptionId","TenantId"` + "\r\n" +
		`"` + "\r\nScope     : /subscriptions/x\r\nAction    : Microsoft.Compute/virtualMachines/write\r\nRole      : \r\nCondition : " + `","` +
		"\r\naud            : https://management.core.windows.net/" + `","","","Informational","3/5/2024 11:00:12 AM","3/5/2024 11:00:00 AM","End request","Administrative","Microsoft.Compute","Create or Update Virtual Machine","Succeeded","OK (HTTP Status Code: 200)","a@b.example","","/x","e1","c1","rg","/subscriptions/x/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm","","o1","x",""` + "\r\n"
	for header, text := range []string{ps, ps[strings.Index(ps, "\n")+1:]} { // 5.1, and 7 (no #TYPE)
		header = 2 - header // the header's line
		r, st := readBytes(t, []byte(text))
		if len(r.events) != 0 || st.Skipped != 1 || len(r.errs) != 1 || !strings.Contains(r.errs[0].Error(), "Export-Csv of Get-AzActivityLog") ||
			!strings.Contains(r.errs[0].Error(), "ConvertTo-Json -Depth 10") || r.errs[0].Line != header {
			t.Errorf("the Activity Log's Export-Csv: %d events, %d skipped, errors %v; want it refused whole, at its header's line %d", len(r.events), st.Skipped, r.errs, header)
		}
	}
}
