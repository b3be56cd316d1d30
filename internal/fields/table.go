package fields

import (
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/sigma"
)

// getter reads a normalised (typed) field of the event.
type getter func(e *Event, match func(sigma.Value) bool) result

// source is one place a field's values come from: a typed getter or a
// raw record path.
type source struct {
	typed getter
	path  *path
}

// text fields are present when not empty.
func textOf(get func(*event.Event) string) getter {
	return func(e *Event, match func(sigma.Value) bool) result {
		s := get(e.ev)
		if s == "" {
			return result{}
		}
		return yield(sigma.StringValue(s), true, match)
	}
}

func textsOf(get func(*event.Event) []string) getter {
	return func(e *Event, match func(sigma.Value) bool) (r result) {
		for _, s := range get(e.ev) {
			if s != "" {
				if r.add(yield(sigma.StringValue(s), true, match)); r.matched {
					return r
				}
			}
		}
		return r
	}
}

// intOf fields are present when ok (their struct exists).
func intOf(get func(*event.Event) (int64, bool)) getter {
	return func(e *Event, match func(sigma.Value) bool) result {
		n, ok := get(e.ev)
		if !ok {
			return result{}
		}
		s := e.keep(func(b []byte) []byte { return strconv.AppendInt(b, n, 10) })
		return yield(sigma.NumberValue(float64(n), s), true, match)
	}
}

func floatOf(get func(*event.Event) (float64, bool)) getter {
	return func(e *Event, match func(sigma.Value) bool) result {
		f, ok := get(e.ev)
		if !ok {
			return result{}
		}
		s := e.keep(func(b []byte) []byte { return strconv.AppendFloat(b, f, 'f', -1, 64) })
		return yield(sigma.NumberValue(f, s), true, match)
	}
}

func boolOf(get func(*event.Event) (bool, bool)) getter {
	return func(e *Event, match func(sigma.Value) bool) result {
		b, ok := get(e.ev)
		if !ok {
			return result{}
		}
		return yield(sigma.BoolValue(b), true, match)
	}
}

// addrOf fields are present when the address is valid.
func addrOf(get func(*event.Event) netip.Addr) getter {
	return func(e *Event, match func(sigma.Value) bool) result {
		a := get(e.ev)
		if !a.IsValid() {
			return result{}
		}
		return yield(sigma.StringValue(e.keep(a.AppendTo)), true, match)
	}
}

// The typed extras are pointers: these read a field of one when present.

func sub[T any](parent func(*event.Event) *T, get func(*T) string) getter {
	return textOf(func(ev *event.Event) string {
		if p := parent(ev); p != nil {
			return get(p)
		}
		return ""
	})
}

func subInt[T any](parent func(*event.Event) *T, get func(*T) int64) getter {
	return intOf(func(ev *event.Event) (int64, bool) {
		if p := parent(ev); p != nil {
			return get(p), true
		}
		return 0, false
	})
}

// computeTotal gives a request's vCPUs or GPUs in all: absent, not 0,
// when enrichment did not know its machines' size (event.Compute.Totaled),
// so that a sum over it never calls an unjudged request small.
func computeTotal(get func(*event.Compute) float64) getter {
	return floatOf(func(ev *event.Event) (float64, bool) {
		if c := ev.Compute; c != nil && c.Totaled {
			return get(c), true
		}
		return 0, false
	})
}

// namedLookup gives a number of a lookup's client endpoint: absent, not
// 0, when the record does not name it (it names the port and the query id
// together, or neither).
func namedLookup(get func(*event.DNS) uint16) getter {
	return intOf(func(ev *event.Event) (int64, bool) {
		if ev.DNS == nil || ev.DNS.ClientPort == 0 {
			return 0, false
		}
		return int64(get(ev.DNS)), true
	})
}

func subFloat[T any](parent func(*event.Event) *T, get func(*T) float64) getter {
	return floatOf(func(ev *event.Event) (float64, bool) {
		if p := parent(ev); p != nil {
			return get(p), true
		}
		return 0, false
	})
}

func subTexts[T any](parent func(*event.Event) *T, get func(*T) []string) getter {
	return textsOf(func(ev *event.Event) []string {
		if p := parent(ev); p != nil {
			return get(p)
		}
		return nil
	})
}

