package engine

import (
	"fmt"
	"strings"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/event"
)

// gpuDriverTypes are the GPU driver extensions Azure publishes; installing
// one is how a miner gets the GPU working on a fresh VM.
var gpuDriverTypes = map[string]bool{
	"nvidiagpudriverlinux":   true,
	"nvidiagpudriverwindows": true,
	"amdgpudriverwindows":    true,
	"amdgpudriverlinux":      true,
}

// Starter returns the starter rules.
func Starter() []Rule {
	return []Rule{
		{
			Name: "azure.identity.elevate_access", Version: 1, Severity: alert.High,
			Title: "Global Administrator elevated access to all Azure subscriptions",
			Tags:  []string{"attack.privilege_escalation", "attack.t1098.003", "attack.t1078.004"},
			Kinds: []event.Kind{event.KindActivity, event.KindAudit},
			Match: func(ev *event.Event) (string, bool) {
				if ev.Outcome == event.OutcomeFailed {
					return "", false
				}
				switch ev.Kind {
				case event.KindActivity:
					if ev.Operation != "microsoft.authorization/elevateaccess/action" {
						return "", false
					}
				case event.KindAudit:
					if ev.Audit == nil || !strings.EqualFold(ev.Audit.Category, "AzureRBACRoleManagementElevateAccess") {
						return "", false
					}
				default:
					return "", false
				}
				return fmt.Sprintf("%s elevated access to User Access Administrator at root scope", who(ev)), true
			},
			Group: func(ev *event.Event) string { return ev.CorrelationID },
		},
		{
			Name: "azure.compute.gpu_driver_extension", Version: 1, Severity: alert.Medium,
			Title: "GPU driver extension installed on a VM or scale set",
			Tags:  []string{"attack.impact", "attack.t1496"},
			Kinds: []event.Kind{event.KindActivity},
			Match: func(ev *event.Event) (string, bool) {
				x := ev.Extension
				if x == nil || ev.Outcome == event.OutcomeFailed || !strings.HasSuffix(ev.Operation, "/extensions/write") {
					return "", false
				}
				if !strings.EqualFold(x.Publisher, "Microsoft.HpcCompute") && x.Publisher != "" {
					return "", false
				}
				if !gpuDriverTypes[strings.ToLower(x.Type)] {
					return "", false
				}
				return fmt.Sprintf("%s installed %s on %s", who(ev), x.Type, lastSegments(ev.ResourceID, 3)), true
			},
			Group: func(ev *event.Event) string {
				if ev.CorrelationID != "" {
					return ev.CorrelationID
				}
				return ev.ResourceID
			},
		},
		{
			Name: "azure.network.mining_pool_connection", Version: 1, Severity: alert.High,
			Title: "Connection to a cryptocurrency mining pool",
			Tags:  []string{"attack.impact", "attack.t1496"},
			Kinds: []event.Kind{event.KindFlow, event.KindDNS, event.KindProcess},
			Match: func(ev *event.Event) (string, bool) {
				p := ev.Enrich.Pool
				if p == nil || p.Kind == "port" { // a port alone is too weak to alert on
					return "", false
				}
				if ev.Flow != nil && ev.Flow.Action == "deny" {
					return "", false
				}
				return poolSummary(ev, p), true
			},
			Group: func(ev *event.Event) string {
				switch {
				case ev.Flow != nil:
					return fmt.Sprintf("flow|%s|%s|%s|%d", ev.Subscription, ev.Flow.Src, ev.Flow.Dst, ev.Flow.DstPort)
				case ev.DNS != nil:
					return "dns|" + ev.DNS.Client.String() + "|" + ev.DNS.Query
				case ev.Process != nil:
					return "proc|" + ev.Process.Host + "|" + ev.Process.CommandLine
				}
				return ""
			},
		},
	}
}

func poolSummary(ev *event.Event, p *event.PoolMatch) string {
	name := p.Indicator
	if p.Pool != "" {
		name += " (" + p.Pool + ")"
	}
	switch {
	case ev.Flow != nil:
		return fmt.Sprintf("%s connected to mining pool %s port %d", ev.Flow.Src, name, ev.Flow.DstPort)
	case ev.DNS != nil:
		return fmt.Sprintf("%s resolved mining pool %s", ev.DNS.Client, name)
	case ev.Process != nil:
		where := ev.Process.Host
		if where == "" {
			where = ev.Loc.File
		}
		return fmt.Sprintf("%s on %s points a miner at %s", processName(ev.Process), where, name)
	}
	return "mining pool " + name
}

// who names the principal of an event as a person would read it.
func who(ev *event.Event) string {
	p := ev.Principal
	switch {
	case p.UPN != "":
		return p.UPN
	case p.Name != "":
		return p.Name
	case p.ID != "":
		return p.ID
	case p.AppID != "":
		return "app " + p.AppID
	}
	return "an unknown principal"
}

// lastSegments shortens a resource id to its last n name/value segments.
func lastSegments(id string, n int) string {
	parts := strings.Split(strings.Trim(id, "/"), "/")
	if len(parts) > n {
		parts = parts[len(parts)-n:]
	}
	return strings.Join(parts, "/")
}

// processName is the executable's file name, for summaries.
func processName(p *event.Process) string {
	img := p.Image
	if i := strings.LastIndexAny(img, `/\`); i >= 0 {
		img = img[i+1:]
	}
	if img == "" {
		return "a process"
	}
	return img
}
