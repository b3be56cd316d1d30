package engine

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/enrich"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
	"github.com/mamori-sec/mamori/internal/redact"
)

// Summary says in one line what an event did, from its typed facts, so
// every rule's alert reads like a sentence without a template per rule.
// The text carries attacker-controlled names: outputs escape it. A process's
// command line is quoted with the values of its secrets masked
// (redact.Secrets), so every output and serve's store get them masked;
// rules read the raw record.
func Summary(ev *event.Event) string {
	who := who(ev)
	switch {
	case ev.Operation == "microsoft.authorization/elevateaccess/action" || ev.Audit != nil && strings.EqualFold(ev.Audit.Category, "AzureRBACRoleManagementElevateAccess"):
		return fmt.Sprintf("%s elevated access to User Access Administrator at root scope (all subscriptions) from %s", who, addr(ev.SourceIP.String()))
	case ev.TenantChange != nil:
		return fmt.Sprintf("%s moved subscription %s from tenant %s to tenant %s", who, orUnknown(ev.Subscription), orUnknown(ev.TenantChange.From), orUnknown(ev.TenantChange.To))
	case ev.Role != nil:
		role := ev.Role.RoleName
		if role == "" {
			role = "role " + ev.Role.RoleDefinitionID
		}
		return fmt.Sprintf("%s granted %s to %s %s at %s", who, role, strings.ToLower(orUnknown(ev.Role.PrincipalType)), orUnknown(ev.Role.PrincipalID), orUnknown(ev.Role.Scope))
	case ev.Quota != nil && ev.Quota.Exceeded:
		q := ev.Quota
		return fmt.Sprintf("%s's deployment failed on %s quota in %s (limit %d, %d more required)", who, orUnknown(q.Family), orUnknown(q.Region), q.Current, q.Required)
	case ev.Quota != nil:
		q := ev.Quota
		return fmt.Sprintf("%s requested a %s quota of %d in %s (%s)", who, orUnknown(q.Family), q.Limit, orUnknown(q.Region), q.Source)
	case ev.Extension != nil:
		return fmt.Sprintf("%s installed %s (%s) on %s", who, orUnknown(ev.Extension.Type), orUnknown(ev.Extension.Publisher), alert.ShortID(ev.ResourceID))
	case ev.Compute != nil && event.StartsCompute(ev.Operation):
		// Machines that exist, woken: their size and, for a scale set
		// or a cluster started whole, their count are their writes'.
		return fmt.Sprintf("%s started %s"+inRegion+"%s", who, alert.ShortID(ev.ResourceID), orUnknown(ev.Region), startText(ev.Compute))
	case ev.Compute != nil && ev.Compute.Wakes > 0:
		// An Azure ML job on its workspace's cluster: the nodes it asks for.
		return fmt.Sprintf("%s submitted %s"+inRegion+"%d machines of %s (%s)", who, alert.ShortID(ev.ResourceID), orUnknown(ev.Region), ev.Compute.Wakes, alert.ShortID(ev.Compute.Target), ev.Compute.Service)
	case ev.Compute != nil && ev.Compute.Target == ev.ResourceID && ev.Outcome == event.OutcomeStarted:
		// A Batch pool's resize in its service log: the nodes it adds.
		return fmt.Sprintf("%s resized %s"+inRegion+"%d more nodes of %s (%s)", who, alert.ShortID(ev.ResourceID), orUnknown(ev.Region), ev.Compute.Count, orUnknown(ev.Compute.Size), ev.Compute.Service)
	case ev.Compute != nil && ev.Operation == event.OpHDInsightResize:
		// The workers the cluster is to have; their size is the cluster's
		// write's, which the alert's compute names once the hunt read it.
		return fmt.Sprintf("%s resized %s"+inRegion+"to %d workers (%s)", who, alert.ShortID(ev.Compute.Target), orUnknown(ev.Region), ev.Compute.Count, ev.Compute.Service)
	case ev.Compute != nil && event.IsAutoscaleAction(ev.Operation):
		// Autoscale acting for a setting: whose machines they are, the
		// end of the hunt says (lateScale).
		c := ev.Compute
		return fmt.Sprintf("%s scaled %s from %d to %d instances (%s) for %s", who, alert.ShortID(c.Target), c.Old, c.New, orUnknown(c.Service), alert.ShortID(ev.ResourceID))
	case ev.Compute != nil && ev.Compute.Target != "" && ev.Compute.Target != ev.ResourceID:
		// An autoscale setting: the machines are its target's, their size
		// named by the target's own write.
		c := ev.Compute
		return fmt.Sprintf("%s set %s"+inRegion+"at least %d × %s (%s)", who, alert.ShortID(ev.ResourceID), orUnknown(ev.Region), c.Count, alert.ShortID(c.Target), orUnknown(c.Service))
	case ev.Compute != nil:
		return fmt.Sprintf("%s created %s"+inRegion+"%s", who, alert.ShortID(ev.ResourceID), orUnknown(ev.Region), computeText(ev))
	case ev.Risk != nil:
		r := ev.Risk
		facts := "risk " + orUnknown(r.Level) + ", " + orUnknown(r.State)
		if r.Timing != "" {
			facts += ", " + r.Timing
		}
		text := fmt.Sprintf("%s: Identity Protection detected %s (%s)", who, orUnknown(r.EventType), facts)
		if ev.SourceIP.IsValid() {
			text += " from " + ev.SourceIP.String()
		}
		return text
	case ev.SignIn != nil:
		s := ev.SignIn
		text := fmt.Sprintf("%s signed in to %s from %s", who, orUnknown(s.AppName), addr(ev.SourceIP.String()))
		if s.RiskLevel != "" && s.RiskLevel != "none" {
			text += ", risk " + s.RiskLevel
		}
		if s.AuthRequirement == "singleFactorAuthentication" {
			text += ", single factor"
		}
		if s.ErrorCode != 0 {
			text += fmt.Sprintf(", failed (%d)", s.ErrorCode)
		}
		return text
	case ev.Audit != nil:
		var ts []string
		for _, t := range ev.Audit.Targets {
			if t.Name != "" {
				ts = append(ts, t.Name)
			} else if t.ID != "" {
				ts = append(ts, t.ID)
			}
		}
		return strings.TrimSpace(fmt.Sprintf("%s: %s %s", who, ev.Audit.Activity, strings.Join(ts, ", ")))
	case ev.Flow != nil:
		f := ev.Flow
		dst := f.Dst.String()
		if f.Host != "" {
			dst = f.Host
		}
		text := fmt.Sprintf("%s connected to %s port %d (%s, %s)", addr(f.Src.String()), addr(dst), f.DstPort, orUnknown(f.Protocol), orUnknown(f.Action))
		return text + poolText(ev)
	case ev.DNS != nil:
		return fmt.Sprintf("%s looked up %s", addr(ev.DNS.Client.String()), ev.DNS.Query) + poolText(ev)
	case ev.Process != nil:
		p := ev.Process
		host := p.Host
		if host == "" {
			host = ev.Loc.File
		}
		return fmt.Sprintf("%s on %s: %s", processName(p), host, commandText(p.CommandLine)) + poolText(ev)
	case ev.Alert != nil:
		a := ev.Alert
		facts := strings.ToLower(orUnknown(a.Severity))
		if a.Type != "" {
			facts = a.Type + ", " + facts
		}
		text := fmt.Sprintf("%s raised \"%s\" (%s)", orUnknown(a.Product), orUnknown(a.Name), facts)
		if a.Entity != "" {
			text += " on " + a.Entity
		} else if ev.ResourceID != "" {
			text += " on " + alert.ShortID(ev.ResourceID)
		}
		return text
	}
	return fmt.Sprintf("%s: %s on %s", who, ev.Operation, alert.ShortID(ev.ResourceID))
}

