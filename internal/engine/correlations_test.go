package engine

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/correlate"
	"github.com/mamori-sec/mamori/internal/enrich"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/rules"
)

// TestFireSummary checks that a correlation alert's summary reads as a
// sentence for each correlation type, whatever its title already says
// ("First compute deployment…" once read "first First compute…").
func TestFireSummary(t *testing.T) {
	at := time.Date(2026, 3, 22, 3, 44, 53, 0, time.UTC)
	who := &keptHit{principal: event.Principal{ID: "0275485b", UPN: "mei@woodgrove.example"}}
	for _, c := range []struct {
		f     correlate.Fire
		first *keptHit
		want  string
	}{
		{correlate.Fire{Type: "first_seen", Title: "First compute deployment by a principal",
			GroupKey: map[string]string{"tenant": "t1", "principal.id": "0275485b"}},
			who, "mei@woodgrove.example: First compute deployment by a principal: 0275485b, not seen in the baseline window before"},
		{correlate.Fire{Type: "first_seen", Title: "Compute created in a region the tenant does not use",
			GroupKey: map[string]string{"tenant": "t1", "region": "centralindia"}},
			nil, "Compute created in a region the tenant does not use: centralindia, not seen in the baseline window before"},
		{correlate.Fire{Type: "value_count", Title: "Compute created in three or more regions within an hour",
			GroupKey: map[string]string{"principal.id": "0275485b"}, Value: 4, Count: 11, Time: at, LastTime: at.Add(5*time.Minute + 37*time.Second),
			Fields: []string{"region"}},
			who, "mei@woodgrove.example: Compute created in three or more regions within an hour: 4 distinct values of region over 11 events within 5m37s"},
		{correlate.Fire{Type: "value_count", Title: "Spread", Value: 3, Count: 5, Fields: []string{"region", "size"}},
			nil, "Spread: at least 3 distinct values each of region and size over 5 events"},
		{correlate.Fire{Type: "value_avg", Title: "Large uploads", Value: 650, Count: 2, Fields: []string{"bytes"}},
			nil, "Large uploads: bytes averages 650 over 2 events"},
		{correlate.Fire{Type: "value_percentile", Title: "Slow calls", Value: 1000, Count: 10, Fields: []string{"duration"}},
			nil, "Slow calls: duration at the rule's percentile is 1000 over 10 events"},
		{correlate.Fire{Type: "value_sum", Title: "Mass compute deployment by one principal", Value: 80, Count: 4, Time: at, LastTime: at,
			GroupKey: map[string]string{"principal.id": "0275485b"}, Fields: []string{"compute.count"}},
			who, "mei@woodgrove.example: Mass compute deployment by one principal: compute.count adds up to 80 over 4 events"},
		{correlate.Fire{Type: "temporal_ordered", Title: "Risky sign-in followed by a quota change", Count: 21, Time: at, LastTime: at.Add(12*time.Minute + 38*time.Second),
			GroupKey: map[string]string{"principal.id": "0275485b"}},
			who, "mei@woodgrove.example: Risky sign-in followed by a quota change: 21 related events within 12m38s"},
		// One of each says so in the singular, not "1 events".
		{correlate.Fire{Type: "temporal", Title: "Then", Count: 1}, nil, "Then: 1 related event"},
		{correlate.Fire{Type: "event_count", Title: "Burst", Count: 1}, nil, "Burst: 1 event"},
		{correlate.Fire{Type: "event_count", Title: "Burst", Count: 2}, nil, "Burst: 2 events"},
		{correlate.Fire{Type: "value_count", Title: "Spread", Value: 1, Count: 1, Fields: []string{"region"}},
			nil, "Spread: 1 distinct value of region over 1 event"},
		{correlate.Fire{Type: "value_sum", Title: "Mass", Value: 8, Count: 1, Fields: []string{"compute.count"}},
			nil, "Mass: compute.count adds up to 8 over 1 event"},
		// With no group-by the whole tenant is one group: its first member
		// is not named as if it were the actor (alert.Alert.WholeTenant).
		{correlate.Fire{Type: "value_sum", Title: "GPUs requested in bulk across the tenant within an hour", Value: 120, Count: 4,
			Fields: []string{"compute.gpus_total"}},
			who, "GPUs requested in bulk across the tenant within an hour: compute.gpus_total adds up to 120 over 4 events"},
	} {
		if got := fireSummary(c.f, c.first); got != c.want {
			t.Errorf("%s %q:\n got %q\nwant %q", c.f.Type, c.f.Title, got, c.want)
		}
	}
}

// TestPoolTextSaysWhatMatched: a flow matched on its port alone names the
// port as a miner port, not its peer as a pool; a listed pool says which.
func TestPoolTextSaysWhatMatched(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		m    event.PoolMatch
		want string
	}{
		{event.PoolMatch{Kind: enrich.KindPort, Indicator: "4444"}, " — a port mining pools use (4444)"},
		{event.PoolMatch{Kind: enrich.KindPort, Indicator: "5555", Pool: "SupportXMR, xmrpool.eu"}, " — a port mining pools use (5555: SupportXMR, xmrpool.eu)"},
		{event.PoolMatch{Kind: enrich.KindDomain, Indicator: "pool.supportxmr.com", Pool: "supportxmr.com"}, " — mining pool pool.supportxmr.com (supportxmr.com)"},
	} {
		ev := &event.Event{}
		ev.Enrich.Pool = &c.m
		if got := poolText(ev); got != c.want {
			t.Errorf("%s: %q, want %q", c.m.Kind, got, c.want)
		}
	}
}

// TestFireOfACorrelationNamedByItsId: a correlation with an id and no
// name (SigmaHQ's, the specification's examples) made alerts with no rule,
// the level and stage of the first rule without an id.
func TestFireOfACorrelationNamedByItsId(t *testing.T) {
	d := t.TempDir()
	os.WriteFile(filepath.Join(d, "noid.yml"), []byte("title: t\nname: x.noid\nlogsource: {product: azure, service: activitylogs}\ndetection:\n  s: {operation: a}\n  condition: s\nlevel: informational\nstage: quota\n"), 0o644)
	os.WriteFile(filepath.Join(d, "corr.yml"), []byte("title: Burst\nid: 6c1d1f8e\ncorrelation:\n  type: event_count\n  rules: [53ba33fd]\n  group-by: [principal.upn]\n  timespan: 10m\n  condition: {gte: 3}\nlevel: critical\n---\ntitle: Failure\nid: 53ba33fd\nlogsource: {product: azure, service: activitylogs}\ndetection:\n  s: {operation: b}\n  condition: s\n"), 0o644)
	set, err := rules.Load(rules.Options{Dirs: []string{d}})
	if err != nil {
		t.Fatal(err)
	}
	a := fireAlert(correlate.Fire{RuleID: "6c1d1f8e", Title: "Burst", Level: "critical", Type: "event_count", Count: 3}, nil, set)
	if a.Rule != "6c1d1f8e" || a.Severity != alert.Critical || a.Stage != "" {
		t.Errorf("rule %q, severity %v, stage %q; want the correlation's id, critical, no stage", a.Rule, a.Severity, a.Stage)
	}
}
