package hunt

import (
	"context"
	"encoding/json"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mamori-sec/mamori"
	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/incident"
	"github.com/mamori-sec/mamori/internal/rules"
	"github.com/mamori-sec/mamori/internal/simulate"
)

// TestServicePrincipalsAreNamed hunts a tenant attacked through a service
// principal (the ML, Batch and container fan-out), its sign-ins as Log
// Analytics exports them and as diagnostic settings deliver them: the
// Activity Log names the principal by object id only, its sign-ins (read
// briefly, but for the first of each) by name too. The alerts of its
// writes carry that name, and the incident's title says it.
func TestServicePrincipalsAreNamed(t *testing.T) {
	t.Parallel()
	for _, shape := range []string{simulate.ShapeLogAnalytics, simulate.ShapeRecords} {
		t.Run(shape, func(t *testing.T) {
			t.Parallel()
			sim := t.TempDir()
			truth, err := simulate.Write(sim, simulate.Options{Seed: 3, Days: 30, Scenarios: []string{"ml-batch-aci-fanout"}, SignInShape: shape})
			if err != nil {
				t.Fatal(err)
			}
			names := signInNames(t, sim)
			// The catalogue's compute rules alone: no rule wants a sign-in,
			// so the names come from the first of each read in full.
			res := huntNamed(t, sim, truth, names)
			titled := false
			for _, in := range res.Incidents {
				for _, n := range names {
					titled = titled || strings.Contains(in.Title, " by "+n+" (")
				}
			}
			if !titled {
				t.Error("no incident title names a service principal by its name")
			}
		})
	}
}

