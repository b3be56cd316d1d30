package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestIntelUpdateEscapesTheFile: an intel file is a download (a mirror, a
// list someone else keeps); what its error and its summary quote of it
// must not drive the terminal.
func TestIntelUpdateEscapesTheFile(t *testing.T) {
	t.Parallel()
	d := t.TempDir()
	tags := filepath.Join(d, "ServiceTags_Public_20260316.json")
	os.WriteFile(tags, []byte(`{"changeNumber": 999, "cloud": "Public\u001b[2J\u001b[H\u202e", "values": [`+
		`{"name": "AzureCloud", "id": "AzureCloud", "properties": {"addressPrefixes": ["20.33.0.0/16"]}}]}`), 0o644)
	// Refused (another cloud than the data in use): the error quotes the cloud.
	code, out, errs := run(t, "", "intel", "update", "--data-dir", t.TempDir(), "servicetags", tags)
	if code != ExitError || !strings.Contains(errs, `Public\x1b[2J`) {
		t.Errorf("exit %d, stderr %q: want the refusal, the cloud escaped", code, errs)
	}
	if strings.ContainsAny(out+errs, "\x1b\u202e") {
		t.Errorf("raw control characters in the refusal: %q", out+errs)
	}
	// Forced: the summary quotes it.
	code, out, errs = run(t, "", "intel", "update", "--force", "--data-dir", t.TempDir(), "servicetags", tags)
	if code != ExitOK || !strings.Contains(out, `cloud Public\x1b[2J`) {
		t.Errorf("exit %d, stdout %q, stderr %q: want the summary, the cloud escaped", code, out, errs)
	}
	if strings.ContainsAny(out+errs, "\x1b\u202e") {
		t.Errorf("raw control characters in the summary: %q", out+errs)
	}
}
