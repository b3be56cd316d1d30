package incident

import (
	"fmt"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
)

// BenchmarkBuild groups a month of alerts: 200 principals, one pool
// address every mining alert shares, bursts a few hours apart.
func BenchmarkBuild(b *testing.B) {
	var as []alert.Alert
	for i := range 20000 {
		t := at(time.Duration(i) * 2 * time.Minute)
		p := fmt.Sprintf("user%d@contoso.com", i%200)
		if i%3 == 0 {
			as = append(as, mk("azure.network.mining_pool_connection", alert.High, t, sub(subA), ips("198.51.100.23", fmt.Sprintf("10.0.%d.%d", i%7, i%250))))
			continue
		}
		as = append(as, mk("azure.compute.gpu_created", alert.Medium, t, principal(p), sub(subA),
			compute("vmss", "Standard_NC24ads_A100_v4", 4, "eastus", vmss(subA, fmt.Sprint("ss", i%500)), "")))
	}
	b.ResetTimer()
	for b.Loop() {
		Build(as, Options{})
	}
}

// BenchmarkBuildMassDeployment builds the incident of one account's
// mass deployment of 20,000 VMs over two weeks: 200 alerts of 100
// machines each, and every create read (Options.Created). Its cost was
// quadratic in the machines (the incident's lists searched for each
// value, each alert reading the account's every create): see
// docs/performance.md, "A mass deployment's incident".
func BenchmarkBuildMassDeployment(b *testing.B) {
	const machines, perAlert = 20000, 100
	const who = "6a1c3b0e-001c-4000-8000-000000000001"
	var as []alert.Alert
	var created []Created
	for i := range machines {
		t := at(time.Duration(i) * time.Minute)
		id := vmOf(subA, "rg-build", fmt.Sprintf("agent-%06d", i))
		c := alert.Compute{Service: "vm", Size: "Standard_D4s_v5", Count: 1, Region: "westeurope", Resource: id, Operation: fmt.Sprint("op-", i)}
		created = append(created, Created{Tenant: tenantA, Time: t, Principals: []string{who}, Compute: c})
		if i%perAlert == 0 {
			as = append(as, mk("azure.compute.mass_deployment", alert.Medium, t, principal(who), pids(who), sub(subA), last(t.Add(perAlert*time.Minute))))
		}
		a := &as[len(as)-1]
		a.Resources = append(a.Resources, id)
		a.Compute = append(a.Compute, c)
	}
	b.ResetTimer()
	for b.Loop() {
		Build(as, Options{Created: created})
	}
}

// BenchmarkBuildManyAlertsInAStage builds one incident of one account's
// 5,000 GPU machines, each made after a sign-in from an Azure address the
// tenant does not own: 10,000 alerts, 5,000 in the initial-access stage.
// Its title looked each stage's alerts up in a list, quadratic in them
// (20,000 people's GPU machines, linked by the tenant's volume alerts,
// took 8 s of a 12 s hunt; docs/performance.md, "An incident's title").
func BenchmarkBuildManyAlertsInAStage(b *testing.B) {
	const who = "6a1c3b0e-001c-4000-8000-000000000001"
	as := make([]alert.Alert, 0, 10000)
	for i := range cap(as) / 2 {
		t := at(time.Duration(i) * time.Minute)
		as = append(as, mk("azure.signin.azure_ip_not_owned.arm", alert.Medium, t, principal(who), pids(who), sub(subA)),
			mk("azure.compute.gpu_created", alert.Medium, t.Add(time.Second), principal(who), pids(who), sub(subA),
				compute("vm", "Standard_NC24ads_A100_v4", 1, "eastus", vmOf(subA, "rg", fmt.Sprintf("vm-%05d", i)), "")))
	}
	b.ResetTimer()
	for b.Loop() {
		if ins := Build(as, Options{}); len(ins) != 1 {
			b.Fatalf("%d incidents, want 1", len(ins))
		}
	}
}

// BenchmarkBuildOneNameManySubscriptions groups 2,000 Defender alerts
// (no principal) on machines of one name in as many subscriptions, an
// hour apart: the sets holding the name piled up, each checked against
// every later alert (about cubic: 5,000 such alerts took 89 s of a hunt;
// docs/performance.md, "An incident's title").
func BenchmarkBuildOneNameManySubscriptions(b *testing.B) {
	as := make([]alert.Alert, 0, 2000)
	for i := range cap(as) {
		as = append(as, mk("azure.defender.mining_alert", alert.High, at(time.Duration(i)*time.Minute),
			sub(fmt.Sprintf("%08x-0000-4000-8000-000000000000", i)), hosts("aks-nodepool1-vmss000000")))
	}
	b.ResetTimer()
	for b.Loop() {
		Build(as, Options{})
	}
}