// huntNamed hunts a simulated tenant with the catalogue's compute rules
// and checks that every alert by one of the service principals of names
// (object id to name) carries its name, and no other alert a name; at
// least one must, or the test proves nothing.
func huntNamed(t *testing.T, sim string, truth *simulate.Truth, names map[string]string) *Result {
	t.Helper()
	_, enr := catalogue(t)
	res, err := Run(context.Background(), expand(t, sim), Config{Rules: computeRules(t), Enricher: enr, Workers: 2,
		Baseline: time.Duration(truth.BaselineDays) * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	named := 0
	for _, a := range res.Alerts {
		want := names[strings.ToLower(a.Principal)]
		if a.PrincipalName != want {
			t.Errorf("alert %s by %s: named %q, want %q", a.Rule, a.Principal, a.PrincipalName, want)
		}
		if want != "" {
			named++
		}
	}
	if named == 0 {
		t.Fatalf("no alert by a service principal of %v: the test proves nothing", names)
	}
	return res
}

// computeRules loads the catalogue's compute rules only.
func computeRules(t *testing.T) *rules.Set {
	t.Helper()
	dir := t.TempDir()
	files, err := fs.Glob(mamori.Rules, "rules/azure/compute/*.yml")
	if err != nil || len(files) == 0 {
		t.Fatalf("compute rules: %v, %v", files, err)
	}
	for _, f := range files {
		b, err := fs.ReadFile(mamori.Rules, f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	set, err := rules.Load(rules.Options{Dirs: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// signInNames reads the service principals' names from a simulated
// tenant's sign-ins (a day's Log Analytics rows, or diagnostic settings'
// records a line), by object id.
func signInNames(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.Contains(strings.ToLower(p), "signin") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var rows []map[string]any
		if json.Unmarshal(b, &rows) != nil { // a diagnostic blob: one record a line
			for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
				var r map[string]any
				if json.Unmarshal([]byte(l), &r) == nil {
					if p, ok := r["properties"].(map[string]any); ok {
						rows = append(rows, p)
					}
				}
			}
		}
		for _, r := range rows {
			id, _ := r["ServicePrincipalId"].(string)
			name, _ := r["ServicePrincipalName"].(string)
			if id == "" {
				id, _ = r["servicePrincipalId"].(string)
				name, _ = r["servicePrincipalName"].(string)
			}
			if id != "" && name != "" {
				out[strings.ToLower(id)] = name
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSPNamesDecodeTheFirstSignInOfEach(t *testing.T) {
	t.Parallel()
	n := newPrincipalNames(nil, 1)
	g := func(id string) *event.Glance { return &event.Glance{Kind: event.KindSignIn, ServicePrincipal: id} }
	if n.want(g("")) {
		t.Error("a sign-in without a service principal was wanted")
	}
	if !n.want(g("6F0B56C8-aaaa")) || n.want(g(" 6f0b56c8-AAAA ")) {
		t.Error("want: the first sign-in of an id, and only the first (in any case)")
	}
	// Renamed: the later record's name, though read first.
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	n.learn(0, &event.Event{Time: at.Add(time.Hour), Principal: event.Principal{ID: "6f0b56c8-AAAA", Name: "pipeline-prod", Type: "ServicePrincipal"}})
	n.learn(0, &event.Event{Time: at, Principal: event.Principal{ID: "6f0b56c8-aaaa", Name: "pipeline", Type: "ServicePrincipal"}})
	n.learn(0, &event.Event{Principal: event.Principal{ID: "u1", Name: "A User", Type: "User"}})
	as := []alert.Alert{{Principal: "6F0B56C8-AAAA"}, {Principal: "u1"}, {Principal: "someone@contoso.example"}}
	n.learned()
	n.name(as)
	if as[0].PrincipalName != "pipeline-prod" || as[1].PrincipalName != "" || as[2].PrincipalName != "" {
		t.Errorf("names %q %q %q: want the service principal's later name only", as[0].PrincipalName, as[1].PrincipalName, as[2].PrincipalName)
	}
}

// TestUserNameWhicheverWorkerReadIt: a user's object id named by two
// UPNs (renamed) takes the later record's, whichever worker read which
// and in what order; two at one instant, the greater, in every run.
func TestUserNameWhicheverWorkerReadIt(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	user := func(upn string, t time.Time) *event.Event {
		return &event.Event{Time: t, Principal: event.Principal{ID: "7D1E6C11-3a8f", UPN: upn, Type: "User"}}
	}
	for _, order := range [][2]int{{0, 1}, {1, 0}} {
		n := newPrincipalNames(nil, 2)
		n.learn(order[0], user("eve.new@contoso.example", at.Add(time.Minute)))
		n.learn(order[1], user("eve.old@contoso.example", at))
		n.learn(order[1], user("zed@contoso.example", at.Add(-time.Hour)))
		n.learn(order[0], user("b@contoso.example", at.Add(time.Hour)))
		n.learn(order[1], user("a@contoso.example", at.Add(time.Hour)))
		if got := n.learned()["7d1e6c11-3a8f"]; got != "b@contoso.example" {
			t.Errorf("workers %v: named %q, want the latest record's name, the greater of two at one instant", order, got)
		}
	}
}

// Without the service principals' sign-ins (many tenants export the audit
// log and the users' sign-ins only), Entra's audit log names them: an
// "Add service principal credentials" record targets the principal by
// object id and display name. The alerts of its writes carry the name.
func TestAuditRecordsNameServicePrincipals(t *testing.T) {
	t.Parallel()
	sim := t.TempDir()
	truth, err := simulate.Write(sim, simulate.Options{Seed: 3, Days: 30, Scenarios: []string{"ml-batch-aci-fanout"}})
	if err != nil {
		t.Fatal(err)
	}
	names := signInNames(t, sim)
	if len(names) == 0 {
		t.Fatal("the simulated tenant's sign-ins name no service principal")
	}
	if err := os.RemoveAll(filepath.Join(sim, "signins")); err != nil {
		t.Fatal(err)
	}
	if n := len(signInNames(t, sim)); n != 0 {
		t.Fatalf("%d names left in sign-ins after removing them", n)
	}
	// One audit record per principal, as diagnostic settings deliver them
	// (the shape of the simulated tenant's own audit log), an hour before
	// the attack.
	var lines []byte
	when := truth.Attacks[0].Start.Add(-time.Hour).UTC().Format("2006-01-02T15:04:05.0000000Z")
	for id, name := range names {
		rec := map[string]any{
			"category": "AuditLogs", "correlationId": "c0ffee00-0000-4000-8000-000000000001", "durationMs": 0,
			"level": "Informational", "operationName": "Add service principal credentials", "operationVersion": "1.0",
			"resourceId": "/tenants/" + truth.Tenant + "/providers/Microsoft.aadiam", "resultSignature": "None",
			"tenantId": truth.Tenant, "time": when,
			"properties": map[string]any{
				"activityDateTime": when, "activityDisplayName": "Add service principal credentials",
				"category": "ApplicationManagement", "correlationId": "c0ffee00-0000-4000-8000-000000000001",
				"id": "Directory_c0ffee00", "loggedByService": "Core Directory", "operationType": "Update",
				"result": "success", "resultReason": "",
				"initiatedBy": map[string]any{"user": map[string]any{"id": "464e7f26-9e88-4c7d-a959-bacc82ed7aed",
					"userPrincipalName": "admin@contoso.example", "ipAddress": "198.51.100.7"}},
				"targetResources": []any{map[string]any{"id": id, "displayName": name, "type": "ServicePrincipal", "modifiedProperties": []any{}}},
			},
		}
		b, err := json.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(append(lines, b...), '\n')
	}
	dir := filepath.Join(sim, "insights-logs-auditlogs", "added")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "PT1H.json"), lines, 0o644); err != nil {
		t.Fatal(err)
	}
	res := huntNamed(t, sim, truth, names)
	for id, name := range names {
		if res.Names[id] != name {
			t.Errorf("Result.Names[%s] = %q, want %q", id, res.Names[id], name)
		}
	}
}

// Names an earlier hunt learned (Config.Names) name alerts whose principal
// this hunt's records do not; a name this hunt learns wins. A user's
// object id is named by her UPN.
func TestKnownNamesFillIn(t *testing.T) {
	t.Parallel()
	n := newPrincipalNames(map[string]string{"sp-1": "old-pipeline", "sp-2": "batch-runner"}, 2)
	n.learn(0, &event.Event{Kind: event.KindAudit, Principal: event.Principal{ID: "u1", Type: "User"},
		Audit: &event.Audit{Targets: []event.Target{
			{ID: "SP-1", Name: "new-pipeline", Type: "ServicePrincipal"},
			{ID: "app-9", Name: "an application", Type: "Application"},
			{ID: "u2", Name: "someone@contoso.example", Type: "User"},
		}}})
	// A user's records decoded in full name her by object id and UPN (and
	// the client app she used, which is not her).
	n.learn(1, &event.Event{Principal: event.Principal{ID: "0275485B-dd57", UPN: "mei@contoso.example", AppID: "04b07795-cli", Type: "User"}})
	n.learn(0, &event.Event{Principal: event.Principal{ID: "u9", Name: "No UPN", Type: "User"}})
	learned := n.learned()
	as := []alert.Alert{{Principal: "sp-1"}, {Principal: "SP-2"}, {Principal: "app-9"}, {Principal: "u2"},
		{Principal: "0275485b-DD57"}, {Principal: "mei@contoso.example"}, {Principal: "04b07795-cli"}, {Principal: "u9"}}
	n.name(as)
	var got []string
	for _, a := range as {
		got = append(got, a.PrincipalName)
	}
	if want := []string{"new-pipeline", "batch-runner", "", "", "mei@contoso.example", "", "", ""}; !slices.Equal(got, want) {
		t.Errorf("names %q, want %q (service principal targets, this hunt's first; a user's id her UPN)", got, want)
	}
	if want := map[string]string{"sp-1": "new-pipeline", "0275485b-dd57": "mei@contoso.example"}; !maps.Equal(learned, want) {
		t.Errorf("learned %v, want %v", learned, want)
	}
}

// In the GPU chain the attacker's new account acts by UPN in the Activity
// Log, and Defender's alert on its compute names it by object id: that
// alert is named by the UPN, and the incident lists her once.
func TestUsersNamedByTheirUPN(t *testing.T) {
	t.Parallel()
	res := huntSimulated(t, simulate.Options{Seed: 5, Days: 30, Scenarios: []string{"gpu-scaleset-chain"}})
	// Each user's object id and UPN, from the alerts that carry both (one
	// principal each).
	upnOf := map[string]string{}
	for _, a := range res.Alerts {
		if !strings.Contains(a.Principal, "@") {
			continue
		}
		for _, id := range a.PrincipalIDs {
			if len(id) == 36 && strings.Count(id, "-") == 4 && res.Names[id] == a.Principal {
				upnOf[id] = a.Principal
			}
		}
	}
	named := 0
	for _, a := range res.Alerts {
		if upn := upnOf[strings.ToLower(a.Principal)]; upn != "" {
			named++
			if a.PrincipalName != upn {
				t.Errorf("%s by %s: named %q, want %q", a.Rule, a.Principal, a.PrincipalName, upn)
			}
		} else if strings.Contains(a.Principal, "@") && a.PrincipalName != "" {
			t.Errorf("%s by %s: named %q, want no name (a UPN names itself)", a.Rule, a.Principal, a.PrincipalName)
		}
	}
	if named == 0 {
		t.Fatal("no alert names a user by the object id her other alerts carry: the test proves nothing")
	}
	// The grant of Owner to the attacker's new account names the grantee
	// by object id: its summary says who that is.
	granted := false
	for _, a := range res.Alerts {
		if a.Rule != "azure.identity.privileged_role_assignment" {
			continue
		}
		for id, upn := range upnOf {
			if strings.Contains(strings.ToLower(a.Summary), id) {
				granted = true
				if !strings.Contains(a.Summary, " ("+upn+")") {
					t.Errorf("the grant's summary does not name %s: %q", upn, a.Summary)
				}
			}
		}
	}
	if !granted {
		t.Error("no role grant to a user whose UPN the hunt learned")
	}
	names := incident.NamesOf(res.Alerts)
	for _, in := range res.Incidents {
		who := names.Who(in.Principals)
		for _, w := range who {
			if id := strings.ToLower(w); upnOf[id] != "" {
				t.Errorf("incident %q lists %s by bare object id: %q", in.Title, w, who)
			}
		}
		for id, upn := range upnOf {
			if slices.Contains(in.Principals, upn) && slices.ContainsFunc(in.Principals, func(p string) bool { return strings.EqualFold(p, id) }) &&
				len(who) != len(in.Principals)-1 {
				t.Errorf("incident %q: who %q from %q, want %s once", in.Title, who, in.Principals, upn)
			}
		}
	}
}

func TestAnnotateIDs(t *testing.T) {
	t.Parallel()
	names := map[string]string{"0275485b-dd57-4c5c-b5f0-6639af431b60": "mei@contoso.example", "9d91a9a9-1111-4222-8333-444455556666": "pipeline"}
	lookup := func(id string) string { return names[strings.ToLower(id)] }
	for _, c := range []struct{ in, want string }{
		{"granted Owner to user 0275485b-dd57-4c5c-b5f0-6639af431b60 at /subscriptions/ff8e71d3-e979-41ad-a527-6b4f721afe03",
			"granted Owner to user 0275485b-dd57-4c5c-b5f0-6639af431b60 (mei@contoso.example) at /subscriptions/ff8e71d3-e979-41ad-a527-6b4f721afe03"},
		{"First compute deployment by a principal: 0275485B-DD57-4C5C-B5F0-6639AF431B60, 9d91a9a9-1111-4222-8333-444455556666",
			"First compute deployment by a principal: 0275485B-DD57-4C5C-B5F0-6639AF431B60 (mei@contoso.example), 9d91a9a9-1111-4222-8333-444455556666 (pipeline)"},
		// Already annotated (a summary named twice), inside a longer token, cut short, unknown.
		{"x 0275485b-dd57-4c5c-b5f0-6639af431b60 (mei@contoso.example)", "x 0275485b-dd57-4c5c-b5f0-6639af431b60 (mei@contoso.example)"},
		{"a0275485b-dd57-4c5c-b5f0-6639af431b60 0275485b-dd57-4c5c-b5f0-6639af431b601", "a0275485b-dd57-4c5c-b5f0-6639af431b60 0275485b-dd57-4c5c-b5f0-6639af431b601"},
		{"0275485b-dd57-4c5c-b5f0-6639af431b6", "0275485b-dd57-4c5c-b5f0-6639af431b6"},
		{"11111111-2222-3333-4444-555555555555 and 0275485b-dd57-4c5c-b5f0-6639af431b60",
			"11111111-2222-3333-4444-555555555555 and 0275485b-dd57-4c5c-b5f0-6639af431b60 (mei@contoso.example)"},
		{"", ""},
	} {
		if got := annotateIDs(c.in, lookup); got != c.want {
			t.Errorf("annotateIDs(%q)\n = %q\nwant %q", c.in, got, c.want)
		}
	}
}
