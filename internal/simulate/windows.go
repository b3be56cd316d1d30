package simulate

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// Windows machines. Azure's visualisation sizes (NVIDIA's A10 and T4,
// AMD's Radeon PRO V620 and Instinct MI25) run Windows, and Azure installs
// their drivers on Windows through its own extensions (NvidiaGpuDriverWindows,
// AmdGpuDriverWindows); an attacker who finds them free builds Windows
// scale sets, and the rules must read the Windows shapes of the driver and
// the miner as they read Linux's. A third of the GPU chains do, of the slow
// and paced attacks, of the GPU fleets and of the CPU mining attacks (a
// Windows Custom Script extension starting the miner), drawn from their
// own stream (g.win), so that every other record
// of a seed stays what it was; their draws from the shared streams are
// the Linux attack's.
//
// The process logs of a Windows machine are Defender for Endpoint's in a
// tenant whose machines run it, Sysmon for Windows' (Log Analytics' Event
// table) beside Sysmon for Linux, and Windows' Security log's event 4688
// (Log Analytics' SecurityEvent table) beside auditd (hostlog.go, host.go's
// logOf).

// The systems Options.MachineOS names.
const (
	OSLinux   = "linux"
	OSWindows = "windows"
)

// windowsShare: one in windowsShare of the attacks and twins that draw,
// build Windows machines.
const windowsShare = 3

// drawWindows says whether the attack or twin a builds Windows machines
// (Options.MachineOS, or drawn), and notes it in a. The draw is made
// either way, so that the stream is the same whatever the option.
func (g *gen) drawWindows(a *Attack) bool {
	w := g.win.IntN(windowsShare) == 0
	switch g.opt.MachineOS {
	case OSLinux:
		w = false
	case OSWindows:
		w = true
	}
	if w {
		a.OS = OSWindows
	}
	return w
}

// windowsGPU are the Windows GPU sizes an attacker takes, by the device
// their miners compute on, with their quota families.
var windowsGPU = map[string][]struct{ size, family string }{
	devCUDA:   {{"Standard_NV36ads_A10_v5", "StandardNVADSA10v5Family"}, {"Standard_NC16as_T4_v3", "standardNCASv3_T4Family"}},
	devOpenCL: {{"Standard_NG32ads_V620_v1", "StandardNGADSV620v1Family"}, {"Standard_NV32as_v4", "standardNVSv4Family"}},
}

// windowsSize draws a Windows GPU size for dev.
func (g *gen) windowsSize(dev string) (size, family string) {
	s := pick(g.win, windowsGPU[dev])
	return s.size, s.family
}

// driverExtension is the Azure extension an attacker installs dev's
// driver with, on Windows or Linux (where only NVIDIA's has one): its
// type, as the extension's name in a resource id and its request body give
// it, and its version.
func driverExtension(windows bool, dev string) (typ, version string) {
	switch {
	case !windows:
		return "NvidiaGpuDriverLinux", "1.6"
	case dev == devOpenCL:
		return "AmdGpuDriverWindows", "1.1"
	}
	return "NvidiaGpuDriverWindows", "1.6"
}

// minersOn are the kits' paths on Windows or Linux.
func minersOn(windows bool) minerPaths {
	if windows {
		return windowsMiners
	}
	return linuxMiners
}

// withOS makes a scale set's request body (vmssBody) one of Windows
// machines, named from prefix, when windows: Windows Server's image and a
// Windows configuration. A Linux body is left as it is.
func withOS(body map[string]any, windows bool, prefix string) map[string]any {
	if !windows {
		return body
	}
	profile := body["properties"].(map[string]any)["virtualMachineProfile"].(map[string]any)
	profile["storageProfile"] = map[string]any{"imageReference": map[string]any{
		"publisher": "MicrosoftWindowsServer", "offer": "WindowsServer", "sku": "2022-datacenter-azure-edition", "version": "latest"}}
	profile["osProfile"] = map[string]any{"computerNamePrefix": prefix, "adminUsername": "azureadmin",
		"windowsConfiguration": map[string]any{"provisionVMAgent": true, "enableAutomaticUpdates": false}}
	return body
}

