package coverage

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/mamori-sec/mamori"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/rules"
)

func load(t *testing.T, opt rules.Options) *rules.Set {
	t.Helper()
	set, err := rules.Load(opt)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// only counts one event of each kind given.
func only(kinds ...event.Kind) (n [event.KindCount]int64) {
	for _, k := range kinds {
		n[k] = 1
	}
	return n
}

func kindsOf(gaps []Gap) []event.Kind {
	var ks []event.Kind
	for _, g := range gaps {
		ks = append(ks, g.Kind)
	}
	return ks
}

func TestActivityLogAloneMissesSignInsAuditNetworkAndHosts(t *testing.T) {
	t.Parallel()
	gaps := Missing(load(t, rules.Options{Builtin: mamori.Rules}), only(event.KindActivity))
	want := []event.Kind{event.KindSignIn, event.KindAudit, event.KindFlow, event.KindDNS, event.KindProcess}
	if got := kindsOf(gaps); !slices.Equal(got, want) {
		t.Fatalf("not seen: %v, want %v", got, want)
	}
	for _, g := range gaps {
		if g.Rules+g.Correlations == 0 || len(g.Examples) == 0 || g.Source == "" || g.Export == "" {
			t.Errorf("%v: %+v: a gap must say what it leaves idle and how to cover it", g.Kind, g)
		}
	}
	// The sign-in and audit halves of the built-in temporal correlations
	// (risky sign-in then compute, new account then a privileged role)
	// cannot fire: they are what the user misses, not their base rules.
	for _, g := range gaps[:2] {
		if g.Correlations == 0 {
			t.Errorf("%s: no correlation counted as unable to fire", g.Source)
		}
	}
}

func TestEveryLogReadMissesNothing(t *testing.T) {
	t.Parallel()
	all := only(event.KindActivity, event.KindSignIn, event.KindAudit, event.KindFlow, event.KindDNS, event.KindProcess)
	if gaps := Missing(load(t, rules.Options{Builtin: mamori.Rules}), all); len(gaps) != 0 {
		t.Fatalf("every log was read, yet not seen: %+v", gaps)
	}
}

func TestSignInsAloneMissTheActivityLogAndItsCorrelations(t *testing.T) {
	t.Parallel()
	gaps := Missing(load(t, rules.Options{Builtin: mamori.Rules}), only(event.KindSignIn))
	if len(gaps) == 0 || gaps[0].Kind != event.KindActivity || gaps[0].Correlations == 0 {
		t.Fatalf("the Activity Log's rules and correlations are not counted: %+v", gaps)
	}
	if slices.Contains(kindsOf(gaps), event.KindSignIn) {
		t.Errorf("sign-ins were read but are listed as not seen")
	}
}

// userRules writes rule files into a folder for --rules.
func userRules(t *testing.T, files map[string]string) string {
	t.Helper()
	d := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(d, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

const processRule = `title: "Our miner \u202ewatch"
name: our.xmrig
logsource: {product: linux, service: auditd}
detection:
  sel: {process.image|endswith: /xmrig}
  condition: sel
level: high
`

const activityRule = `title: Our quota watch
name: our.quota
logsource: {product: azure, service: activitylogs}
detection:
  sel: {operationName: Microsoft.Capacity/resourceProviders/locations/serviceLimitsRequests/write}
  condition: sel
level: medium
`

func TestUserRuleOnAMissingLogIsCounted(t *testing.T) {
	t.Parallel()
	dir := userRules(t, map[string]string{"process.yml": processRule, "activity.yml": activityRule})
	set := load(t, rules.Options{Dirs: []string{dir}})
	if n := len(set.Detections()); n != 2 {
		t.Fatalf("%d of the user's rules compiled, want 2", n)
	}
	gaps := Missing(set, only(event.KindActivity))
	if len(gaps) != 1 || gaps[0].Kind != event.KindProcess || gaps[0].Rules != 1 ||
		!slices.Equal(gaps[0].Examples, []string{"Our miner \u202ewatch"}) {
		t.Fatalf("the user's process rule is not the one gap: %+v", gaps)
	}
	// With the built-in rules too, it is counted beside theirs.
	withBuiltin := Missing(load(t, rules.Options{Builtin: mamori.Rules}), only(event.KindActivity))
	all := Missing(load(t, rules.Options{Builtin: mamori.Rules, Dirs: []string{dir}}), only(event.KindActivity))
	if a, b := all[len(all)-1], withBuiltin[len(withBuiltin)-1]; a.Kind != event.KindProcess || a.Rules != b.Rules+1 {
		t.Errorf("host process logs: %d rules with the user's, %d without", a.Rules, b.Rules)
	}
}

func TestOnlyUserRulesOnLogsReadSayNothing(t *testing.T) {
	t.Parallel()
	dir := userRules(t, map[string]string{"activity.yml": activityRule})
	set := load(t, rules.Options{Dirs: []string{dir}})
	if n := len(set.Detections()); n != 1 {
		t.Fatalf("%d of the user's rules compiled, want 1: the test would prove nothing", n)
	}
	if gaps := Missing(set, only(event.KindActivity)); len(gaps) != 0 {
		t.Fatalf("the user's only rule read the Activity Log, which was read; yet: %+v", gaps)
	}
}
