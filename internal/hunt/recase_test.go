package hunt

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mamori-sec/mamori/internal/rules"
)

// TestRecasedValuesStayWanted: a reader lower-cases some fields with
// Unicode's mapping (a resource id's "İ" becomes "i") and a rule's literal
// matches by simple folding ("K", the Kelvin sign, is "k"). A record whose
// text spells a rule's literal only through such runes must still be read
// in full and alert, as it does when every record is decoded: the rules'
// needles (sigma.NeedleIn) must not set it aside.
func TestRecasedValuesStayWanted(t *testing.T) {
	t.Parallel()
	dir, ruleDir := t.TempDir(), t.TempDir()
	// Names each spelled with one of the runes that become ASCII letters:
	// I with dot above (lower-cases to i), the Kelvin sign (folds to k),
	// the long s (folds to s); the rule asks for the ASCII spelling.
	names := []struct{ written, rule string }{
		{"m\u0130ner-01", "miner-01"},
		{"\u212Aube-worker", "kube-worker"},
		{"xmr\u017Fig", "xmrsig"},
	}
	var lines []string
	for i, n := range names {
		lines = append(lines, vmWrite(i, n.written))
		r := fmt.Sprintf(`title: VM %[1]s
name: user.vm_%[2]d
id: 7e57%[2]d
description: d
logsource: {product: azure, service: activitylogs}
detection:
  sel:
    operation: microsoft.compute/virtualmachines/write
    resource_id|endswith: /virtualmachines/%[1]s
  condition: sel
level: low
`, n.rule, i)
		if err := os.WriteFile(filepath.Join(ruleDir, fmt.Sprintf("r%d.yml", i)), []byte(r), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "activity.jsonl"), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	set, err := rules.Load(rules.Options{Dirs: []string{ruleDir}})
	if err != nil {
		t.Fatal(err)
	}
	_, enr := catalogue(t)
	cfg := Config{Rules: set, Enricher: enr, Workers: 1}
	got, err := Run(context.Background(), expand(t, dir), cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DecodeAll = true
	want, err := Run(context.Background(), expand(t, dir), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(want.Alerts) != len(names) {
		t.Fatalf("decoding every record: %d alerts, want %d (one per name)", len(want.Alerts), len(names))
	}
	if diff := cmp.Diff(want.Alerts, got.Alerts); diff != "" {
		t.Errorf("alerts (-every record decoded +needles used):\n%s", diff)
	}
}

// vmWrite returns a diagnostic-settings Activity Log record of a virtual
// machine write, the machine named name (as written: not escaped).
func vmWrite(i int, name string) string {
	return fmt.Sprintf(`{"time":"2026-03-02T10:0%[1]d:00.0000000Z",`+
		`"resourceId":"/SUBSCRIPTIONS/00000002-1111-4222-8333-000000000002/RESOURCEGROUPS/RG-1/PROVIDERS/MICROSOFT.COMPUTE/VIRTUALMACHINES/%[2]s",`+
		`"operationName":"MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE","category":"Administrative","resultType":"Success",`+
		`"resultSignature":"Succeeded.OK","callerIpAddress":"198.51.100.7","correlationId":"8350d5f9-44da-4c9a-86e0-b1f1cf76435%[1]d",`+
		`"identity":{"claims":{"http://schemas.microsoft.com/identity/claims/tenantid":"4f1c2b7e-9a3d-4c55-8e21-6b0d7a9c3e10",`+
		`"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn":"ops@contoso.example","ipaddr":"198.51.100.7"}},`+
		`"level":"Information","location":"westeurope","properties":{"eventCategory":"Administrative"}}`, i, name)
}
