package suppress

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestLoadReadsEveryKey(t *testing.T) {
	t.Parallel()
	s, ws := mustLoad(t, `# accepted activity
suppressions:
  - id: render
    rule: azure.compute.*
    tenant: 7F3C9D10-aaaa-4bbb-8ccc-ddddeeeeffff
    subscription: /subscriptions/0B1E5F2A-1111-4222-8333-944455556666
    principal: render@contoso.com
    resource: /subscriptions/**/resourceGroups/render/**
    ip: 203.0.113.0/24
    reason: "GPU render farm, CHG-1234"
    expires: 2025-12-31
    owner: secops@contoso.com
  - rule: azure.network.pool_dns
    reason: lab
`)
	if len(ws) != 0 {
		t.Errorf("warnings = %v", ws)
	}
	es := s.Entries()
	if len(es) != 2 {
		t.Fatalf("%d entries, want 2", len(es))
	}
	e := es[0]
	if e.ID != "render" || e.Index != 1 || e.Line != 3 || e.Rule != "azure.compute.*" ||
		e.Principal != "render@contoso.com" || e.IP != "203.0.113.0/24" ||
		e.Reason != "GPU render farm, CHG-1234" || e.Owner != "secops@contoso.com" || e.ExpiresText != "2025-12-31" {
		t.Errorf("entry = %+v", e)
	}
	if e.tenant != "7f3c9d10-aaaa-4bbb-8ccc-ddddeeeeffff" || e.subscription != "0b1e5f2a-1111-4222-8333-944455556666" {
		t.Errorf("tenant %q subscription %q not normalised", e.tenant, e.subscription)
	}
	if want := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC); !e.Expires.Equal(want) {
		t.Errorf("Expires = %v, want %v (a date covers its whole day)", e.Expires, want)
	}
	if es[1].ID != "#2" || es[1].Line != 13 {
		t.Errorf("second entry id %q line %d, want #2 at line 13", es[1].ID, es[1].Line)
	}
}

