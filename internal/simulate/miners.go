package simulate

import (
	"fmt"
	"math/rand/v2"
)

// The miners the attacks start on their machines. Attackers bring their
// own toolkits, and a rule that knew one (XMRig as released, its options
// as its README spells them) would pass every simulated attack and miss
// the next real one. So each attack draws its kit: XMRig as released;
// XMRig renamed after a kernel thread, its options spelled long;
// SRBMiner-MULTI; or XMRig renamed and run from a configuration file,
// whose command line shows nothing of mining (its pool's lookups and
// flows, and Defender, may). Drawn from their own stream (g.mnr), so the
// other records of a seed stay what they were.

// minerKit is the miner an attack runs on all of its machines.
type minerKit string

const (
	kitXMRig   minerKit = "xmrig"
	kitRenamed minerKit = "xmrig-renamed"
	kitSRB     minerKit = "srbminer"
	kitConfig  minerKit = "xmrig-config" // renamed, its settings in a file
)

// minerKits weighs the kits: XMRig as released most often, as reports of
// real attacks find it.
var minerKits = []minerKit{kitXMRig, kitXMRig, kitXMRig, kitRenamed, kitRenamed, kitSRB, kitConfig}

// moneroWallets are Monero addresses the attackers mine to (the form of
// XMRig's -u: 95 base58 characters from 4).
var moneroWallets = []string{
	"44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A",
	"48edfHu7V9Z84YzzMa6fUueoELZ9ZRXq9VetWzYGzKt52XU5xvqgzYnDK9URnRoJMk1j8nLwEVsaSWJ4fhdUyZijBGUicoD",
}

// minerPaths are where a kit's programs and files lie on one system.
type minerPaths struct {
	xmrig, srb, config string
	// renamed are the names miners hide behind: kernel threads and
	// system daemons in Linux's writable folders droppers use, Windows'
	// own processes' names in its.
	renamed []string
}

var (
	linuxMiners = minerPaths{
		xmrig: "/tmp/.x/xmrig", srb: "/opt/.srb/SRBMiner-MULTI", config: "/var/tmp/.x/config.json",
		renamed: []string{"/var/tmp/.cache/kswapd0", "/usr/local/bin/kdevtmpfsi", "/dev/shm/.x/dbused", "/tmp/.ICE-unix/systemd-journald"},
	}
	// windowsMiners: as many renamed names as Linux's, so that a kit
	// draws the same numbers on either system.
	windowsMiners = minerPaths{
		xmrig: `C:\Users\Public\xmrig-6.22.2\xmrig.exe`, srb: `C:\ProgramData\srb\SRBMiner-MULTI.exe`, config: `C:\ProgramData\WindowsUpdate\config.json`,
		renamed: []string{`C:\Windows\Temp\svchost64.exe`, `C:\ProgramData\Microsoft\Crypto\csrss.exe`, `C:\Users\Public\Libraries\WmiPrvSE.exe`, `C:\Windows\Tasks\conhost.exe`},
	}
)

// Devices a miner computes on: NVIDIA's GPUs, AMD's, or the CPU.
const (
	devCUDA   = "cuda"
	devOpenCL = "opencl"
	devCPU    = "cpu"
)

// minerKit draws the kit of one attack.
func (g *gen) minerKit() minerKit { return pick(g.mnr, minerKits) }

// visible reports whether the kit's command line shows mining: a miner's
// name, a pool, a wallet or a miner's options.
func (k minerKit) visible() bool { return k != kitConfig }

// args is the command line of the kit mining on ep with dev on a Linux
// machine; r draws the wallet and the name a renamed miner takes.
func (k minerKit) args(r *rand.Rand, ep endpoint, dev string) []string {
	return k.argsIn(linuxMiners, r, ep, dev)
}

// argsIn is args on the system whose paths are at.
func (k minerKit) argsIn(at minerPaths, r *rand.Rand, ep endpoint, dev string) []string {
	wallet := pick(r, moneroWallets)
	pool := fmt.Sprintf("%s:%d", ep.host, ep.port)
	switch k {
	case kitRenamed:
		args := []string{pick(r, at.renamed), "--url=" + pool, "--user=" + wallet, "--pass=x", "--keepalive"}
		if ep.port == 443 {
			args = append(args, "--tls")
		}
		switch dev {
		case devCUDA:
			args = append(args, "--cuda", "--no-cpu")
		case devOpenCL:
			args = append(args, "--opencl", "--no-cpu")
		}
		return append(args, "--background")
	case kitSRB:
		args := []string{at.srb, "--algorithm", "randomx", "--pool", pool, "--wallet", wallet}
		if dev == devCPU {
			return append(args, "--disable-gpu")
		}
		return append(args, "--disable-cpu")
	case kitConfig:
		return []string{pick(r, at.renamed), "-c", at.config, "-B"}
	}
	args := []string{at.xmrig, "-o", "stratum+tcp://" + pool, "-u", wallet}
	switch dev {
	case devCUDA:
		args = append(args, "--cuda")
	case devOpenCL:
		args = append(args, "--opencl")
	}
	return append(args, "--donate-level", "1")
}
