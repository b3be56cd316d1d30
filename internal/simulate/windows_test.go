package simulate

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/mamori-sec/mamori/internal/enrich"
)

// fleetHost is the name of a fleet attack's machine (attack_fleet.go).
var fleetHost = regexp.MustCompile(`^render-[0-9]{2}-[0-9]{4}$`)

// sysmonImage is the Image of a Sysmon event's XML.
var sysmonImage = regexp.MustCompile(`<Data Name="Image">([^<]*)</Data>`)

// TestWindowsMachines: GPU chains, slow and paced attacks, GPU fleets and CPU mining on Windows
// machines (windows.go) are written in Windows' shapes (Windows Server's
// image in the scale sets, the Windows driver extension of NVIDIA's or
// AMD's GPUs, NVIDIA's Windows driver setup, Windows' Custom Script
// extension, miners in Windows' folders), their processes logged by
// Defender for Endpoint in its tenants, by Sysmon for Windows beside
// Sysmon for Linux and by Windows' Security log beside auditd (never in
// auditd's or Sysmon for Linux's files), and a hunt fires what truth
// expects (checkHunt: the slow and paced attacks still evade the hourly rules):
// NVIDIA's and AMD's sizes, the driver on the hosts, the GPU miners of
// other coins and each log turn up within a few seeds. The GPU chain's
// twin on Windows stays quiet.
func TestWindowsMachines(t *testing.T) {
	t.Parallel()
	set, enr := loadRules(t, enrich.Options{OwnedIPs: simulatedOwned})
	cases := []string{"nvidia", "amd", "host-driver", "coin", LogMDE, LogSecurityEvent, LogSysmonEvent}
	hunted := map[string]bool{}
	for seed := uint64(1); seed <= 40 && len(hunted) < len(cases); seed++ {
		// The seeds' Linux machines log through auditd, Sysmon and Defender
		// in turn, so their Windows ones through Windows' Security log,
		// Sysmon for Windows and Defender.
		hostLog, windowsLog := []string{LogAuditd, LogSysmon, LogMDE}[seed%3], []string{LogSecurityEvent, LogSysmonEvent, LogMDE}[seed%3]
		opt := Options{Seed: seed, Days: testDays, Scenarios: []string{"gpu-scaleset-chain", "gpu-scaleset-chain-twin", "cpu-mining", "slow-attack", "paced-gpu-day", "gpu-vm-fleet"},
			HostAgents: AgentsAll, HostLog: hostLog, MachineOS: OSWindows}
		dir, truth := write(t, opt)
		x := truth.Attacks[0]
		for _, a := range truth.Attacks {
			if a.OS != OSWindows {
				t.Fatalf("seed %d: truth says %s ran on %q, asked %s", seed, a.Scenario, a.OS, OSWindows)
			}
		}
		files := tree(t, dir)
		var activity []byte
		procs := map[string][]string{} // machine -> its processes' folders
		for name, b := range files {
			name = filepath.ToSlash(name)
			switch {
			case strings.HasPrefix(name, "insights-activity-logs/"):
				activity = append(activity, b...)
			case strings.HasPrefix(name, "hosts/train-") || strings.HasPrefix(name, "hosts/quarterly") || strings.HasPrefix(name, "hosts/render-") || strings.HasPrefix(name, "hosts/eval-") || strings.HasPrefix(name, "hosts/batch-"):
				t.Errorf("seed %d: %s: a Windows machine's processes in auditd's log", seed, name)
			case strings.HasPrefix(name, "securityevent/"):
				if windowsLog != LogSecurityEvent {
					t.Errorf("seed %d: %s in a tenant of %s", seed, name, hostLog)
				}
				var rows []struct {
					Computer, NewProcessName string
					EventID                  int
				}
				if err := json.Unmarshal(b, &rows); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				for _, r := range rows {
					if r.EventID != 4688 {
						t.Errorf("%s: event %d", name, r.EventID)
					}
					procs[r.Computer] = append(procs[r.Computer], r.NewProcessName)
				}
			case strings.HasPrefix(name, "windows-events/"):
				if windowsLog != LogSysmonEvent {
					t.Errorf("seed %d: %s in a tenant of %s", seed, name, hostLog)
				}
				var rows []struct{ Computer, Source, EventData string }
				if err := json.Unmarshal(b, &rows); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				for _, r := range rows {
					image := sysmonImage.FindStringSubmatch(r.EventData)
					if r.Source != "Microsoft-Windows-Sysmon" || image == nil {
						t.Fatalf("%s: a row of %q without an image: %s", name, r.Source, r.EventData)
					}
					procs[r.Computer] = append(procs[r.Computer], image[1])
				}
			case strings.HasPrefix(name, mdeContainer+"/"):
				if windowsLog != LogMDE {
					t.Errorf("seed %d: %s in a tenant of %s", seed, name, hostLog)
				}
				for line := range bytes.Lines(b) {
					var r struct {
						Properties struct{ DeviceName, FolderPath string }
					}
					if err := json.Unmarshal(line, &r); err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					procs[r.Properties.DeviceName] = append(procs[r.Properties.DeviceName], r.Properties.FolderPath)
				}
			}
		}
		if !bytes.Contains(activity, []byte("MicrosoftWindowsServer")) {
			t.Errorf("seed %d: no scale set of Windows Server's image", seed)
		}
		chainHosts, cpuHosts, slowHosts, pacedHosts, fleetHosts := 0, 0, 0, 0, 0
		for host, folders := range procs {
			switch {
			case strings.HasPrefix(host, "train-"):
				chainHosts++
			case fleetHost.MatchString(host):
				fleetHosts++
			case strings.HasPrefix(host, "render-"):
				cpuHosts++
			case strings.HasPrefix(host, "eval-"):
				slowHosts++
			case strings.HasPrefix(host, "batch-"):
				pacedHosts++
			case !strings.HasPrefix(host, "quarterly"):
				continue // the tenant's own Linux machines, in Defender's log too
			}
			for _, f := range folders {
				if !strings.HasPrefix(f, `C:\`) {
					t.Errorf("seed %d: %s ran %s, not a Windows path", seed, host, f)
				}
			}
		}
		if chainHosts != 3 || cpuHosts != 3 || slowHosts != slowSteps || pacedHosts != pacedSets || fleetHosts != fleetPrincipals*fleetWindows.vms {
			t.Errorf("seed %d: %s logged %d of the GPU chain's 3 machines, %d of CPU mining's 3, %d of the slow attack's %d, %d of the paced attack's %d, %d of the fleet's %d",
				seed, windowsLog, chainHosts, cpuHosts, slowHosts, slowSteps, pacedHosts, pacedSets, fleetHosts, fleetPrincipals*fleetWindows.vms)
		}
		if !bytes.Contains(activity, []byte("dsvm-win-2022")) {
			t.Errorf("seed %d: the fleet's third account made no machine from the Windows Data Science VM's image", seed)
		}
		if !bytes.Contains(activity, []byte("/EXTENSIONS/CUSTOMSCRIPTEXTENSION")) {
			t.Errorf("seed %d: CPU mining wrote no Windows Custom Script extension", seed)
		}

		// AMD's V620 sizes take their driver on the hosts (the extension
		// does not install it), its MI25 ones through the extension.
		v620, mi25 := bytes.Contains(activity, []byte("V620")), bytes.Contains(activity, []byte("NV32as_v4"))
		amd := v620 || mi25
		ext := slices.Contains(x.MustFire, "azure.compute.gpu_driver_extension")
		onHost := slices.Contains(x.MustFire, "azure.host.gpu_driver_install")
		if ext == onHost || v620 && !onHost || mi25 && onHost {
			t.Errorf("seed %d: the driver expected through the extension %v, on the hosts %v (V620 %v, MI25 %v)", seed, ext, onHost, v620, mi25)
		}
		wantExt := "NvidiaGpuDriverWindows"
		if amd {
			wantExt = "AmdGpuDriverWindows"
		}
		if ext && !bytes.Contains(activity, []byte("/EXTENSIONS/"+strings.ToUpper(wantExt))) {
			t.Errorf("seed %d: no %s extension written", seed, wantExt)
		}
		coin := slices.Contains([]minerKit{kitLolMiner, kitLolRenamed, kitTRex}, minerKit(x.Miner))
		if coin && !slices.Contains(x.MustFire, "azure.host.miner_process") {
			t.Errorf("seed %d: the %s kit's command line shows mining, and miner_process is not expected", seed, x.Miner)
		}
		keys := []string{"nvidia"}
		if amd {
			keys[0] = "amd"
		}
		if onHost {
			keys = append(keys, "host-driver")
		}
		if coin {
			keys = append(keys, "coin")
		}
		keys = append(keys, windowsLog)
		if !slices.ContainsFunc(keys, func(k string) bool { return !hunted[k] }) {
			continue
		}
		for _, k := range keys {
			hunted[k] = true
		}
		t.Logf("seed %d: %s, %s", seed, strings.Join(keys, "+"), x.Miner)
		checkHunt(t, seed, truth, huntWritten(t, dir, truth, set, enr))
	}
	for _, c := range cases {
		if !hunted[c] {
			t.Errorf("forty seeds drew no Windows chain of %s", c)
		}
	}
}

// TestMachineOSIsAnOption: --machine-os linux keeps every chain Linux, and the
// draw leaves the rest of a tenant as it was: a seed that draws Linux
// writes the same bytes with the option as without.
func TestMachineOSIsAnOption(t *testing.T) {
	t.Parallel()
	if _, err := Write(t.TempDir(), Options{Seed: 1, MachineOS: "macos"}); err == nil || !strings.Contains(err.Error(), "linux or windows") {
		t.Errorf("MachineOS macos: %v, want an error naming the systems", err)
	}
	var drawnLinux bool
	for seed := uint64(1); seed <= 10 && !drawnLinux; seed++ {
		opt := Options{Seed: seed, Days: testDays, Scenarios: []string{"gpu-scaleset-chain"}}
		dir, truth := write(t, opt)
		if truth.Attacks[0].OS == OSWindows {
			opt.MachineOS = OSLinux
			if _, linux := write(t, opt); linux.Attacks[0].OS != "" {
				t.Errorf("seed %d with MachineOS linux: the chain's system %q", seed, linux.Attacks[0].OS)
			}
			continue
		}
		drawnLinux = true
		opt.MachineOS = OSLinux
		pinned, _ := write(t, opt)
		a, b := tree(t, dir), tree(t, pinned)
		if len(a) != len(b) {
			t.Fatalf("seed %d: %d files drawn, %d pinned", seed, len(a), len(b))
		}
		for name, body := range a {
			if !bytes.Equal(body, b[name]) {
				t.Errorf("seed %d: %s differs with MachineOS linux, though the draw was Linux", seed, name)
			}
		}
	}
	if !drawnLinux {
		t.Error("ten seeds drew no Linux chain")
	}
}
