package simulate

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// Defender for Cloud watches the tenant and its continuous export writes
// each alert to the workspace's SecurityAlert table, exported here a day a
// file; the Activity Log records each one too (Activate Alert). Ordinary
// days bring the alerts every tenant has (SSH brute force on the machines
// the internet reaches, the test alert someone raises).
// What an attack shows depends on the tenant: the organisation whose
// policy puts an agent on every new machine (Options.HostAgents all) has
// Defender's plans for servers and for Resource Manager on everything, and
// Defender then says that the attacker's machines mine, that their GPU
// driver extension is unusual and that the compute was created
// suspiciously; elsewhere its agent never reaches the attacker's machines.
// Batch and Azure ML nodes are the services' machines, not the tenant's:
// Defender for Servers does not see them.
//
// The alerts draw from a stream of their own (gen.sec), so adding them
// changed no other record of a simulated tenant.

// securityAlert is one SecurityAlert row.
type securityAlert struct {
	typ, name, severity, tactic, component string
	entity, resource, status               string
	start                                  time.Time
	delay                                  time.Duration // from start to when it was generated
	entities                               []map[string]any
	vendorID, systemID                     string
}

// draw gives the alert its ids and delay from the alerts' stream. An
// attack's alert is drawn whether or not the tenant has the plan that
// raises it, so that the tenant's other alerts are the same either way.
func (g *gen) draw(a *securityAlert, minDelay time.Duration, spread int) {
	a.delay = minDelay + time.Duration(g.sec.IntN(spread))*time.Minute
	a.vendorID = fmt.Sprintf("%d_%s", 2517000000000000000+g.sec.Int64N(1e15), guid(g.sec))
	a.systemID = guid(g.sec)
}

// alert writes a SecurityAlert row into the day's export.
func (g *gen) alert(a securityAlert) {
	gen := a.start.Add(a.delay)
	for i, e := range a.entities {
		e["$id"] = fmt.Sprint(i + 2)
	}
	row := map[string]any{
		"TenantId": workspaceID, "TimeGenerated": stamp(gen), "DisplayName": a.name, "AlertName": a.name, "AlertSeverity": a.severity,
		"ProviderName": "Azure Security Center", "VendorName": "Microsoft", "VendorOriginalId": a.vendorID, "SystemAlertId": a.systemID,
		"ResourceId": a.resource, "AlertType": a.typ, "IsIncident": false, "StartTime": stamp(a.start), "EndTime": stamp(a.start),
		"ProcessingEndTime": stamp(gen), "Entities": string(marshal(a.entities)), "SourceSystem": "Detection",
		"WorkspaceSubscriptionId": g.t.Sub, "WorkspaceResourceGroup": "monitoring", "ProductName": "Microsoft Defender for Cloud",
		"ProductComponentName": a.component, "Status": a.status, "CompromisedEntity": a.entity, "Tactics": a.tactic, "Type": "SecurityAlert",
	}
	g.add("defender-alerts/SecurityAlert_"+gen.Format("2006-01-02")+".json", kindArray, gen, marshal(row))
	g.activity(gen, g.activateAlert(a, gen), false)
}

// activateAlert is the Activity Log's record of the alert (category
// Security, Activate Alert), as the diagnostic settings write it: the
// alert's display name and facts under properties, its id at the end of
// the resource id and as the correlation id, so that the alert read from
// both logs is one.
func (g *gen) activateAlert(a securityAlert, at time.Time) []byte {
	group := "DEFENDER"
	if _, rest, ok := strings.Cut(strings.ToUpper(a.resource), "/RESOURCEGROUPS/"); ok {
		group, _, _ = strings.Cut(rest, "/")
	}
	rid := fmt.Sprintf("/SUBSCRIPTIONS/%s/RESOURCEGROUPS/%s/PROVIDERS/MICROSOFT.SECURITY/LOCATIONS/%s/ALERTS/%s",
		strings.ToUpper(g.t.Sub), group, strings.ToUpper(g.t.Regions[0]), strings.ToUpper(a.vendorID))
	return marshal(map[string]any{
		"time": stamp(at), "resourceId": rid, "operationName": "Microsoft.Security/locations/alerts/activate/action", "category": "Security",
		"resultType": "Active", "resultSignature": "", "durationMs": "0", "callerIpAddress": "", "correlationId": a.vendorID,
		"level": "Informational", "location": "global",
		"properties": map[string]any{"eventCategory": "Security", "eventName": a.name, "operationId": a.vendorID,
			"eventProperties": map[string]any{"severity": a.severity, "compromisedEntity": a.entity, "intent": a.tactic}},
	})
}

func hostEntity(host, rid string) map[string]any {
	return map[string]any{"HostName": host, "AzureID": strings.ToLower(rid), "Type": "host"}
}

func ipEntity(ip string) map[string]any { return map[string]any{"Address": ip, "Type": "ip"} }

// accountEntity is an Entra principal as Defender names it: the UPN's two
// halves and the object id; a service principal by its name.
func accountEntity(a actor) map[string]any {
	e := map[string]any{"AadUserId": a.OID, "Name": a.Name, "Type": "account"}
	if name, suffix, ok := strings.Cut(a.UPN, "@"); ok {
		e["Name"], e["UPNSuffix"] = name, suffix
	}
	return e
}