func subBool[T any](parent func(*event.Event) *T, get func(*T) bool) getter {
	return boolOf(func(ev *event.Event) (bool, bool) {
		if p := parent(ev); p != nil {
			return get(p), true
		}
		return false, false
	})
}

func subAddr[T any](parent func(*event.Event) *T, get func(*T) netip.Addr) getter {
	return addrOf(func(ev *event.Event) netip.Addr {
		if p := parent(ev); p != nil {
			return get(p)
		}
		return netip.Addr{}
	})
}

func compute(ev *event.Event) *event.Compute             { return ev.Compute }
func extension(ev *event.Event) *event.Extension         { return ev.Extension }
func quota(ev *event.Event) *event.Quota                 { return ev.Quota }
func role(ev *event.Event) *event.RoleAssignment         { return ev.Role }
func tenantChange(ev *event.Event) *event.TenantChange   { return ev.TenantChange }
func export(ev *event.Event) *event.Export               { return ev.Export }
func signIn(ev *event.Event) *event.SignIn               { return ev.SignIn }
func audit(ev *event.Event) *event.Audit                 { return ev.Audit }
func flow(ev *event.Event) *event.Flow                   { return ev.Flow }
func dns(ev *event.Event) *event.DNS                     { return ev.DNS }
func process(ev *event.Event) *event.Process             { return ev.Process }
func securityAlert(ev *event.Event) *event.SecurityAlert { return ev.Alert }
func riskDetection(ev *event.Event) *event.Risk          { return ev.Risk }
func sizeInfo(ev *event.Event) *event.SizeInfo           { return ev.Enrich.Size }
func srcIP(ev *event.Event) *event.IPInfo                { return ev.Enrich.SrcIP }
func dstIP(ev *event.Event) *event.IPInfo                { return ev.Enrich.DstIP }
func pool(ev *event.Event) *event.PoolMatch              { return ev.Enrich.Pool }
func principal(ev *event.Event) *event.Principal         { return &ev.Principal }
func location(ev *event.Event) *event.Location           { return &ev.Loc }

