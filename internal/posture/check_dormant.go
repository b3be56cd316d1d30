package posture

import (
	"fmt"
	"sort"
	"strings"

	"github.com/mamori-sec/mamori/internal/enrich"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/incident"
	"github.com/mamori-sec/mamori/internal/plural"
	"github.com/mamori-sec/mamori/internal/posture/capture"
)

var checkDormantCapacity = &check{
	name:     "posture.quota.dormant_capacity",
	title:    "No deallocated GPU or high-core VMs waiting to be started",
	severity: "medium",
	why: "A deallocated VM costs nothing and draws no attention, but its size is already granted: a stolen " +
		"identity that may start it needs no quota increase and no create, only one start action " +
		"(Microsoft.Compute/virtualMachines/start/action), which blends with everyday automation. Medium, not " +
		"high: the machines exist and can be accounted for, and a start is still logged (the hunt's " +
		"compute_started rules watch for it); but GPU VMs left deallocated are the cheapest capacity a miner can take.",
	fix: "Delete each listed VM that is no longer needed (its disks keep what must be kept: snapshot them first). For " +
		"those that must stay: limit who holds Microsoft.Compute/virtualMachines/start/action on them (Owner, " +
		"Contributor and Virtual Machine Contributor all do; grant it through PIM or to a start/stop automation " +
		"identity only), and alert on their start. A Delete (CanNotDelete) lock does not stop a start; a " +
		"Read-only lock on the VM or its resource group does (a start is a POST the lock blocks), but it also blocks " +
		"resizing, extensions and backups, and an Owner or User Access Administrator can remove it. A VM that is " +
		"only stopped, not deallocated, is still billed and already running cost: it is not listed here.",
	required:     []string{capture.KeyVirtualMachines, capture.KeyVirtualMachineStatuses},
	subscription: dormantCapacity,
}

// dormantPower says whether a VM's power state leaves it dormant: not
// billed for compute, and running again after one start. A stopped VM
// keeps its hardware and is billed: it is running cost, not dormant.
func dormantPower(state string) bool {
	return state == "deallocated" || state == "deallocating"
}

func dormantCapacity(e *env, sub *Subscription) Finding {
	type flag struct {
		vm   *VM
		size string // canonical casing
		gpus float64
		cpus int
		usd  float64 // 0 when unknown
		cost string
	}
	var flags []flag
	var unknown []Evidence
	ids := make([]string, 0, len(sub.VMs))
	for id := range sub.VMs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	prices, _ := incident.BuiltinPrices() // the table built into the binary (data/prices)
	for _, id := range ids {
		v := sub.VMs[id]
		si, sized := enrich.SizeOf(v.Size)
		big := sized && (si.GPUs > 0 || int64(si.VCPUs) >= e.cfg.Quota.HighCoreLimit)
		switch {
		case v.Power == "" && (big || !sized):
			// A big (or unknown) size whose power state was not given
			// may be deallocated.
			unknown = append(unknown, Evidence{Subject: vmSubject(v), Detail: vmSizeText(v, si, sized) + ": no power state in the statusOnly list, not judged"})
		case !dormantPower(v.Power):
		case !sized:
			unknown = append(unknown, Evidence{Subject: vmSubject(v), Detail: v.Power + ", size " + unknownSize(v) + ", not judged"})
		case big:
			f := flag{vm: v, size: si.Size, gpus: si.GPUs, cpus: si.VCPUs}
			f.usd, f.cost = priceOf(prices, si.Size, v.Location)
			flags = append(flags, f)
		}
	}
	sort.SliceStable(flags, func(i, j int) bool {
		if flags[i].gpus != flags[j].gpus {
			return flags[i].gpus > flags[j].gpus
		}
		return flags[i].usd > flags[j].usd
	})
	var ev []Evidence
	var gpus float64
	var cpus int
	var usd float64
	priced := 0
	sizes, regions := map[string]int{}, map[string]bool{}
	for _, f := range flags {
		gpus += f.gpus
		cpus += f.cpus
		if f.usd > 0 {
			usd += f.usd
			priced++
		}
		sizes[f.size]++
		regions[f.vm.Location] = true
		what := plural.Count(f.cpus, "vCPU", "vCPUs")
		if f.gpus > 0 {
			what = gpuText(f.gpus) + ", " + what
		}
		ev = append(ev, Evidence{Subject: vmSubject(f.vm),
			Detail: fmt.Sprintf("%s in %s (%s), %s; %s if started", f.size, f.vm.Location, what, f.vm.Power, f.cost)})
	}
	ev = append(ev, unknown...)
	notJudged := ""
	if len(unknown) > 0 {
		notJudged = fmt.Sprintf("%s whose size or power state was not read not judged", plural.Count(len(unknown), "VM", "VMs"))
	}
	if len(flags) > 0 {
		cost := fmt.Sprintf("$%.2f/h if started", usd)
		if priced < len(flags) {
			cost = fmt.Sprintf("at least $%.2f/h if started (%d not priced)", usd, len(flags)-priced)
		}
		what := plural.Count(cpus, "vCPU", "vCPUs")
		if gpus > 0 {
			what = gpuText(gpus) + ", " + what
		}
		summary := fmt.Sprintf("%s, each one start action from running: %s, %s; sizes %s; %s %s",
			plural.Count(len(flags), "deallocated GPU or high-core VM", "deallocated GPU or high-core VMs"), what, cost,
			countList(sizes), plural.Verb(len(regions), "region", "regions"), strings.Join(sortedKeys(regions), ", "))
		if notJudged != "" {
			summary += "; " + notJudged
		}
		return e.result(sub, true, summary, ev)
	}
	clean := fmt.Sprintf("no deallocated GPU VM or VM of %d+ vCPUs among %s", e.cfg.Quota.HighCoreLimit, plural.Count(len(sub.VMs), "VM", "VMs"))
	if len(unknown) > 0 {
		sc, name := scope(sub)
		return Finding{Status: NotAssessed, Scope: sc, ScopeName: name, Evidence: ev,
			Summary: "not assessed: " + notJudged + "; among the rest, " + clean}
	}
	return e.result(sub, false, clean, nil)
}

