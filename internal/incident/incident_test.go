package incident

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
)

func TestSummaryIsOneLine(t *testing.T) {
	t.Parallel()
	in := Build(attackChain(), Options{})[0]
	s := in.Summary()
	want := in.ID + " [critical] Cryptojacking: GPU scale sets (80 instances) in 3 regions after elevated access by " + mallory +
		": 11 alerts across initial_access, escalation, quota, deployment, drivers, mining, 2026-11-02T03:00:00Z to 2026-11-02T06:10:00Z, " +
		"$308.54/h, tenant " + tenantA
	if s != want {
		t.Errorf("summary\n%s\nwant\n%s", s, want)
	}
	// A principal chosen by the attacker cannot break the line.
	evil := mk("azure.identity.elevate_access", alert.High, at(0), principal("a\nb\x1b[31m"))
	one := Build([]alert.Alert{evil}, Options{})[0]
	if s := one.Summary(); strings.ContainsAny(s, "\n\x1b") || !strings.Contains(s, "by a b [31m") {
		t.Errorf("summary %q", s)
	}
}

func TestSummaryCost(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		c    Cost
		want string
	}{
		{Cost{}, ""},
		{Cost{Lines: []CostLine{{}}, Unpriced: 1}, "compute cost unknown"},
		{Cost{USDPerHour: 12.5, Lines: []CostLine{{Priced: true}, {}, {}}, Unpriced: 2, Estimated: true}, "~$12.50/h estimated + 2 unpriced sizes"},
		{Cost{USDPerHour: 3, Lines: []CostLine{{Priced: true}}, Complete: true}, "$3.00/h"},
	} {
		if got := tc.c.describe(); got != tc.want {
			t.Errorf("describe(%+v) = %q, want %q", tc.c, got, tc.want)
		}
	}
}

// TestIncidentJSONIsStable pins the field names readers depend on.
func TestIncidentJSONIsStable(t *testing.T) {
	t.Parallel()
	in := Build(attackChain(), Options{})[0]
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	want := []string{"cost", "id", "ips", "last_time", "principals", "regions", "resources", "severity", "stages",
		"subscriptions", "tenant", "time", "timeline", "title"}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("keys %v\nwant %v", keys, want)
	}
	if !strings.Contains(string(m["severity"]), `"critical"`) || !strings.Contains(string(m["stages"]), `{"stage":"initial_access","alerts":[`) {
		t.Errorf("severity %s stages %s", m["severity"], m["stages"])
	}
	if !strings.Contains(string(m["cost"]), `"usd_per_hour":308.54`) || !strings.Contains(string(m["cost"]), `"basis":"exact"`) {
		t.Errorf("cost %s", m["cost"])
	}
	var back Incident
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, in) {
		t.Errorf("the JSON form does not read back: %v", err)
	}
}