// benignAlerts writes a day's ordinary alerts: the build agents answer
// SSH from the internet and are brute-forced most days; once in a while
// someone checks the export with Defender's test alert.
func (g *gen) benignAlerts(day time.Time) {
	for i := 1; i <= len(g.t.Ops); i++ {
		if g.sec.IntN(2) == 0 {
			continue
		}
		host := fmt.Sprintf("build-agent-%d", i)
		rid := g.t.vmID("ops-"+g.t.Regions[(i-1)%len(g.t.Regions)], host)
		a := securityAlert{typ: "VM_SshBruteForceFailed", name: "Failed SSH brute force attack", severity: "Medium", tactic: "PreAttack",
			component: "Servers", entity: host, resource: rid, status: pick(g.sec, []string{"New", "Resolved"}),
			start:    day.Add(time.Duration(g.sec.IntN(24*60)) * time.Minute),
			entities: []map[string]any{hostEntity(host, rid), ipEntity(fmt.Sprintf("198.18.%d.%d", g.sec.IntN(256), 1+g.sec.IntN(254)))}}
		g.draw(&a, 20*time.Minute, 40)
		g.alert(a)
	}
	if g.sec.IntN(20) == 0 {
		host := fmt.Sprintf("web-%s-0", g.t.Regions[0])
		rid := g.t.vmID("web-"+g.t.Regions[0], host)
		a := securityAlert{typ: "VM_EICAR", name: "Microsoft Defender for Cloud test alert (not a threat)", severity: "High", tactic: "Execution",
			component: "Servers", entity: host, resource: rid, status: "Resolved",
			start: day.Add(10*time.Hour + time.Duration(g.sec.IntN(300))*time.Minute), entities: []map[string]any{hostEntity(host, rid)}}
		g.draw(&a, 5*time.Minute, 5)
		g.alert(a)
	}
}

// minerAlert writes what Defender for Servers raises about a miner started
// at at on host, an instance of the attacker's scale set vmss (or the VM
// vmss itself), when its agent reaches the machine.
func (g *gen) minerAlert(x *Attack, at time.Time, vmss, host string) {
	rid := vmss
	if strings.Contains(vmss, "/VIRTUALMACHINESCALESETS/") {
		rid = fmt.Sprintf("%s/VIRTUALMACHINES/%d", vmss, g.sec.IntN(40))
	}
	// The machine pages name it by its current title (no type) and the
	// deprecated page by its type; exports carry either family.
	a := securityAlert{typ: "VM_DigitalCurrencyMining", name: "Digital currency mining related behavior detected", severity: "High",
		tactic: "Execution", component: "Servers", entity: host, resource: rid, status: "New", start: at, entities: []map[string]any{hostEntity(host, rid)}}
	if g.sec.IntN(2) == 0 {
		a.typ, a.name, a.severity = "VM_CryptoCoinMinerArtifacts", "Process associated with digital currency mining detected", "Medium"
	}
	g.draw(&a, 5*time.Minute, 40)
	g.attackAlert(x, a)
}

// extensionAlert writes Defender's alert on the attacker's GPU driver
// extension installed on vmss at at.
func (g *gen) extensionAlert(x *Attack, at time.Time, vmss string) {
	name := vmss[strings.LastIndexByte(vmss, '/')+1:]
	a := securityAlert{typ: "VM_GPUDriverExtensionUnusualExecution", name: "Suspicious installation of GPU extension in your virtual machine",
		severity: "Low", tactic: "Impact", component: "Servers", entity: strings.ToLower(name), resource: vmss, status: "New", start: at,
		entities: []map[string]any{{"ResourceId": strings.ToLower(vmss), "Type": "azure-resource"}}}
	g.draw(&a, 10*time.Minute, 30)
	g.attackAlert(x, a)
}

// computeAlert writes Defender for Resource Manager's alert on the
// compute by created from ip from at on.
func (g *gen) computeAlert(x *Attack, at time.Time, by actor, ip string) {
	a := securityAlert{typ: "ARM_SuspiciousComputeCreation", name: "Suspicious creation of compute resources detected", severity: "Medium",
		tactic: "Impact", component: "Resource Manager", entity: g.t.Sub, resource: "/SUBSCRIPTIONS/" + strings.ToUpper(g.t.Sub), status: "New",
		start: at, entities: []map[string]any{accountEntity(by), ipEntity(ip)}}
	g.draw(&a, 20*time.Minute, 40)
	g.attackAlert(x, a)
}

// attackAlert writes an alert about the attacker's work when the tenant
// has Defender's plans everywhere (the organisation whose policy reaches
// every new machine). The attack lasts until the alert is generated: the
// Activity Log records it then.
func (g *gen) attackAlert(x *Attack, a securityAlert) {
	if g.agents == AgentsAll {
		g.alert(a)
		x.extend(a.start.Add(a.delay))
	}
}

// twinAlert is Defender's view of the data-science team's own work: the
// driver installer they download to a new machine of vmss is a file
// download Defender finds suspicious, which is no mining.
func (g *gen) twinAlert(at time.Time, vmss, host string) {
	if g.sec.IntN(2) == 0 {
		return
	}
	rid := fmt.Sprintf("%s/VIRTUALMACHINES/%d", vmss, g.sec.IntN(16))
	a := securityAlert{typ: "VM_SuspectDownloadArtifacts", name: "Detected suspicious file download", severity: "Low", tactic: "Persistence",
		component: "Servers", entity: host, resource: rid, status: "New", start: at, entities: []map[string]any{hostEntity(host, rid)}}
	g.draw(&a, 10*time.Minute, 10)
	g.alert(a)
}

// expectDefender notes which of Defender's alerts the attack's truth
// expects: rules fire only when the tenant has Defender's plans.
func (a *Attack) expectDefender(agents string, rules ...string) {
	for _, r := range rules {
		a.expect(r, agents == AgentsAll, "the tenant has no Defender for Cloud plan that reaches the attacker's machines")
	}
}

// newSecRand is the Defender alerts' stream.
func newSecRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x736563)) }