// normalised are mamori's own fields, named by their JSON paths in the
// alert output (docs/fields.md lists them with their meaning).
var normalised = map[string]getter{
	"time": func(e *Event, match func(sigma.Value) bool) result {
		if e.ev.Time.IsZero() {
			return result{}
		}
		t := e.ev.Time
		return yield(sigma.StringValue(e.keep(func(b []byte) []byte { return t.AppendFormat(b, time.RFC3339Nano) })), true, match)
	},
	"kind": textOf(func(ev *event.Event) string {
		if ev.Kind == event.KindUnknown {
			return ""
		}
		return ev.Kind.String()
	}),
	"shape":          textOf(func(ev *event.Event) string { return ev.Shape }),
	"id":             textOf(func(ev *event.Event) string { return ev.ID }),
	"tenant":         textOf(func(ev *event.Event) string { return ev.Tenant }),
	"subscription":   textOf(func(ev *event.Event) string { return ev.Subscription }),
	"operation":      textOf(func(ev *event.Event) string { return strings.TrimSpace(ev.Operation) }),
	"category":       textOf(func(ev *event.Event) string { return ev.Category }),
	"outcome":        textOf(func(ev *event.Event) string { return ev.Outcome.String() }),
	"status":         textOf(func(ev *event.Event) string { return ev.Status }),
	"sub_status":     textOf(func(ev *event.Event) string { return ev.SubStatus }),
	"status_message": textOf(func(ev *event.Event) string { return ev.StatusMessage }),
	"correlation_id": textOf(func(ev *event.Event) string { return ev.CorrelationID }),
	"source_ip":      addrOf(func(ev *event.Event) netip.Addr { return ev.SourceIP }),
	"region":         textOf(func(ev *event.Event) string { return ev.Region }),
	"resource_id":    textOf(func(ev *event.Event) string { return ev.ResourceID }),
	"resource_type":  textOf(func(ev *event.Event) string { return ev.ResourceType }),
	"public_addrs": textsOf(func(ev *event.Event) []string {
		// Rare and small: the texts are built here rather than kept.
		out := make([]string, len(ev.PublicAddrs))
		for i, p := range ev.PublicAddrs {
			out[i] = p.String()
		}
		return out
	}),

	"principal.id":        sub(principal, func(p *event.Principal) string { return p.ID }),
	"principal.upn":       sub(principal, func(p *event.Principal) string { return p.UPN }),
	"principal.name":      sub(principal, func(p *event.Principal) string { return p.Name }),
	"principal.type":      sub(principal, func(p *event.Principal) string { return p.Type }),
	"principal.app_id":    sub(principal, func(p *event.Principal) string { return p.AppID }),
	"principal.tenant_id": sub(principal, func(p *event.Principal) string { return p.TenantID }),

	"compute.service":      sub(compute, func(c *event.Compute) string { return c.Service }),
	"compute.size":         sub(compute, func(c *event.Compute) string { return c.Size }),
	"compute.count":        subInt(compute, func(c *event.Compute) int64 { return int64(c.Count) }),
	"compute.low_priority": subInt(compute, func(c *event.Compute) int64 { return int64(c.LowPri) }),
	"compute.gpus":         subInt(compute, func(c *event.Compute) int64 { return int64(c.GPUs) }),
	"compute.gpu_sku":      sub(compute, func(c *event.Compute) string { return c.GPUSKU }),
	"compute.cpus":         subFloat(compute, func(c *event.Compute) float64 { return c.CPUs }),
	"compute.priority":     sub(compute, func(c *event.Compute) string { return c.Priority }),
	"compute.target":       sub(compute, func(c *event.Compute) string { return c.Target }),
	"compute.image":        sub(compute, func(c *event.Compute) string { return c.Image }),
	"compute.vcpus_total":  computeTotal(func(c *event.Compute) float64 { return c.VCPUsTotal }),
	"compute.gpus_total":   computeTotal(func(c *event.Compute) float64 { return c.GPUsTotal }),

	"extension.publisher": sub(extension, func(x *event.Extension) string { return x.Publisher }),
	"extension.type":      sub(extension, func(x *event.Extension) string { return x.Type }),
	"extension.name":      sub(extension, func(x *event.Extension) string { return x.Name }),

	"quota.family":   sub(quota, func(q *event.Quota) string { return q.Family }),
	"quota.region":   sub(quota, func(q *event.Quota) string { return q.Region }),
	"quota.limit":    subInt(quota, func(q *event.Quota) int64 { return q.Limit }),
	"quota.current":  subInt(quota, func(q *event.Quota) int64 { return q.Current }),
	"quota.usage":    subInt(quota, func(q *event.Quota) int64 { return q.Usage }),
	"quota.required": subInt(quota, func(q *event.Quota) int64 { return q.Required }),
	"quota.exceeded": subBool(quota, func(q *event.Quota) bool { return q.Exceeded }),
	"quota.source":   sub(quota, func(q *event.Quota) string { return q.Source }),

	"role.definition_id":      sub(role, func(r *event.RoleAssignment) string { return r.RoleDefinitionID }),
	"role.role_definition_id": sub(role, func(r *event.RoleAssignment) string { return r.RoleDefinitionID }),
	"role.name":               sub(role, func(r *event.RoleAssignment) string { return r.RoleName }),
	"role.role_name":          sub(role, func(r *event.RoleAssignment) string { return r.RoleName }),
	"role.principal_id":       sub(role, func(r *event.RoleAssignment) string { return r.PrincipalID }),
	"role.principal_type":     sub(role, func(r *event.RoleAssignment) string { return r.PrincipalType }),
	"role.scope":              sub(role, func(r *event.RoleAssignment) string { return r.Scope }),

	"tenant_change.from": sub(tenantChange, func(t *event.TenantChange) string { return t.From }),
	"tenant_change.to":   sub(tenantChange, func(t *event.TenantChange) string { return t.To }),

	"export.setting":             sub(export, func(x *event.Export) string { return x.Setting }),
	"export.administrative":      subBool(export, func(x *event.Export) bool { return x.Administrative }),
	"export.delta":               subInt(export, func(x *event.Export) int64 { return int64(x.Delta) }),
	"export.subscription_tenant": sub(export, func(x *event.Export) string { return x.SubscriptionTenant }),
	"export.foreign_tenant":      subBool(export, func(x *event.Export) bool { return x.Foreign }),

	"signin.category":              sub(signIn, func(s *event.SignIn) string { return s.Category }),
	"signin.app_id":                sub(signIn, func(s *event.SignIn) string { return s.AppID }),
	"signin.app_name":              sub(signIn, func(s *event.SignIn) string { return s.AppName }),
	"signin.resource":              sub(signIn, func(s *event.SignIn) string { return s.Resource }),
	"signin.resource_id":           sub(signIn, func(s *event.SignIn) string { return s.ResourceID }),
	"signin.error_code":            subInt(signIn, func(s *event.SignIn) int64 { return int64(s.ErrorCode) }),
	"signin.failure_reason":        sub(signIn, func(s *event.SignIn) string { return s.FailureReason }),
	"signin.risk_level":            sub(signIn, func(s *event.SignIn) string { return s.RiskLevel }),
	"signin.risk_level_aggregated": sub(signIn, func(s *event.SignIn) string { return s.RiskLevelAggregated }),
	"signin.risk_state":            sub(signIn, func(s *event.SignIn) string { return s.RiskState }),
	"signin.risk_event_types":      subTexts(signIn, func(s *event.SignIn) []string { return s.RiskEventTypes }),
	"signin.auth_requirement":      sub(signIn, func(s *event.SignIn) string { return s.AuthRequirement }),
	"signin.conditional_access":    sub(signIn, func(s *event.SignIn) string { return s.ConditionalAccess }),
	"signin.client_app":            sub(signIn, func(s *event.SignIn) string { return s.ClientApp }),
	"signin.user_agent":            sub(signIn, func(s *event.SignIn) string { return s.UserAgent }),
	"signin.country":               sub(signIn, func(s *event.SignIn) string { return s.Country }),
	"signin.home_tenant_id":        sub(signIn, func(s *event.SignIn) string { return s.HomeTenantID }),
	"signin.resource_tenant_id":    sub(signIn, func(s *event.SignIn) string { return s.ResourceTenantID }),
	"signin.interactive":           subBool(signIn, func(s *event.SignIn) bool { return s.Interactive }),

	"audit.activity":     sub(audit, func(a *event.Audit) string { return strings.TrimSpace(a.Activity) }),
	"audit.category":     sub(audit, func(a *event.Audit) string { return a.Category }),
	"audit.service":      sub(audit, func(a *event.Audit) string { return a.Service }),
	"audit.result":       sub(audit, func(a *event.Audit) string { return a.Result }),
	"audit.targets.id":   targetsOf(func(t *event.Target) string { return t.ID }),
	"audit.targets.name": targetsOf(func(t *event.Target) string { return t.Name }),
	"audit.targets.type": targetsOf(func(t *event.Target) string { return t.Type }),

	"flow.src":       subAddr(flow, func(f *event.Flow) netip.Addr { return f.Src }),
	"flow.dst":       subAddr(flow, func(f *event.Flow) netip.Addr { return f.Dst }),
	"flow.src_port":  subInt(flow, func(f *event.Flow) int64 { return int64(f.SrcPort) }),
	"flow.dst_port":  subInt(flow, func(f *event.Flow) int64 { return int64(f.DstPort) }),
	"flow.protocol":  sub(flow, func(f *event.Flow) string { return f.Protocol }),
	"flow.direction": sub(flow, func(f *event.Flow) string { return f.Direction }),
	"flow.action":    sub(flow, func(f *event.Flow) string { return f.Action }),
	"flow.state":     sub(flow, func(f *event.Flow) string { return f.State }),
	"flow.bytes":     subInt(flow, func(f *event.Flow) int64 { return f.Bytes }),
	"flow.packets":   subInt(flow, func(f *event.Flow) int64 { return f.Packets }),
	"flow.rule":      sub(flow, func(f *event.Flow) string { return f.Rule }),

	"dns.query":         sub(dns, func(d *event.DNS) string { return d.Query }),
	"dns.type":          sub(dns, func(d *event.DNS) string { return d.Type }),
	"dns.response_code": sub(dns, func(d *event.DNS) string { return d.ResponseCode }),
	"dns.client":        subAddr(dns, func(d *event.DNS) netip.Addr { return d.Client }),
	"dns.client_port":   namedLookup(func(d *event.DNS) uint16 { return d.ClientPort }),
	"dns.query_id":      namedLookup(func(d *event.DNS) uint16 { return d.QueryID }),

	"process.host":                sub(process, func(p *event.Process) string { return p.Host }),
	"process.machine":             textOf(machine),
	"process.image":               sub(process, func(p *event.Process) string { return p.Image }),
	"process.command_line":        sub(process, func(p *event.Process) string { return p.CommandLine }),
	"process.parent_image":        sub(process, func(p *event.Process) string { return p.ParentImage }),
	"process.parent_command_line": sub(process, func(p *event.Process) string { return p.ParentCommand }),
	"process.user":                sub(process, func(p *event.Process) string { return p.User }),
	"process.login_user":          sub(process, func(p *event.Process) string { return p.LoginUser }),
	"process.pid":                 subInt(process, func(p *event.Process) int64 { return p.PID }),
	"process.parent_pid":          subInt(process, func(p *event.Process) int64 { return p.ParentPID }),
	"process.sha256":              sub(process, func(p *event.Process) string { return p.SHA256 }),

	"security_alert.type": sub(securityAlert, func(a *event.SecurityAlert) string { return a.Type }),
	"risk.event_type":     sub(riskDetection, func(r *event.Risk) string { return r.EventType }),
	"risk.level":          sub(riskDetection, func(r *event.Risk) string { return r.Level }),
	"risk.state":          sub(riskDetection, func(r *event.Risk) string { return r.State }),
	"risk.detail":         sub(riskDetection, func(r *event.Risk) string { return r.Detail }),
	"risk.timing":         sub(riskDetection, func(r *event.Risk) string { return r.Timing }),
	"risk.activity":       sub(riskDetection, func(r *event.Risk) string { return r.Activity }),
	"risk.source":         sub(riskDetection, func(r *event.Risk) string { return r.Source }),
	"risk.request_id":     sub(riskDetection, func(r *event.Risk) string { return r.RequestID }),
	"risk.country":        sub(riskDetection, func(r *event.Risk) string { return r.Country }),
	"risk.user_agent":     sub(riskDetection, func(r *event.Risk) string { return r.UserAgent }),

	"security_alert.name":      sub(securityAlert, func(a *event.SecurityAlert) string { return a.Name }),
	"security_alert.severity":  sub(securityAlert, func(a *event.SecurityAlert) string { return a.Severity }),
	"security_alert.status":    sub(securityAlert, func(a *event.SecurityAlert) string { return a.Status }),
	"security_alert.product":   sub(securityAlert, func(a *event.SecurityAlert) string { return a.Product }),
	"security_alert.component": sub(securityAlert, func(a *event.SecurityAlert) string { return a.Component }),
	"security_alert.entity":    sub(securityAlert, func(a *event.SecurityAlert) string { return a.Entity }),
	"security_alert.intent":    sub(securityAlert, func(a *event.SecurityAlert) string { return a.Intent }),
	"security_alert.hosts":     subTexts(securityAlert, func(a *event.SecurityAlert) []string { return a.Hosts }),
	"security_alert.addresses": subTexts(securityAlert, func(a *event.SecurityAlert) []string { return a.Addresses }),

	"enrich.size.size":      sub(sizeInfo, func(s *event.SizeInfo) string { return s.Size }),
	"enrich.size.family":    sub(sizeInfo, func(s *event.SizeInfo) string { return s.Family }),
	"enrich.size.vcpus":     subInt(sizeInfo, func(s *event.SizeInfo) int64 { return int64(s.VCPUs) }),
	"enrich.size.gpus":      subFloat(sizeInfo, func(s *event.SizeInfo) float64 { return s.GPUs }),
	"enrich.size.gpu_model": sub(sizeInfo, func(s *event.SizeInfo) string { return s.GPUModel }),
	"enrich.size.estimated": subBool(sizeInfo, func(s *event.SizeInfo) bool { return s.Estimated }),

	"enrich.src_ip.service_tag": sub(srcIP, func(i *event.IPInfo) string { return i.ServiceTag }),
	"enrich.src_ip.region":      sub(srcIP, func(i *event.IPInfo) string { return i.Region }),
	"enrich.src_ip.azure":       subBool(srcIP, func(i *event.IPInfo) bool { return i.Azure }),
	"enrich.src_ip.owned":       subBool(srcIP, func(i *event.IPInfo) bool { return i.Owned }),
	"enrich.dst_ip.service_tag": sub(dstIP, func(i *event.IPInfo) string { return i.ServiceTag }),
	"enrich.dst_ip.region":      sub(dstIP, func(i *event.IPInfo) string { return i.Region }),
	"enrich.dst_ip.azure":       subBool(dstIP, func(i *event.IPInfo) bool { return i.Azure }),
	"enrich.dst_ip.owned":       subBool(dstIP, func(i *event.IPInfo) bool { return i.Owned }),

	"enrich.pool.indicator": sub(pool, func(p *event.PoolMatch) string { return p.Indicator }),
	"enrich.pool.kind":      sub(pool, func(p *event.PoolMatch) string { return p.Kind }),
	"enrich.pool.pool":      sub(pool, func(p *event.PoolMatch) string { return p.Pool }),

	"loc.file":   sub(location, func(l *event.Location) string { return l.File }),
	"loc.line":   subInt(location, func(l *event.Location) int64 { return int64(l.Line) }),
	"loc.offset": subInt(location, func(l *event.Location) int64 { return l.Offset }),
	"loc.record": subInt(location, func(l *event.Location) int64 { return int64(l.Record) }),
	"loc.index":  subInt(location, func(l *event.Location) int64 { return int64(l.Index) }),
}