// windowsDriverVersions are NVIDIA's Azure (GRID) driver builds for
// Windows.
var windowsDriverVersions = []string{"538.46", "551.78", "553.24", "566.14"}

// windowsDriverCommand is dev's Windows driver setup run silently:
// NVIDIA's, as the Azure GRID build or the data-centre one, or AMD's
// Software: Cloud Edition, unpacked under C:\AMD as its installer does
// (or elsewhere), run bare or with -install (or -factoryresetinstall
// over an earlier driver), as Azure's guide for the V620 sizes gives it.
// It draws from r as
// driverCommand does (a version, then a form), so that the stream of
// drivers stays the same whichever system a chain takes.
func windowsDriverCommand(r *rand.Rand, dev string) []string {
	v := pick(r, windowsDriverVersions)
	form := r.IntN(7)
	if dev == devOpenCL {
		// Azure's guide: setup.exe run bare for a first install,
		// -factoryresetinstall over an earlier driver; or the package
		// unpacked somewhere else than C:\AMD and installed with -install.
		const pkg = `\AMD-Software-Cloud-Edition-23.Q3-Win10-Win11-Server2022\Setup.exe`
		switch form {
		case 0:
			return []string{`C:\AMD` + pkg, "-factoryresetinstall"}
		case 1, 2:
			return []string{`C:\AMD` + pkg}
		case 3:
			return []string{`C:\Users\Public` + pkg, "-install"}
		}
		return []string{`C:\AMD` + pkg, "-install"}
	}
	if form < 4 {
		return []string{`C:\Users\azureadmin\Downloads\` + v + "_grid_win10_win11_server2022_dch_64bit_international_azure_swl.exe", "-s", "-noreboot"}
	}
	return []string{`C:\Windows\Temp\` + v + "-data-center-tesla-desktop-winserver-2019-2022-dch-international.exe", "-s", "-n"}
}

// windowsHostDriver says whether a Windows chain of dev's size installs
// the driver on the hosts rather than through Azure's extension: always
// on AMD's V620 sizes, which the extension does not install (Azure's
// guide), never on its MI25 ones, which it does, and as drawn on
// NVIDIA's.
func windowsHostDriver(size string, drawn bool) bool {
	switch {
	case strings.Contains(size, "V620"):
		return true
	case strings.HasPrefix(size, "Standard_NV") && strings.HasSuffix(size, "as_v4"):
		return false
	}
	return drawn
}

// windowsContext is processContext on Windows: a process started by uid 0
// runs as SYSTEM (Azure's extensions and Run Command run so), from
// PowerShell; others as the machine's admin.
func windowsContext(uid int) (user, parent, parentCmd string) {
	user = "azureadmin"
	if uid == 0 {
		user = "system"
	}
	parent = `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`
	return user, parent, "powershell.exe -ExecutionPolicy Unrestricted -File run.ps1"
}

// windowsCommandLine is how Windows' logs (Defender's, the Security log's,
// Sysmon's) record a command line: the program's path quoted, as a
// script's Start-Process gives it, then its arguments.
func windowsCommandLine(args []string) string {
	if len(args) == 1 {
		return `"` + args[0] + `"`
	}
	return `"` + args[0] + `" ` + strings.Join(args[1:], " ")
}

// Half the Windows chains mine another coin than Monero, with the GPU
// miners Windows attackers favour: lolMiner (Ethereum Classic's Etchash,
// on NVIDIA's GPUs or AMD's), renamed or not, or T-Rex (Ravencoin's
// KawPow, NVIDIA only), each at its coin's pool unless the attacker mines
// through its own proxy.
const (
	kitLolMiner   minerKit = "lolminer"
	kitLolRenamed minerKit = "lolminer-renamed"
	kitTRex       minerKit = "t-rex"
)

// coinPools are the pools of the coins those kits mine, with ports their
// operator publishes; the addresses stand in for theirs, outside Azure and
// the tenant.
var coinPools = map[minerKit]endpoint{
	kitLolMiner:   {"etc.2miners.com", 1010, "94.130.164.71"},
	kitLolRenamed: {"etc.2miners.com", 1010, "94.130.164.71"},
	kitTRex:       {"rvn.2miners.com", 6060, "94.130.164.72"},
}

// Wallets of those coins, made up in their forms: Ethereum Classic's (0x
// and 40 hex digits) and Ravencoin's (R and 33 base58 characters).
var (
	etcWallets = []string{"0x5a7F3c9E1d2B4a6C8e0F1a3B5c7D9e2F4a6B8c0D", "0x9C1e3A5b7D9f2E4c6A8b0D1f3E5a7C9b2D4f6E8a"}
	rvnWallets = []string{"RKzyWHo1bNdGw6C1yyqTZN8wqbENGzLCGp", "RGLx4cWbdGnYvMXrUUcV7nLSeAfAZ5ezfH"}
)

// coinKit draws, for half the Windows chains, one of those kits and its
// pool; ep stays when it is the attacker's proxy. The other half keep
// their Monero kit, and ok is false.
func (g *gen) coinKit(kit minerKit, dev string, ep endpoint) (minerKit, endpoint, bool) {
	if g.win.IntN(2) == 0 {
		return kit, ep, false
	}
	kits := []minerKit{kitLolMiner, kitLolRenamed, kitTRex}
	if dev == devOpenCL {
		kits = kits[:2]
	}
	kit = pick(g.win, kits)
	if ep.named() {
		ep = coinPools[kit]
	}
	return kit, ep, true
}

// coinArgs is the command line of a coin kit mining on ep, as lolMiner's
// and T-Rex's documentation spell their options; r draws the wallet, the
// worker's name and a renamed miner's name.
func (k minerKit) coinArgs(r *rand.Rand, ep endpoint) []string {
	pool := fmt.Sprintf("%s:%d", ep.host, ep.port)
	worker := fmt.Sprintf(".rig%02d", r.IntN(100))
	if k == kitTRex {
		return []string{`C:\ProgramData\t-rex-0.26.8\t-rex.exe`, "-a", "kawpow", "-o", "stratum+tcp://" + pool, "-u", pick(r, rvnWallets) + worker, "-p", "x"}
	}
	program := `C:\Users\Public\1.88\lolMiner.exe`
	if k == kitLolRenamed {
		program = pick(r, windowsMiners.renamed)
	}
	tls := "off"
	if ep.port == 443 {
		tls = "on"
	}
	return []string{program, "--algo", "ETCHASH", "--pool", pool, "--user", pick(r, etcWallets) + worker, "--tls", tls}
}

// windowsScript is a Windows scale set's Custom Script extension running
// command (its Windows publisher and type: Microsoft.Compute's
// CustomScriptExtension).
func windowsScript(command string) map[string]any {
	return map[string]any{"name": "CustomScriptExtension", "properties": map[string]any{
		"publisher": "Microsoft.Compute", "type": "CustomScriptExtension", "typeHandlerVersion": "1.10",
		"settings": map[string]any{"commandToExecute": command}}}
}

// setWindows notes whether host, an instance of the scale set rid, runs
// Windows.
func (g *gen) setWindows(host, rid string, windows bool) {
	if !windows {
		delete(g.windows, host)
		return
	}
	g.windows[host] = rid
}

// securityEventText is the SecurityEvent row of Windows' event 4688 for one
// process start on host, an instance of the scale set scaleSet, as a
// workspace's export gives it (Azure Monitor's table reference). r draws
// once, as the audit event draws its inode, so that every log leaves the
// tenant's other records the same.
func securityEventText(r *rand.Rand, at time.Time, host, scaleSet string, pid, ppid, uid int, args []string) []byte {
	user, parent, _ := windowsContext(uid)
	logon := fmt.Sprintf("0x%x", 0x10000+r.IntN(9000)) // an admin's logon session
	account, subject, domain, sid := `NT AUTHORITY\SYSTEM`, strings.ToUpper(host)+"$", "WORKGROUP", "S-1-5-18"
	if user == "system" {
		logon = "0x3e7" // SYSTEM's
	} else {
		account, subject, domain, sid = host+`\`+user, user, host, "S-1-5-21-3623811015-3361044348-30300820-1000"
	}
	return marshal(map[string]any{
		"TenantId": workspaceID, "SourceSystem": "OpsManager", "TimeGenerated": at.UTC().Format("2006-01-02T15:04:05.000Z"),
		"Account": account, "AccountType": "Machine", "Computer": host, "EventSourceName": "Microsoft-Windows-Security-Auditing",
		"Channel": "Security", "Task": 13312, "Level": "8", "EventID": 4688, "Activity": "4688 - A new process has been created.",
		"CommandLine": windowsCommandLine(args), "NewProcessId": fmt.Sprintf("0x%x", pid), "NewProcessName": args[0],
		"ParentProcessName": parent, "ProcessId": fmt.Sprintf("0x%x", ppid), "SubjectDomainName": domain,
		"SubjectUserName": subject, "SubjectUserSid": sid, "SubjectLogonId": logon, "TargetUserName": "-",
		"TokenElevationType": "%%1936", "MandatoryLabel": "S-1-16-16384",
		"_ResourceId": instanceID(scaleSet, host), "Type": "SecurityEvent",
	})
}

// sysmonWindowsText is Sysmon for Windows' event 1 for one process start on
// host, an instance of the scale set scaleSet, as an agent's Windows event
// log collection writes it to Log Analytics' Event table: a row whose
// EventData is the event's XML in a DataItem. r draws once, as the audit
// event draws its inode.
func sysmonWindowsText(r *rand.Rand, at time.Time, host, scaleSet string, seq, pid, ppid, uid int, args []string) []byte {
	user, parent, parentCmd := windowsContext(uid)
	if user == "system" {
		user = `NT AUTHORITY\SYSTEM`
	} else {
		user = host + `\` + user
	}
	p := processCreate{at: at, seq: seq, pid: pid, ppid: ppid, image: args[0], cmd: windowsCommandLine(args), cwd: `C:\Windows\system32\`,
		user: user, logonID: "0x3e7", session: "0", integrity: "System", parent: parent, parentCmd: parentCmd}
	var b strings.Builder
	fmt.Fprintf(&b, `<DataItem type="System.XmlData" time="%s" sourceHealthServiceId="%s"><EventData xmlns="http://schemas.microsoft.com/win/2004/08/events/event">`,
		at.UTC().Format("2006-01-02T15:04:05.0000000+00:00"), workspaceID)
	p.writeData(&b, r)
	b.WriteString("</EventData></DataItem>")
	return marshal(map[string]any{
		"TenantId": workspaceID, "SourceSystem": "OpsManager", "TimeGenerated": at.UTC().Format("2006-01-02T15:04:05.000Z"),
		"Source": "Microsoft-Windows-Sysmon", "EventLog": "Microsoft-Windows-Sysmon/Operational", "Computer": host,
		"EventLevel": 4, "EventLevelName": "Information", "EventID": 1, "UserName": `NT AUTHORITY\SYSTEM`,
		"RenderedDescription": "Process Create:", "EventData": b.String(), "ParameterXml": "",
		"_ResourceId": instanceID(scaleSet, host), "Type": "Event",
	})
}

// instanceID is the resource id of host, an instance of the scale set
// scaleSet: its number the host name's last digits, as Azure names a scale
// set's machines.
func instanceID(scaleSet, host string) string {
	n := strings.TrimLeft(host[max(0, len(host)-6):], "0")
	if n == "" {
		n = "0"
	}
	return strings.ToLower(scaleSet) + "/virtualmachines/" + n
}
