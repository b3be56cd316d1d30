package cli

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/enrich"
)

// TestHuntSaysWhenATableWasFull: a tenant's Activity Log that writes more
// machines than a hunt keeps the sizes of (for their starts later) makes
// it forget the oldest; the hunt says so, in the table (NOT KEPT), on
// standard error, in --summary and in the report. A log of a few machines
// says nothing of it.
func TestHuntSaysWhenATableWasFull(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, c := range []struct {
		name     string
		machines int
	}{{"few", 20}, {"many", enrich.MaxLearned + 64}} {
		path := filepath.Join(dir, c.name+".json")
		writeVMs(t, path, c.machines)
		full := c.machines > enrich.MaxLearned
		sum, page := filepath.Join(t.TempDir(), "summary.json"), filepath.Join(t.TempDir(), "report.html")
		code, _, errs := run(t, "", "hunt", "--no-progress", "--format", "jsonl", "--summary", sum, "--report", page, "--data-dir", t.TempDir(), path)
		if code != ExitOK {
			t.Fatalf("%s: exit %d: %s", c.name, code, errs)
		}
		if line := strings.Contains(errs, "mamori hunt: not kept: "); line != full {
			t.Errorf("%s: standard error says not kept: %v, want %v:\n%s", c.name, line, full, errs)
		}
		if s, _ := readSummary(t, sum); s.LearnedCapped != full {
			t.Errorf("%s: summary learned_capped %v, want %v", c.name, s.LearnedCapped, full)
		}
		html, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		if section := strings.Contains(string(html), `id="not-kept"`); section != full {
			t.Errorf("%s: the report's Not kept section shown %v, want %v", c.name, section, full)
		}
		_, out, _ := run(t, "", "hunt", "--no-progress", "--data-dir", t.TempDir(), path)
		if section := strings.Contains(out, "\nNOT KEPT: "); section != full {
			t.Errorf("%s: the table's NOT KEPT shown %v, want %v", c.name, section, full)
		}
	}
}

// writeVMs writes n VM creates by one engineer, a minute apart, each a
// diagnostic setting's Start record with its request body.
func writeVMs(t *testing.T, path string, n int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	day := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	for i := range n {
		fmt.Fprintf(w, `{"time":"%s","resourceId":"/SUBSCRIPTIONS/00000000-1111-4222-8333-000000000001/RESOURCEGROUPS/RG-BUILD/PROVIDERS/MICROSOFT.COMPUTE/VIRTUALMACHINES/AGENT-%06d",`+
			`"operationName":"MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE","category":"Administrative","resultType":"Start","resultSignature":"Started.","callerIpAddress":"198.51.100.7",`+
			`"correlationId":"00000000-0000-4000-8000-%012d","identity":{"claims":{"http://schemas.microsoft.com/identity/claims/tenantid":"4f1c2b7e-9a3d-4c55-8e21-6b0d7a9c3e10",`+
			`"http://schemas.microsoft.com/identity/claims/objectidentifier":"6a1c3b0e-001c-4000-8000-000000000001","http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn":"ops@contoso.example"}},`+
			`"level":"Information","location":"westeurope","properties":{"requestbody":"{\"location\":\"westeurope\",\"properties\":{\"hardwareProfile\":{\"vmSize\":\"Standard_D4s_v5\"}}}"}}`+"\n",
			day.Add(time.Duration(i)*time.Minute).Format(time.RFC3339Nano), i, i)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