// vmSubject names a VM as its resource group and name.
func vmSubject(v *VM) string {
	name := v.Name
	if name == "" {
		name = v.ID
	}
	if rg := v.ResourceGroup(); rg != "" && v.Name != "" {
		return rg + "/" + name
	}
	return name
}

// vmSizeText is the size as read, for a VM not judged.
func vmSizeText(v *VM, si event.SizeInfo, sized bool) string {
	if sized {
		return si.Size
	}
	return "size " + unknownSize(v)
}

// unknownSize says why a VM's size is not known.
func unknownSize(v *VM) string {
	switch {
	case !v.Listed:
		return "unknown (not in the VM list)"
	case v.Size == "":
		return "unknown (no vmSize in the VM list)"
	}
	return v.Size + " not recognised"
}

// priceOf prices one VM of size in region with the price table, in
// dollars per hour, and says how it was priced.
func priceOf(p *incident.Prices, size, region string) (float64, string) {
	pr, basis := p.Lookup(size, region)
	if basis == incident.BasisUnknown || pr.USD <= 0 {
		return 0, "price unknown"
	}
	s := fmt.Sprintf("$%.2f/h", pr.USD)
	switch {
	case pr.Method == "estimated" && basis == incident.BasisFallback:
		s = "about " + s + " (estimated from its vCPUs, " + pr.Region + " prices)"
	case pr.Method == "estimated":
		s = "about " + s + " (estimated from its vCPUs)"
	case basis == incident.BasisFallback:
		s += " (" + pr.Region + " price)"
	}
	return pr.USD, s
}

// gpuText counts GPUs, fractional ones (partial-GPU sizes) as such.
func gpuText(n float64) string { return plural.Count(n, "GPU", "GPUs") }

// countList renders {"a": 2, "b": 1} as "a ×2, b", most first then by name.
func countList(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	sort.SliceStable(keys, func(i, j int) bool { return m[keys[i]] > m[keys[j]] })
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k
		if m[k] > 1 {
			parts[i] = fmt.Sprintf("%s ×%d", k, m[k])
		}
	}
	return strings.Join(parts, ", ")
}
