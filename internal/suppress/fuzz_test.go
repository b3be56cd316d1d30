package suppress

import (
	"bytes"
	"testing"

	"github.com/mamori-sec/mamori/internal/alert"
)

// FuzzLoad feeds arbitrary files to Load: it must never panic, and a set
// it accepts must hold only entries with a reason and some narrow scope,
// and must match an arbitrary alert without panicking.
func FuzzLoad(f *testing.F) {
	for _, s := range []string{
		"suppressions:\n- {rule: azure.compute.*, reason: r}\n",
		"suppressions:\n- id: x\n  rule: a\n  tenant: t\n  subscription: /subscriptions/s\n  principal: p@q\n  resource: /subscriptions/**/vm*\n  ip: 10.0.0.0/8\n  reason: r\n  expires: 2025-01-01\n  owner: o\n",
		"suppressions:\n- &e {rule: x, reason: y}\n- *e\n",
		"suppressions: &a [*a]\n",
		"suppressions:\n  - rule: x\n   reason: y\n",
		"- a\n",
		"suppressions:\n- reason: r\n  ip: ::ffff:10.0.0.0/104\n",
		"",
	} {
		f.Add([]byte(s))
	}
	a := alert.Alert{
		Rule: "azure.compute.gpu_vm_created", Tenant: "t", Subscription: "s", Principal: "p@q",
		IPs: []string{"10.1.2.3", "::ffff:10.0.0.1", "bad"}, Resources: []string{"/subscriptions/s/vm1", ""},
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, _, err := Load("f.yml", bytes.NewReader(b), clock)
		if err != nil {
			if s != nil {
				t.Fatal("set returned with an error")
			}
			return
		}
		for _, e := range s.Entries() {
			if e.Reason == "" || !e.narrow() || e.ID == "" {
				t.Fatalf("accepted entry %+v: no reason, id or narrow scope", e)
			}
		}
		s.Match(&a)
		s.Apply([]alert.Alert{a})
	})
}