// verbatimTyped are the normalised fields whose values decoders copy from
// the record's text (at most trimmed, or re-cased by Unicode's mapping,
// which sigma.NeedleIn allows for): a literal a rule demands
// of them appears in the record, so needles may be derived. Fields built
// from tables, joined from several values or computed are not listed.
var verbatimTyped = map[string]bool{
	// Not id (composed for auditd and Defender events), status_message
	// (code and message joined), extension.publisher (a driver's is
	// inferred from its name when the body is missing), quota.family
	// (mapped: "Total Regional Cores" is cores) nor the role fields (an
	// elevation implies its role and scope): their values need not be in
	// the record's text. TestVerbatimValuesAreInTheRecord checks the rest.
	"correlation_id": true, "resource_id": true,
	"principal.id": true, "principal.upn": true, "principal.name": true, "principal.app_id": true, "principal.tenant_id": true,
	"compute.size": true, "extension.type": true, "extension.name": true,
	"signin.app_id": true, "signin.app_name": true, "signin.resource": true, "signin.resource_id": true,
	"signin.failure_reason": true, "signin.risk_level": true, "signin.risk_level_aggregated": true,
	"signin.risk_state": true, "signin.risk_event_types": true, "signin.auth_requirement": true,
	"signin.conditional_access": true, "signin.client_app": true, "signin.user_agent": true, "signin.country": true,
	"signin.home_tenant_id": true, "signin.resource_tenant_id": true,
	"audit.activity": true, "audit.service": true, "dns.query": true,
	"risk.event_type": true, "risk.level": true, "risk.state": true, "risk.detail": true, "risk.timing": true,
	"risk.activity": true, "risk.source": true, "risk.request_id": true, "risk.country": true, "risk.user_agent": true,
}