// Of a command line, a summary shows the first shownCommand bytes, and
// redaction reads the first redactedCommand: a secret's value that starts
// in what is shown ends long before, and an argument list of megabytes
// costs no more than one of a few kilobytes.
const (
	shownCommand    = 200
	redactedCommand = 4 << 10
)

// commandText is what a summary quotes of a command line: secrets hidden,
// then cut (hidden first, so that a secret across the cut is not half
// shown).
func commandText(cmd string) string {
	if len(cmd) > redactedCommand {
		cmd = cmd[:redactedCommand]
	}
	return record.Clip(redact.Secrets(cmd), shownCommand)
}

func computeText(ev *event.Event) string {
	c := ev.Compute
	n := strconv.Itoa(max(c.Count, 1))
	if c.Count <= 0 && CountUnknown(c.CountNote) {
		n = "?" // not one: unknown
	}
	text := fmt.Sprintf("%s × %s (%s)", n, orUnknown(c.Size), c.Service)
	if c.CountNote != "" {
		text += ", " + c.CountNote
	}
	if s := ev.Enrich.Size; s != nil && s.Estimated {
		// A size the table lacks: what its name says, said to be a guess.
		if s.GPUs > 0 {
			text += fmt.Sprintf(", GPUs (how many unknown), %d vCPUs each: estimated from the size's name, not in mamori's size table", s.VCPUs)
		} else {
			text += fmt.Sprintf(", %d vCPUs each: estimated from the size's name, not in mamori's size table", s.VCPUs)
		}
	} else if s != nil && s.GPUs > 0 {
		text += fmt.Sprintf(", %g %s GPUs each", s.GPUs, s.GPUModel)
	} else if c.GPUs > 0 {
		text += fmt.Sprintf(", %d GPUs", c.GPUs)
	}
	if c.Priority != "" && c.Priority != "Regular" {
		text += ", " + strings.ToLower(c.Priority)
	}
	if c.Image != "" && (c.GPUs > 0 || ev.Enrich.Size != nil && ev.Enrich.Size.GPUs > 0) {
		// What a GPU machine runs says how it gets its driver: from the
		// image (NVIDIA's, an HPC image) or an extension still to come.
		text += ", from image " + c.Image
	}
	if c.Cluster != "" {
		_, id, _ := strings.Cut(c.Cluster, "/")
		if c.Service == "databricks" {
			text += ", cluster " + id // the record's resource is its workspace
		} else {
			// A machine Azure Databricks wrote: its tags say whose cluster.
			text += ", a machine of Azure Databricks cluster " + id
			if c.Creator != "" {
				text += " created by " + c.Creator
			}
		}
	}
	return text
}