func TestTitles(t *testing.T) {
	t.Parallel()
	ss := vmss(subA, "ss1")
	for _, tc := range []struct {
		name   string
		alerts []alert.Alert
		want   string
	}{{
		name:   "one alert keeps its title",
		alerts: []alert.Alert{mk("azure.quota.increase", alert.Low, at(0), principal(mallory))},
		want:   "title of azure.quota.increase by " + mallory,
	}, {
		name: "a service principal whose name the hunt read: its name and the start of its id",
		alerts: []alert.Alert{
			mk("azure.quota.increase", alert.Low, at(0), principal("6f0b56c8-3e0c-4305-bb11-95eaf0f648e6"),
				func(a *alert.Alert) { a.PrincipalName = "aml-training-pipeline" }),
		},
		want: "title of azure.quota.increase by aml-training-pipeline (6f0b56c8)",
	}, {
		name: "access only",
		alerts: []alert.Alert{
			mk("azure.signin.azure_ip_not_owned", alert.Medium, at(0), principal(mallory)),
			mk("azure.identity.new_account_privileged", alert.High, at(time.Hour), principal(mallory)),
		},
		want: "Suspicious access: a new privileged identity, a suspicious sign-in by " + mallory,
	}, {
		name: "two alerts of no stage: the first's title and 1 more alert, not 1 more alerts",
		alerts: []alert.Alert{
			mk("custom.a", alert.Low, at(0), principal(mallory)),
			mk("custom.b", alert.Low, at(time.Minute), principal(mallory)),
		},
		want: "title of custom.a and 1 more alert by " + mallory,
	}, {
		name: "compute without a foothold is said plainly, not called cryptojacking",
		alerts: []alert.Alert{
			mk("azure.compute.new_region", alert.Medium, at(0), principal(mallory), res(ss),
				compute("vm", "Standard_F72s_v2", 1, "brazilsouth", ss, "")),
			mk("azure.compute.unusual_service", alert.Medium, at(time.Hour), principal(mallory), res(ss)),
		},
		want: "VMs in brazilsouth by " + mallory,
	}, {
		// SigmaHQ's rules place a network change in the deployment stage
		// through attack.impact: the title must not claim compute.
		name: "a user's impact rules without compute are not called compute created",
		alerts: []alert.Alert{
			mk("d22b4df4", alert.Medium, at(0), principal(mallory), tags("attack.impact")),
			mk("c1182e02", alert.Medium, at(time.Minute), principal(mallory), tags("attack.impact")),
		},
		want: "title of d22b4df4 and 1 more alert by " + mallory,
	}, {
		name: "the same after a foothold is suspicious access, not possible cryptojacking",
		alerts: []alert.Alert{
			mk("azure.identity.elevate_access", alert.High, at(0), principal(mallory)),
			mk("d22b4df4", alert.Medium, at(time.Minute), principal(mallory), tags("attack.impact")),
		},
		want: "Suspicious access: elevated access by " + mallory,
	}, {
		// Only the catalogue's elevation is "elevated access": a role
		// grant is named so, any other escalation plainly.
		name: "a role grant is not called elevated access",
		alerts: []alert.Alert{
			mk("azure.identity.privileged_role_assignment", alert.Medium, at(0), principal(mallory)),
			mk("azure.signin.azure_ip_not_owned", alert.Medium, at(time.Minute), principal(mallory)),
		},
		want: "Suspicious access: a privileged role grant, a suspicious sign-in by " + mallory,
	}, {
		name: "users' access rules alone are told by their titles",
		alerts: []alert.Alert{
			mk("1b45b0d1", alert.High, at(0), principal(mallory), tags("attack.persistence", "attack.privilege-escalation", "attack.t1098")),
			mk("cbb67ecc", alert.High, at(time.Minute), principal(mallory), tags("attack.privilege-escalation")),
		},
		want: "title of 1b45b0d1 and 1 more alert by " + mallory,
	}, {
		name: "a user's escalation rule before compute is privilege escalation",
		alerts: []alert.Alert{
			mk("1b45b0d1", alert.High, at(0), principal(mallory), tags("attack.privilege-escalation")),
			mk("azure.compute.gpu_created", alert.Low, at(time.Minute), principal(mallory)),
		},
		want: "Possible cryptojacking: compute created after privilege escalation by " + mallory,
	}, {
		// SigmaHQ's "Number Of Resource Creation Or Deployment
		// Activities" fires on every VM write and is tagged privilege
		// escalation: a data scientist's GPU machine is not cryptojacking
		// after an escalation for it.
		name: "a broad rule tagged escalation on the records that created compute",
		alerts: []alert.Alert{
			mk("d2d901db", alert.Medium, at(0), principal(mallory), tags("attack.privilege-escalation", "attack.persistence", "attack.t1098"),
				compute("vm", "Standard_NC6s_v3", 1, "eastus2", "ds-train-01", "c1")),
			mk("azure.compute.gpu_created", alert.Low, at(0), principal(mallory), compute("vm", "Standard_NC6s_v3", 1, "eastus2", "ds-train-01", "c1")),
			mk("azure.compute.gpu_driver_extension", alert.Low, at(5*time.Minute), principal(mallory)),
		},
		want: "GPU VMs in eastus2 by " + mallory,
	}, {
		name: "a user's rule that says its stage is deployment is taken at its word",
		alerts: []alert.Alert{
			mk("custom.vm", alert.Medium, at(0), principal(mallory), stage("deployment")),
			mk("custom.vm2", alert.Medium, at(time.Minute), principal(mallory), stage("deployment")),
		},
		want: "Compute created by " + mallory,
	}, {
		name: "a foothold, quota, then mining",
		alerts: []alert.Alert{
			mk("azure.signin.azure_ip_not_owned", alert.Medium, at(0), principal(mallory), sub(subA)),
			mk("azure.quota.increase_burst", alert.Medium, at(time.Minute), principal(mallory), sub(subA)),
			mk("azure.host.miner_process", alert.High, at(time.Hour), sub(subA)),
		},
		want: "Cryptojacking: mining activity after a suspicious sign-in by " + mallory,
	}, {
		// The foothold taken by one identity, the compute made by another
		// (an owner the attacker granted, from the same address): each is
		// named where it acts, so the title does not say the deployer
		// elevated access.
		name: "the foothold by one identity, the compute by another",
		alerts: []alert.Alert{
			mk("azure.identity.elevate_access", alert.High, at(0), principal(eve), sub(subA), ips("20.42.65.90")),
			mk("azure.quota.increase_burst", alert.Medium, at(time.Minute), principal(mallory), sub(subA), ips("20.42.65.90")),
			mk("azure.compute.mass_deployment", alert.High, at(2*time.Minute), principal(mallory), sub(subA)),
			mk("azure.host.miner_process", alert.High, at(time.Hour), sub(subA)),
		},
		want: "Cryptojacking: mining activity by " + mallory + ", after elevated access by " + eve,
	}, {
		// The loss itself is the headline, by who moved it, after how
		// they were given the rights to (a guest made Owner by another).
		name: "a subscription moved away after a role grant",
		alerts: []alert.Alert{
			mk("azure.signin.azure_ip_not_owned", alert.Medium, at(0), principal(eve), ips("20.42.65.90")),
			mk("azure.identity.new_account_privileged", alert.High, at(time.Minute), principal(eve)),
			mk("azure.identity.privileged_role_assignment", alert.Medium, at(2*time.Minute), principal(eve), sub(subA), ips("20.42.65.90")),
			mk("azure.subscription.moved_to_other_tenant", alert.High, at(10*time.Minute), principal(mallory), sub(subA), ips("20.42.65.90")),
		},
		want: "Subscription moved to another tenant by " + mallory + ", after a privileged role grant by " + eve,
	}, {
		name: "a subscription moved away by whoever had the rights",
		alerts: []alert.Alert{
			mk("azure.signin.azure_ip_not_owned", alert.Medium, at(0), principal(mallory), ips("20.42.65.90")),
			mk("azure.subscription.moved_to_other_tenant", alert.High, at(10*time.Minute), principal(mallory), sub(subA), ips("20.42.65.90")),
		},
		want: "Subscription moved to another tenant by " + mallory,
	}} {
		ins := Build(tc.alerts, Options{})
		if len(ins) != 1 || ins[0].Title != tc.want {
			var got []string
			for _, in := range ins {
				got = append(got, in.Title)
			}
			t.Errorf("%s: titles %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestRoutineComputeDoesNotAdoptMiningTelemetry: a pool lookup that names
// no one, near the data-science team's GPU machines, must not turn their
// routine into a cryptojacking incident; near an attacker's foothold it
// joins the attack.
func TestRoutineComputeDoesNotAdoptMiningTelemetry(t *testing.T) {
	t.Parallel()
	const ds = "ines@contoso.example"
	routine := []alert.Alert{
		mk("azure.compute.gpu_created", alert.Medium, at(0), principal(ds), sub(subA)),
		mk("azure.dns.mining_pool_lookup", alert.High, at(time.Hour), sub(subA)),
	}
	ins := Build(routine, Options{})
	if len(ins) != 2 {
		t.Fatalf("%d incidents, want the team's and the lookup's apart", len(ins))
	}
	for _, in := range ins {
		if strings.HasPrefix(in.Title, "Cryptojacking") && slices.Contains(in.Principals, ds) {
			t.Errorf("routine compute called cryptojacking: %q", in.Title)
		}
	}
	attack := append(slices.Clone(routine), mk("azure.identity.elevate_access", alert.High, at(30*time.Minute), principal(mallory), sub(subA)))
	if ins := Build(attack, Options{}); len(ins) != 2 {
		t.Errorf("%d incidents, want the team's and the attack with its lookup", len(ins))
	}
	// A pipeline's stolen secret shows no sign-in or grant: its fan-out,
	// alarming on its own, or Defender's verdict on its machines, adopts
	// the lookup (and a miner on a host that names no subscription).
	const pipeline = "0f0f0f0f-aaaa-4bbb-8ccc-000000000001"
	for name, own := range map[string]alert.Alert{
		"a mass deployment":       mk("azure.compute.mass_deployment", alert.High, at(40*time.Minute), principal(pipeline), sub(subA)),
		"Defender's mining alert": mk("azure.defender.mining_alert", alert.High, at(40*time.Minute), principal(pipeline), sub(subA)),
	} {
		as := append(slices.Clone(routine), own, mk("azure.host.miner_process", alert.High, at(70*time.Minute)))
		ins := Build(as, Options{})
		if len(ins) != 2 {
			t.Errorf("%s: %d incidents, want the team's and the pipeline's with the lookup and the miner", name, len(ins))
			continue
		}
		for _, in := range ins {
			if slices.Contains(in.Principals, pipeline) && len(in.Timeline) != 3 {
				t.Errorf("%s: the pipeline's incident has %d alerts, want 3", name, len(in.Timeline))
			}
		}
	}
}