// refreshedTyped are the normalised fields whose values can change after
// an event was evaluated: whether an address is the tenant's own, which a
// hunt may learn from records read later (enrich.Enricher.Refresh).
var refreshedTyped = map[string]bool{"enrich.src_ip.owned": true, "enrich.dst_ip.owned": true}

// targetsOf reads one attribute of every audit target.
func targetsOf(get func(*event.Target) string) getter {
	return func(e *Event, match func(sigma.Value) bool) (r result) {
		if e.ev.Audit == nil {
			return r
		}
		for i := range e.ev.Audit.Targets {
			if s := get(&e.ev.Audit.Targets[i]); s != "" {
				if r.add(yield(sigma.StringValue(s), true, match)); r.matched {
					return r
				}
			}
		}
		return r
	}
}

// machine is the machine a process event happened on, for rules to merge
// by: its host name, or, in a log that names none (auditd's default
// format), the file it was read from, so that two machines' logs gathered
// into one folder are not one machine. Not a host name: the file is only
// where the machine's events were found. The file is named by its folder
// and name (hosts/vm-3/audit.log gives "file:vm-3/audit.log"), not its
// whole path: alert ids come from what rules merge by, and must not change
// with where the logs were copied to (a hunt of an export and serve over
// its copy give the same alerts).
func machine(ev *event.Event) string {
	switch {
	case ev.Process == nil:
		return ""
	case ev.Process.Host != "":
		return ev.Process.Host
	case ev.Loc.File != "":
		f := ev.Loc.File
		return "file:" + filepath.Base(filepath.Dir(f)) + "/" + filepath.Base(f)
	}
	return ""
}