func TestLoadEmptyList(t *testing.T) {
	t.Parallel()
	for _, src := range []string{"suppressions: []\n", "suppressions:\n# none yet\n"} {
		s, _ := mustLoad(t, src)
		if len(s.Entries()) != 0 {
			t.Errorf("%q: %d entries", src, len(s.Entries()))
		}
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  string
		want []string // each a full message line of the joined error
	}{
		{"unknown key names its line and the known keys", "suppressions:\n- rule: x\n  reason: r\n  principle: a@b.c\n",
			[]string{`s.yml:4: unknown key "principle" (known: id, rule, tenant, subscription, principal, resource, ip, reason, expires, owner); did you mean "principal"?`}},
		{"unknown key in another case suggests the right one", "suppressions:\n- Rule: x\n  reason: r\n",
			[]string{`s.yml:2: unknown key "Rule" (known: id, rule, tenant, subscription, principal, resource, ip, reason, expires, owner); did you mean "rule"?`}},
		{"unknown top-level key", "suppresions:\n- rule: x\n  reason: r\n",
			[]string{`s.yml:1: unknown key "suppresions" (known: suppressions); did you mean "suppressions"?`, `s.yml:1: no suppressions: list`}},
		{"missing reason", "suppressions:\n- rule: x\n",
			[]string{`s.yml:2: entry 1: no reason: every suppression says why it is accepted`}},
		{"blank reason", "suppressions:\n- rule: x\n  reason: '  '\n",
			[]string{`s.yml:3: reason: empty value`}},
		{"empty entry", "suppressions:\n- {}\n",
			[]string{`s.yml:2: entry 1 is empty: it needs a reason and at least one scope key`}},
		{"entry with only a reason suppresses everything", "suppressions:\n- reason: all of it\n",
			[]string{`s.yml:2: entry 1 would suppress every alert: set rule, or a narrower tenant, subscription, principal, resource or ip`}},
		{"match-all rule, resource and ip suppress everything", "suppressions:\n- rule: '**'\n  resource: /**\n  ip: 0.0.0.0/0\n  reason: r\n",
			[]string{`s.yml:2: entry 1 would suppress every alert: set rule, or a narrower tenant, subscription, principal, resource or ip`}},
		{"bad date", "suppressions:\n- rule: x\n  reason: r\n  expires: 31/12/2025\n",
			[]string{`s.yml:4: expires: "31/12/2025" is not a date (YYYY-MM-DD) or an RFC 3339 time (2025-06-30T18:00:00Z)`}},
		{"date and time without a zone", "suppressions:\n- rule: x\n  reason: r\n  expires: 2025-12-31 18:00:00\n",
			[]string{`s.yml:4: expires: "2025-12-31 18:00:00" is not a date (YYYY-MM-DD) or an RFC 3339 time (2025-06-30T18:00:00Z)`}},
		{"bad CIDR", "suppressions:\n- rule: x\n  reason: r\n  ip: 10.0.0.0/33\n",
			[]string{`s.yml:4: ip: "10.0.0.0/33" is not an address or CIDR`}},
		{"CIDR with host bits", "suppressions:\n- rule: x\n  reason: r\n  ip: 10.0.0.5/24\n",
			[]string{`s.yml:4: ip: "10.0.0.5/24" has host bits set: write 10.0.0.0/24`}},
		{"address with a zone", "suppressions:\n- rule: x\n  reason: r\n  ip: fe80::1%eth0\n",
			[]string{`s.yml:4: ip: "fe80::1%eth0" is not an address or CIDR`}},
		{"** inside a segment", "suppressions:\n- reason: r\n  resource: /subscriptions/x/vm**\n",
			[]string{`s.yml:3: resource: "/subscriptions/x/vm**": "**" must be a whole segment, as in /subscriptions/x/**/virtualmachines/*`}},
		{"subscription that is a longer path", "suppressions:\n- reason: r\n  subscription: /subscriptions/x/resourcegroups/y\n",
			[]string{`s.yml:3: subscription: "/subscriptions/x/resourcegroups/y" names no subscription`}},
		{"list where a single value is expected", "suppressions:\n- reason: r\n  rule: [a, b]\n",
			[]string{`s.yml:3: rule: expected a single value, not a list or mapping (write one entry per value)`}},
		{"key with no value", "suppressions:\n- reason: r\n  rule:\n  tenant: t\n",
			[]string{`s.yml:3: rule: no value`}},
		{"repeated key", "suppressions:\n- rule: a\n  rule: b\n  reason: r\n",
			[]string{`s.yml:3: key "rule" repeated (first at line 2)`}},
		{"duplicate id", "suppressions:\n- {id: a, rule: x, reason: r}\n- {id: a, rule: y, reason: r}\n",
			[]string{`s.yml:3: duplicate id "a" (first at line 2)`}},
		{"entry that is not a mapping", "suppressions:\n- azure.compute.*\n",
			[]string{`s.yml:2: entry 1: expected a mapping of keys (id, rule, tenant, subscription, principal, resource, ip, reason, expires, owner)`}},
		{"suppressions not a list", "suppressions: {rule: x}\n",
			[]string{`s.yml:1: suppressions: expected a list of entries`}},
		{"top level is a list", "- rule: x\n  reason: r\n",
			[]string{`s.yml:1: expected a mapping with a top-level suppressions: list`}},
		{"empty file", "", []string{`s.yml: empty file: expected a top-level suppressions: list`}},
		{"comments only", "# todo\n", []string{`s.yml: empty file: expected a top-level suppressions: list`}},
		{"broken YAML names file and the line of the unclosed list", "suppressions:\n- rule: x\n  reason: [unclosed\n",
			[]string{`s.yml:3: invalid YAML: did not find expected ',' or ']'`}},
		{"misindented key names the list it breaks", "suppressions:\n  - rule: x\n   reason: y\n",
			[]string{`s.yml:2: invalid YAML: did not find expected '-' indicator`}},
		{"unknown anchor", "suppressions:\n- *nothing\n",
			[]string{`s.yml: invalid YAML: unknown anchor 'nothing' referenced`}},
		{"tab indentation names the value it continues", "suppressions:\n- rule: x\n\treason: r\n",
			[]string{`s.yml:2: invalid YAML: found a tab character that violates indentation`}},
		{"second document", "suppressions: []\n---\nsuppressions: []\n",
			[]string{`s.yml:2: a second YAML document: a suppressions file holds one`}},
		{"several errors at once", "suppressions:\n- rule: x\n  reason: r\n  expires: soon\n- rule: y\n  ip: 300.1.1.1\n  reason: r\n- tenant: t\n  colour: red\n",
			[]string{
				`s.yml:4: expires: "soon" is not a date (YYYY-MM-DD) or an RFC 3339 time (2025-06-30T18:00:00Z)`,
				`s.yml:6: ip: "300.1.1.1" is not an address or CIDR`,
				`s.yml:9: unknown key "colour" (known: id, rule, tenant, subscription, principal, resource, ip, reason, expires, owner)`,
				`s.yml:8: entry 3: no reason: every suppression says why it is accepted`,
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, ws, err := Load("s.yml", strings.NewReader(tt.src), clock)
			if err == nil {
				t.Fatalf("no error; set %v, warnings %v", s, ws)
			}
			if s != nil {
				t.Error("a set was returned with the error")
			}
			if got, want := err.Error(), strings.Join(tt.want, "\n"); got != want {
				t.Errorf("error:\n%s\nwant:\n%s", got, want)
			}
			var e *Error
			if !errors.As(err, &e) || e.File != "s.yml" {
				t.Errorf("error %T does not unwrap to *Error naming the file", err)
			}
		})
	}
}