// startText says what a start woke as its record tells it: the machines
// of a scale set or cluster started whole are not counted there.
func startText(c *event.Compute) string {
	if c.Count <= 0 {
		return fmt.Sprintf("all its machines (%s)", c.Service)
	}
	return fmt.Sprintf("%d × %s (%s)", c.Count, orUnknown(c.Size), c.Service)
}

func poolText(ev *event.Event) string {
	p := ev.Enrich.Pool
	if p == nil {
		return ""
	}
	if p.Kind == enrich.KindPort {
		// The port is all there is: say so, not that the peer is a pool,
		// and which pools publish it (from mamori's own list).
		if p.Pool != "" {
			return " — a port mining pools use (" + p.Indicator + ": " + p.Pool + ")"
		}
		return " — a port mining pools use (" + p.Indicator + ")"
	}
	// A Stratum URL is cut from the command line: its user's password
	// (stratum+tcp://wallet:password@pool) is hidden as the command line's is.
	t := " — mining pool " + redact.Secrets(p.Indicator)
	if p.Pool != "" {
		t += " (" + p.Pool + ")"
	}
	return t
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

// inRegion is where a compute summary names its region; lateRegion
// fills in one that was unknown ("?") when the record was read.
const inRegion = " in %s: "

func orUnknown(s string) string {
	if s == "" {
		return "?"
	}
	return s
}

func addr(s string) string {
	if s == "invalid IP" || s == "" {
		return "?"
	}
	return s
}

// processName is the executable's file name.
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
