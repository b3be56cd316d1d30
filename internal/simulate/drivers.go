package simulate

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// GPU drivers installed on the hosts themselves, not through the Azure
// driver extension: an attacker who builds scale sets without the
// extension (nothing in the Activity Log says what their custom data
// ran) installs it as the instances boot, and the data-science team
// upgrades the driver on its machines now and then. Drawn from their own
// stream (g.drv), so the other records of a seed stay what they were.

// driverVersions are NVIDIA driver builds Azure's GPU sizes run.
var driverVersions = []string{"535.183.01", "550.90.07", "550.127.05", "560.35.03"}

// driverCommand is one way of installing dev's GPU driver from a shell,
// in the forms NVIDIA's, AMD's and Azure's guides give: Azure Linux
// names NVIDIA's driver package cuda (cuda-open for the open kernel
// modules) and AMD's amdgpu, as Azure's own HPC images install them.
func driverCommand(r *rand.Rand, dev string) []string {
	v := pick(r, driverVersions)
	if dev == devOpenCL {
		switch r.IntN(3) {
		case 0:
			return []string{"/usr/bin/amdgpu-install", "-y", "--usecase=rocm", "--no-dkms"}
		case 1:
			return []string{"/usr/bin/apt-get", "install", "-y", "amdgpu-dkms", "rocm"}
		}
		return []string{"/usr/bin/tdnf", "install", "-y", "amdgpu"}
	}
	switch r.IntN(7) {
	case 0:
		return []string{"/usr/bin/sh", fmt.Sprintf("./NVIDIA-Linux-x86_64-%s-grid-azure.run", v), "--silent", "--dkms"}
	case 1:
		return []string{"/usr/bin/apt-get", "install", "-y", fmt.Sprintf("nvidia-driver-%s-server", v[:3])}
	case 2:
		return []string{"/usr/bin/bash", "-c", fmt.Sprintf("sh cuda_12.4.1_%s_linux.run --silent --driver --toolkit", v)}
	case 3:
		return []string{"/usr/bin/ubuntu-drivers", "autoinstall"}
	case 4:
		return []string{"/usr/bin/tdnf", "install", "-y", "cuda"}
	case 5:
		return []string{"/usr/bin/tdnf", "install", "-y", fmt.Sprintf("cuda-open-%s-1_6.6.47.1.azl3.x86_64", v)}
	}
	return []string{"/usr/bin/dnf", "-y", "install", "cuda-drivers"}
}

// driverExec installs dev's GPU driver on host at at, as root; attacker
// says the host is an attacker's machine (logged only when an agent
// reaches it).
func (g *gen) driverExec(at time.Time, host string, attacker bool, dev string) {
	pid := 1700 + g.drv.IntN(100)
	cmd := driverCommand
	if g.windows[host] != "" {
		cmd = windowsDriverCommand
	}
	g.logExec(at, host, g.execText(g.drv, at, host, pid, 1, 0, cmd(g.drv, dev)), attacker)
}
