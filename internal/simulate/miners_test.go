package simulate

import (
	"bytes"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mamori-sec/mamori/internal/enrich"
)

// The attacks' miners and GPUs vary from seed to seed (miners.go), so that
// the evaluation measures the host rules on toolkits they were not written
// beside: every kit, AMD's GPUs with their driver installed on the hosts,
// and miners reaching the attacker's own proxy by its address turn up
// within a few seeds; truth says which kit ran and expects the miner's
// alert exactly when its command line shows mining, and no pool alert of
// the proxy's flows; and a hunt of a tenant of each fires what truth
// expects of it (the GPU driver as Azure Linux names it among them).
func TestMinerKitsAndGPUsVary(t *testing.T) {
	t.Parallel()
	set, enr := loadRules(t, enrich.Options{OwnedIPs: simulatedOwned})
	kits := slices.Compact(slices.Clone(minerKits)) // grouped: each once
	hunted := map[string]bool{}                     // kits, and "amd", whose tenant was hunted
	for seed := uint64(1); seed <= 40 && len(hunted) < len(kits)+2; seed++ {
		// Linux machines: Windows' kits are TestWindowsGPUChains'.
		opt := Options{Seed: seed, Days: testDays, Scenarios: []string{"gpu-scaleset-chain"}, HostAgents: AgentsAll, MachineOS: OSLinux}
		dir, truth := write(t, opt)
		x := truth.Attacks[0]
		kit := minerKit(x.Miner)
		if !slices.Contains(minerKits, kit) {
			t.Fatalf("seed %d: truth names miner %q, not a kit", seed, x.Miner)
		}
		if kit.visible() != slices.Contains(x.MustFire, "azure.host.miner_process") {
			t.Errorf("seed %d, kit %s: miner_process expected %v", seed, kit, !kit.visible())
		}
		if !kit.visible() && !strings.Contains(x.Note, "azure.host.miner_process is not expected") {
			t.Errorf("seed %d, kit %s: the note does not say why the miner is not seen: %q", seed, kit, x.Note)
		}
		files := tree(t, dir)
		amd := false
		for name, b := range files {
			if strings.HasPrefix(filepath.ToSlash(name), "insights-activity-logs/") && bytes.Contains(b, []byte("MI300X")) {
				amd = true
			}
		}
		if amd && !slices.Contains(x.MustFire, "azure.host.gpu_driver_install") {
			t.Errorf("seed %d: AMD's GPUs, whose driver no extension installs, and gpu_driver_install not expected", seed)
		}
		keys := []string{string(kit)}
		if amd {
			keys = append(keys, "amd")
		}
		if strings.Contains(x.Note, "own proxy") {
			keys = append(keys, "proxy")
			if slices.Contains(x.MustFire, "azure.dns.mining_pool_lookup") || slices.Contains(x.MustFire, "azure.network.mining_pool_connection") {
				t.Errorf("seed %d: the miners reach a proxy no list names, and the pool's lookup or flow alert is expected", seed)
			}
		}
		if !slices.ContainsFunc(keys, func(k string) bool { return !hunted[k] }) {
			continue
		}
		for _, k := range keys {
			hunted[k] = true
		}
		key := strings.Join(keys, "+")
		t.Logf("seed %d: %s", seed, key)
		res := huntWritten(t, dir, truth, set, enr)
		fired := map[string]bool{}
		for _, a := range res.Alerts {
			if involves(a, x) {
				fired[a.Rule] = true
			}
		}
		for _, r := range x.MustFire {
			if !fired[r] {
				t.Errorf("seed %d (%s): %s did not fire", seed, key, r)
			}
		}
		if !kit.visible() && fired["azure.host.miner_process"] {
			t.Errorf("seed %d: the %s kit's command line shows nothing, yet miner_process fired", seed, kit)
		}
	}
	for _, k := range append(kits, "amd", "proxy") {
		if !hunted[string(k)] {
			t.Errorf("forty seeds drew no %s", k)
		}
	}
}

// TestHostLogsAlertAlike writes one tenant with each agent (auditd,
// Sysmon for Linux, Defender for Endpoint) and hunts each: the logs differ
// only in the process logs, and the host rules fire on the same machines
// whichever agent logged them, so the evaluation's tenants of every agent
// measure the same rules. (TestHostAgentsDecideWhetherTheAttackersMachinesAreSeen
// checks that seeds draw each.)
func TestHostLogsAlertAlike(t *testing.T) {
	t.Parallel()
	set, enr := loadRules(t, enrich.Options{OwnedIPs: simulatedOwned})
	logs := []string{LogAuditd, LogSysmon, LogMDE}
	hostAlerts := map[string]map[string]bool{} // agent -> rule@host
	files := map[string]map[string][]byte{}
	for _, agent := range logs {
		opt := Options{Seed: 2, Days: testDays, Scenarios: []string{"gpu-scaleset-chain", "gpu-scaleset-chain-twin", "cpu-mining"}, HostAgents: AgentsAll, HostLog: agent}
		dir, truth := write(t, opt)
		if truth.HostLog != agent {
			t.Fatalf("truth says host log %q, asked %q", truth.HostLog, agent)
		}
		files[agent] = tree(t, dir)
		res := huntWritten(t, dir, truth, set, enr)
		hostAlerts[agent] = map[string]bool{}
		for _, a := range res.Alerts {
			if !strings.HasPrefix(a.Rule, "azure.host.") {
				continue
			}
			// Sysmon's and Defender's events name their machine;
			// auditd's are known by their log's folder.
			hosts := a.Hosts
			if agent == LogAuditd {
				hosts = evidenceHosts(a)
			}
			for _, h := range hosts {
				hostAlerts[agent][a.Rule+"@"+h] = true
			}
		}
	}
	if len(hostAlerts[LogAuditd]) == 0 {
		t.Fatal("no host alert on the auditd tenant: the test proves nothing")
	}
	for _, agent := range logs[1:] {
		if !maps.Equal(hostAlerts[LogAuditd], hostAlerts[agent]) {
			t.Errorf("host alerts differ:\n auditd %v\n %s %v", slices.Sorted(maps.Keys(hostAlerts[LogAuditd])), agent, slices.Sorted(maps.Keys(hostAlerts[agent])))
		}
	}
	processLog := func(name string) bool {
		name = filepath.ToSlash(name)
		return strings.HasSuffix(name, "/audit.log") || strings.HasSuffix(name, "/syslog") || strings.HasPrefix(name, mdeContainer+"/")
	}
	others := map[string]int{}
	for _, agent := range logs {
		for name, b := range files[agent] {
			if name == "truth.json" || processLog(name) {
				continue
			}
			others[agent]++
			if !bytes.Equal(b, files[LogAuditd][name]) {
				t.Errorf("%s differs between auditd's tenant and %s's", name, agent)
			}
		}
	}
	if others[LogSysmon] != others[LogAuditd] || others[LogMDE] != others[LogAuditd] {
		t.Errorf("files besides the process logs: %v", others)
	}
}
