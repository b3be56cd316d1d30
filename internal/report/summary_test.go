package report

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mamori-sec/mamori/internal/coverage"
	"github.com/mamori-sec/mamori/internal/event"
)

// TestSummarySortsIncidentsByTheEdgeTheyReachPast: an incident that
// began before a log goes under incidents_before_log with the log's first
// event, one that went on after it under incidents_after_log with its
// last; a log read without times has none in the document; a rule's name
// from the user's file is escaped for the terminal a cat shows it on.
func TestSummarySortsIncidentsByTheEdgeTheyReachPast(t *testing.T) {
	t.Parallel()
	at := func(d, h int) time.Time { return time.Date(2026, 3, d, h, 0, 0, 0, time.UTC) }
	signins := coverage.Read{Kind: event.KindSignIn, Source: "Entra ID sign-in logs", Events: 40, Repeats: coverage.Repeats{Events: 38},
		Span: coverage.Span{First: at(3, 1), Last: at(4, 2)}}
	dns := coverage.Read{Kind: event.KindDNS, Source: "DNS lookups", Events: 3}
	s := NewSummary([]coverage.Read{signins, dns},
		[]coverage.Gap{{Kind: event.KindProcess, Source: "host process logs", Export: "auditd", Rules: []string{"our.miner\u202e"}}},
		[]coverage.Outside{
			{Incident: "inc-1", Log: signins, Before: true, At: at(1, 7)},
			{Incident: "inc-2", Log: signins, At: at(5, 9)},
			// Several tenants: one's part of a log measured, another's missing.
			{Incident: "inc-3", Log: signins, Before: true, At: at(1, 8), Tenant: "tenant-a"},
			{Incident: "inc-4", Log: signins, At: at(1, 9), Tenant: "tenant-b", Missing: true},
		})
	s.NotSeenByTenant = TenantNotSeenOf([]coverage.TenantGaps{{Tenant: "tenant-b", Gaps: []coverage.Gap{{Kind: event.KindSignIn,
		Source: "Entra ID sign-in logs", Export: "SignInLogs", Rules: []string{"azure.signin.risky"}}}}})
	var b bytes.Buffer
	if err := WriteSummary(&b, s); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"logs_read": []any{
			map[string]any{"kind": "signin", "name": "Entra ID sign-in logs", "events": 40.0, "repeats": 38.0, "repeats_estimated": false,
				"first_event": "2026-03-03T01:00:00Z", "last_event": "2026-03-04T02:00:00Z", "sparse": false},
			map[string]any{"kind": "dns", "name": "DNS lookups", "events": 3.0, "repeats": 0.0, "repeats_estimated": false, "sparse": false},
		},
		"not_seen": []any{map[string]any{"kind": "process", "name": "host process logs", "rules": []any{"our.miner\u202e"},
			"correlations": []any{}, "export": "auditd"}},
		"incidents_before_log": []any{map[string]any{"incident": "inc-1", "kind": "signin", "name": "Entra ID sign-in logs",
			"incident_began": "2026-03-01T07:00:00Z", "log_first_event": "2026-03-03T01:00:00Z"},
			map[string]any{"incident": "inc-3", "tenant": "tenant-a", "kind": "signin", "name": "Entra ID sign-in logs",
				"incident_began": "2026-03-01T08:00:00Z", "log_first_event": "2026-03-03T01:00:00Z"}},
		"incidents_without_log": []any{map[string]any{"incident": "inc-4", "tenant": "tenant-b", "kind": "signin", "name": "Entra ID sign-in logs"}},
		"incidents_after_log": []any{map[string]any{"incident": "inc-2", "kind": "signin", "name": "Entra ID sign-in logs",
			"incident_last_event": "2026-03-05T09:00:00Z", "log_last_event": "2026-03-04T02:00:00Z"}},
		"not_seen_by_tenant": []any{map[string]any{"tenant": "tenant-b", "not_seen": []any{map[string]any{"kind": "signin",
			"name": "Entra ID sign-in logs", "rules": []any{"azure.signin.risky"}, "correlations": []any{}, "export": "SignInLogs"}}}},
		"records_skipped":              0.0,
		"compute_creates":              0.0,
		"compute_creates_unsized":      0.0,
		"compute_creates_unsized_jobs": 0.0,
		"learned_capped":               false,
		"interrupted":                  false,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("summary (-want +got):\n%s", d)
	}
	if !bytes.Contains(b.Bytes(), []byte(`our.miner\u202e`)) {
		t.Errorf("a bidi control reaches the file raw:\n%s", b.Bytes())
	}
}