func TestExpiredEntriesWarn(t *testing.T) {
	t.Parallel()
	src := `suppressions:
- id: lapsed
  rule: azure.compute.*
  reason: r
  expires: 2025-06-14
- id: today
  rule: azure.compute.*
  reason: r
  expires: 2025-06-15
- id: hour
  rule: azure.compute.*
  reason: r
  expires: 2025-06-15T11:59:59Z
- id: forever
  rule: azure.compute.*
  reason: r
`
	s, ws := mustLoad(t, src)
	want := []string{
		`s.yml:2: suppression "lapsed" expired (expires: 2025-06-14): not applied`,
		`s.yml:10: suppression "hour" expired (expires: 2025-06-15T11:59:59Z): not applied`,
	}
	var got []string
	for _, w := range ws {
		got = append(got, w.String())
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var expired []string
	for _, e := range s.Entries() {
		if e.Expired {
			expired = append(expired, e.ID)
		}
	}
	if strings.Join(expired, " ") != "lapsed hour" {
		t.Errorf("expired entries = %v, want lapsed hour", expired)
	}
	// Expired entries are not reported again as unused.
	for _, w := range s.Unused() {
		if w.Entry == "lapsed" || w.Entry == "hour" {
			t.Errorf("expired entry reported as unused: %v", w)
		}
	}

	if _, err := LoadStrict("s.yml", strings.NewReader(src), clock); err == nil ||
		err.Error() != strings.Join(want, "\n") {
		t.Errorf("LoadStrict error = %v, want the expiries as errors", err)
	}
	if _, err := LoadStrict("s.yml", strings.NewReader(src), time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Errorf("LoadStrict before any expiry: %v", err)
	}
}

func TestLoadTooLarge(t *testing.T) {
	t.Parallel()
	big := strings.NewReader("suppressions:\n" + strings.Repeat("#", MaxFileSize))
	if _, _, err := Load("big.yml", big, clock); err == nil || !strings.HasPrefix(err.Error(), "big.yml: larger than") {
		t.Errorf("error = %v, want a size error", err)
	}
}
