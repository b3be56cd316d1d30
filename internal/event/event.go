// Package event defines the normalised event: one per log record (or per
// flow tuple), decoded once, with typed extras for the facts cryptojacking
// detections need and the enrichment computed at normalisation.
package event

import (
	"bytes"
	"net/netip"
	"strings"
	"time"

	"github.com/valyala/fastjson"
)

// Kind is the family of log an event came from.
type Kind uint8

// The kinds of event mamori reads. The string forms are stable: they appear
// in alerts, statistics and rule log sources.
const (
	KindUnknown    Kind = iota
	KindActivity        // Azure Activity Log (subscription and tenant level)
	KindSignIn          // Entra ID sign-ins (user, non-interactive, service principal, managed identity)
	KindAudit           // Entra ID audit log
	KindFlow            // NSG and VNet flow logs, Traffic Analytics, firewall network rules
	KindDNS             // Azure Firewall DNS proxy
	KindProcess         // host process creation: Defender for Endpoint, auditd, Sysmon for Linux
	KindAlert           // Defender for Cloud security alerts (and other products' in the SecurityAlert table)
	KindDatabricks      // Azure Databricks clusters log (a workspace's diagnostic setting, category clusters)
	KindRisk            // Entra ID Protection risk detections (users' and service principals')
)

var kindNames = [...]string{"unknown", "activity", "signin", "audit", "flow", "dns", "process", "securityalert", "databricks", "riskdetection"}

// KindCount is how many kinds there are, KindUnknown included: the length
// of an array indexed by Kind.
const KindCount = len(kindNames)

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// KindNamed is the kind String names; KindUnknown for any other name.
func KindNamed(name string) Kind {
	for k, n := range kindNames {
		if n == name {
			return Kind(k)
		}
	}
	return KindUnknown
}

// Outcome is the normalised status of an operation.
type Outcome uint8

// Outcomes, in the order Azure reports the phases of an ARM operation.
const (
	OutcomeUnknown Outcome = iota
	OutcomeStarted
	OutcomeAccepted
	OutcomeSucceeded
	OutcomeFailed
)

var outcomeNames = [...]string{"", "started", "accepted", "succeeded", "failed"}

func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return ""
}

// Location says where a record came from, for evidence and error messages.
type Location struct {
	File   string `json:"file,omitempty"`
	Line   int    `json:"line,omitempty"`   // 1-based line where the record starts, 0 if unknown
	Offset int64  `json:"offset,omitempty"` // byte offset of the record in the (decompressed) stream
	Record int    `json:"record,omitempty"` // position inside an envelope ({"records":[…]}, "value", an array), 0-based
	Index  int    `json:"index,omitempty"`  // position inside the record: the flow tuple, 0-based
}

// Principal is who did it. Activity Log records do not all carry a caller;
// decoders derive it from the claims where they must.
type Principal struct {
	ID       string `json:"id,omitempty"`   // Entra object id
	UPN      string `json:"upn,omitempty"`  // user principal name or e-mail
	Name     string `json:"name,omitempty"` // display name
	Type     string `json:"type,omitempty"` // User, ServicePrincipal, ManagedIdentity, Group, Guest…
	AppID    string `json:"app_id,omitempty"`
	TenantID string `json:"tenant_id,omitempty"` // home tenant when it differs
}

// Empty reports whether nothing is known of the principal.
func (p Principal) Empty() bool { return p.ID == "" && p.UPN == "" && p.Name == "" && p.AppID == "" }

// Compute describes a compute create: a VM, a scale set, an Azure ML compute
// or online deployment, a Batch pool, a container group, an AKS cluster or
// node pool, a Container Apps environment's workload profiles, an App
// Service plan's workers, a Service Fabric managed cluster's node type, a
// container app's or Container Apps job's replicas, an HDInsight cluster,
// a Synapse Spark pool, an Azure Red Hat OpenShift cluster's workers, a
// Compute Fleet, the instances an autoscale setting keeps running on its
// target (Target), those autoscale's own action gave it (Old, New), or an
// Azure Databricks cluster's machines of one size and priority.
type Compute struct {
	Service  string  `json:"service"` // vm, vmss, fleet, aml, batch, aci, aks, aca, appservice, sf, hdinsight, synapse, aro, databricks; a setting's, its target's
	Size     string  `json:"size,omitempty"`
	Count    int     `json:"count,omitempty"`        // instances or nodes requested (max for autoscaled)
	LowPri   int     `json:"low_priority,omitempty"` // Batch low-priority / spot nodes, included in Count
	GPUs     int     `json:"gpus,omitempty"`         // GPUs requested directly (container groups)
	GPUSKU   string  `json:"gpu_sku,omitempty"`      // container group GPU SKU (K80, P100, V100…)
	CPUs     float64 `json:"cpus,omitempty"`         // container group CPU request
	Priority string  `json:"priority,omitempty"`     // Regular, Spot, Low
	// Target is, for an autoscale setting, the resource whose instances it
	// governs (targetResourceUri, lower case): Count is what the setting
	// makes Azure run there, and the hunt takes from it what its writer
	// asked of the target itself (enrich.Enricher.LateRequest). For a
	// Batch pool read from the Batch service log it is the pool itself,
	// settled alike: what an ARM write of the pool asked within the hour
	// is taken off (the service logs the pools ARM writes too), and a
	// resize gets the size the pool's other records named. For a start of
	// machines that exist (StartsCompute) it is the started resource
	// itself, whose writes give the start its size and, started whole,
	// its count (Count 0 until then). For an HDInsight cluster's resize it
	// is the cluster, whose writes give the worker role's size and the
	// workers it had: Count, the workers asked for, less those, is what
	// the resize adds.
	Target string `json:"target,omitempty"`
	// Old and New are, for autoscale's record of a scale action of its
	// own (IsAutoscaleAction: Target is the resource it scaled, the
	// record's resource the setting), the target's instances before and
	// after it (OldInstancesCount, NewInstancesCount). Count is then what
	// the target gained, New less Old, on the record of a scale-out done
	// (AutoscaleGrows), and none on the others.
	Old int `json:"old_instances,omitempty"`
	New int `json:"new_instances,omitempty"`
	// Wakes is, for an Azure ML job on a cluster of its workspace (Target
	// the cluster), the machines it asks the cluster for. The job creates
	// none (Count stays 0: the cluster's write counted them), but wakes
	// an idle cluster's: the hunt prices them as a start of the cluster,
	// no more than its maximum (enrich.Enricher.LateRequest).
	Wakes int `json:"wakes,omitempty"`
	// Cluster is the Azure Databricks cluster the compute is (a cluster's
	// create, edit or resize in its workspace's clusters log) or runs for
	// (a VM Azure Databricks wrote, known by the ClusterId tag it gives
	// every machine of a cluster): "<subscription>/<cluster id>", lower
	// case, the same from both logs. The hunt counts a cluster's machines
	// once, by the log that names who asked (enrich.Enricher.Managed).
	Cluster string `json:"cluster,omitempty"`
	// Image is a VM's, scale set's or Compute Fleet's marketplace image,
	// publisher:offer:sku:version as written ("" when the write names
	// none, or a gallery or custom image by id): some carry the GPU
	// driver, so the machines mine with no driver extension written.
	Image string `json:"image,omitempty"`
	// Creator is, for a VM Azure Databricks wrote, whom its Creator tag
	// names: the user who created the cluster, where the Activity Log
	// names only the Databricks application that wrote the machine.
	Creator string `json:"creator,omitempty"`
	// WorkerSize and Workers are, for an HDInsight cluster's write, its
	// worker role's size and machines: what a resize of the cluster
	// (OpHDInsightResize, which names only a count) grows, when the role
	// that mines best (Size, Count) is another. Only enrichment reads them.
	WorkerSize string `json:"-"`
	Workers    int    `json:"-"`
	// NoBody is true when the record carried neither a request nor a
	// response body (the portal's CSV, an export that dropped them): what
	// it created is unknown, not absent. A body that names no size (a
	// Container Apps environment of the Consumption profile only) is all
	// there is to know.
	NoBody bool `json:"-"`
	// VCPUsTotal and GPUsTotal are the vCPUs and GPUs of all Count
	// machines, as enrichment reads them from the size table (a container
	// group's from its own requests): the correlations sum them, and
	// cannot multiply. Totaled says they are known; a size the table does
	// not know has no totals, not 0, so it stays counted as not judged.
	VCPUsTotal float64 `json:"vcpus_total,omitempty"`
	GPUsTotal  float64 `json:"gpus_total,omitempty"`
	Totaled    bool    `json:"-"`
	// CountNote says how Count is known when the body does not state it:
	// CountFormula, an autoscaled Batch pool's count bounded by constants
	// of its formula (an estimate), or CountFormulaUnknown, a formula
	// that bounds nothing (Count 0: not one node, unknown).
	CountNote string `json:"count_note,omitempty"`
}

// Compute.CountNote's values.
const (
	CountFormula        = "autoscale formula"
	CountFormulaUnknown = "autoscale formula: count unknown"
	// CountCapacityUnknown: a scale set's write named a size and no
	// capacity (a PATCH of sku.name alone); the hunt gives it the last
	// capacity its other writes named (enrich.Enricher.LateCapacity), else
	// its count is unknown.
	CountCapacityUnknown = "capacity not in the write"
)

// Extension is a VM or scale-set extension install.
type Extension struct {
	Publisher string `json:"publisher,omitempty"`
	Type      string `json:"type,omitempty"`
	Name      string `json:"name,omitempty"`
}

// Quota is a quota request, or a failure because a quota was exceeded.
type Quota struct {
	Family   string `json:"family,omitempty"`
	Region   string `json:"region,omitempty"`
	Limit    int64  `json:"limit,omitempty"`    // requested new limit
	Current  int64  `json:"current,omitempty"`  // current limit (failures)
	Usage    int64  `json:"usage,omitempty"`    // current usage (failures)
	Required int64  `json:"required,omitempty"` // additional required (failures)
	Exceeded bool   `json:"exceeded,omitempty"` // a deployment failed on this quota
	Source   string `json:"source,omitempty"`   // quota, capacity, support, statusmessage
}

// RoleAssignment is a role granted to a principal at a scope.
type RoleAssignment struct {
	RoleDefinitionID string `json:"role_definition_id,omitempty"` // the GUID, lower case
	RoleName         string `json:"role_name,omitempty"`          // when the record names it, or the GUID is a known built-in
	PrincipalID      string `json:"principal_id,omitempty"`
	PrincipalType    string `json:"principal_type,omitempty"`
	Scope            string `json:"scope,omitempty"`
}

// TenantChange is a subscription moved between directories.
type TenantChange struct {
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
}

// Export is a change to what a tenant's Activity Log export can see: a
// diagnostic setting at subscription scope written or deleted, or a new
// subscription, which exports nothing until a setting is made for it.
type Export struct {
	Setting string `json:"setting,omitempty"` // the diagnostic setting's name
	// Administrative is true when the setting, as written, exports the
	// Administrative category (every ARM write, the compute creates among
	// them); false for a delete.
	Administrative bool `json:"administrative"`
	// Delta is +1 for a setting written that exports the Administrative
	// category, -1 for one deleted or written without it, 0 for a new
	// subscription: summed over a subscription's changes, a rotation
	// (a new setting, then the old one deleted) comes to 0.
	Delta int `json:"delta"`
	// SubscriptionTenant is the directory a new subscription is created
	// in (additionalProperties.subscriptionTenantId), lower case; Foreign
	// when it is named and not the creator's.
	SubscriptionTenant string `json:"subscription_tenant,omitempty"`
	Foreign            bool   `json:"foreign_tenant"`
}

// SignIn carries the sign-in facts detections need.
type SignIn struct {
	Category            string   `json:"category,omitempty"` // SignInLogs, NonInteractiveUserSignInLogs, ServicePrincipalSignInLogs, ManagedIdentitySignInLogs
	AppID               string   `json:"app_id,omitempty"`
	AppName             string   `json:"app_name,omitempty"`
	Resource            string   `json:"resource,omitempty"` // resourceDisplayName
	ResourceID          string   `json:"resource_id,omitempty"`
	ErrorCode           int      `json:"error_code"`
	FailureReason       string   `json:"failure_reason,omitempty"`
	RiskLevel           string   `json:"risk_level,omitempty"` // riskLevelDuringSignIn
	RiskLevelAggregated string   `json:"risk_level_aggregated,omitempty"`
	RiskState           string   `json:"risk_state,omitempty"`
	RiskEventTypes      []string `json:"risk_event_types,omitempty"`
	AuthRequirement     string   `json:"auth_requirement,omitempty"` // singleFactorAuthentication, multiFactorAuthentication
	ConditionalAccess   string   `json:"conditional_access,omitempty"`
	ClientApp           string   `json:"client_app,omitempty"`
	UserAgent           string   `json:"user_agent,omitempty"`
	Country             string   `json:"country,omitempty"`
	HomeTenantID        string   `json:"home_tenant_id,omitempty"`
	ResourceTenantID    string   `json:"resource_tenant_id,omitempty"`
	Interactive         bool     `json:"interactive,omitempty"`
}

// Risk is an Entra ID Protection risk detection: what Microsoft found
// risky about a user's sign-in or account, or a service principal's. The
// event's Time is when the risky activity happened (the sign-in), Detected
// when Identity Protection found it (hours later for an offline
// detection), Updated when the record last changed (dismissed, remediated).
type Risk struct {
	EventType string    `json:"event_type,omitempty"` // riskEventType: unfamiliarFeatures, leakedCredentials, anomalousToken…
	Level     string    `json:"level,omitempty"`      // low, medium, high, hidden, none
	State     string    `json:"state,omitempty"`      // atRisk, confirmedCompromised, dismissed, remediated, confirmedSafe, none
	Detail    string    `json:"detail,omitempty"`     // riskDetail: why the state is what it is (adminDismissedAllRiskForUser…)
	Timing    string    `json:"timing,omitempty"`     // detectionTimingType: realtime, nearRealtime, offline
	Activity  string    `json:"activity,omitempty"`   // signin, user, servicePrincipal
	Source    string    `json:"source,omitempty"`     // IdentityProtection, MicrosoftCloudAppSecurity…
	RequestID string    `json:"request_id,omitempty"` // the sign-in's request id (its id in the sign-in logs)
	Country   string    `json:"country,omitempty"`
	UserAgent string    `json:"user_agent,omitempty"` // from additionalInfo
	Detected  time.Time `json:"detected,omitzero"`
	Updated   time.Time `json:"updated,omitzero"`
}

// Target is one thing an audit record acted on.
type Target struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"` // display name or UPN
	Type string `json:"type,omitempty"` // User, Role, Group, ServicePrincipal…
}

// Audit carries the Entra audit facts detections need.
type Audit struct {
	Activity string   `json:"activity,omitempty"` // activityDisplayName
	Category string   `json:"category,omitempty"` // UserManagement, RoleManagement, AzureRBACRoleManagementElevateAccess…
	Service  string   `json:"service,omitempty"`  // loggedByService
	Result   string   `json:"result,omitempty"`
	Targets  []Target `json:"targets,omitempty"`
}

// Flow is one network flow: a flow-log tuple, a firewall network rule hit
// or a Traffic Analytics row.
type Flow struct {
	Src       netip.Addr `json:"src"`
	Dst       netip.Addr `json:"dst"`
	SrcPort   uint16     `json:"src_port"`
	DstPort   uint16     `json:"dst_port"`
	Protocol  string     `json:"protocol,omitempty"`  // tcp, udp, icmp
	Direction string     `json:"direction,omitempty"` // inbound, outbound
	Action    string     `json:"action,omitempty"`    // allow, deny
	State     string     `json:"state,omitempty"`     // flow-log state: B, C, E, D
	Bytes     int64      `json:"bytes,omitempty"`     // both directions
	Packets   int64      `json:"packets,omitempty"`
	Rule      string     `json:"rule,omitempty"`
	Host      string     `json:"host,omitempty"` // destination host name when the log names one (firewall FQDN), lower case
}

// DNS is one DNS query seen by the Azure Firewall DNS proxy.
type DNS struct {
	Query        string     `json:"query"` // lower case, no trailing dot
	Type         string     `json:"type,omitempty"`
	ResponseCode string     `json:"response_code,omitempty"`
	Client       netip.Addr `json:"client"`
	// The client's port and the query's id, when the record names them:
	// with the time, what tells one lookup from another in every export.
	ClientPort uint16 `json:"client_port,omitempty"`
	QueryID    uint16 `json:"query_id,omitempty"`
}

// Process is one process creation on a host.
type Process struct {
	Host          string `json:"host,omitempty"`
	Image         string `json:"image,omitempty"` // full path where known, else file name
	CommandLine   string `json:"command_line,omitempty"`
	ParentImage   string `json:"parent_image,omitempty"`
	ParentCommand string `json:"parent_command_line,omitempty"`
	User          string `json:"user,omitempty"`
	LoginUser     string `json:"login_user,omitempty"` // auditd auid: who logged in, kept across su and sudo
	PID           int64  `json:"pid,omitempty"`
	ParentPID     int64  `json:"parent_pid,omitempty"`
	SHA256        string `json:"sha256,omitempty"`
}

// SecurityAlert is an alert another product raised: Defender for Cloud's
// (its plans for servers, containers, App Service, Resource Manager), or
// any the SecurityAlert table holds.
type SecurityAlert struct {
	Type      string   `json:"type,omitempty"`      // alertType / AlertType: the detection, e.g. VM_MinerInContainerImage
	Name      string   `json:"name,omitempty"`      // display name
	Severity  string   `json:"severity,omitempty"`  // High, Medium, Low, Informational
	Status    string   `json:"status,omitempty"`    // Active, InProgress, Dismissed, Resolved
	Product   string   `json:"product,omitempty"`   // productName or ProviderName
	Component string   `json:"component,omitempty"` // productComponentName: the plan (Servers, Containers …)
	Entity    string   `json:"entity,omitempty"`    // compromisedEntity: the resource most concerned
	Intent    string   `json:"intent,omitempty"`    // kill-chain intent / tactics
	Hosts     []string `json:"hosts,omitempty"`     // host names its entities name, lower case
	Addresses []string `json:"addresses,omitempty"` // IP addresses its entities name
}

// SizeInfo is what a VM size means: filled by enrichment.
type SizeInfo struct {
	Size     string  `json:"size"`             // canonical casing, e.g. Standard_NC6s_v3
	Family   string  `json:"family,omitempty"` // quota family, e.g. standardNCSv3Family
	VCPUs    int     `json:"vcpus,omitempty"`
	GPUs     float64 `json:"gpus,omitempty"` // fractional for partial-GPU sizes (NVadsA10 v5)
	GPUModel string  `json:"gpu_model,omitempty"`
	// Estimated marks a size the table does not know, read from its name
	// (enrich.SizeOf): vCPUs from the number in it, and for an N-series
	// name GPUs of 1 standing for "at least one, how many unknown".
	Estimated bool `json:"estimated,omitempty"`
}

// IPInfo is what an IP address is: filled by enrichment.
type IPInfo struct {
	ServiceTag string `json:"service_tag,omitempty"` // most specific Azure service tag, e.g. AzureCloud.eastus
	Region     string `json:"region,omitempty"`
	Azure      bool   `json:"azure,omitempty"` // inside an Azure public range
	Owned      bool   `json:"owned,omitempty"` // the tenant's own address
}

// PoolMatch says an event touched mining-pool infrastructure.
type PoolMatch struct {
	Indicator string `json:"indicator"`        // the domain, IP, port or URL pattern that matched
	Kind      string `json:"kind"`             // domain, ip, port, stratum, binary, candidate (lower confidence), browser
	Pool      string `json:"pool,omitempty"`   // pool name when the list has it
	Credit    string `json:"credit,omitempty"` // attribution the source list's licence requires
}

// Enrichment holds derived facts computed once at normalisation.
type Enrichment struct {
	Size  *SizeInfo  `json:"size,omitempty"`
	SrcIP *IPInfo    `json:"src_ip,omitempty"`
	DstIP *IPInfo    `json:"dst_ip,omitempty"`
	Pool  *PoolMatch `json:"pool,omitempty"`
}

// Event is one normalised record.
type Event struct {
	Time          time.Time  `json:"time"`
	Kind          Kind       `json:"-"`
	Shape         string     `json:"shape"`        // decoder that read it, e.g. activity.diagnostic
	ID            string     `json:"id,omitempty"` // eventDataId, sign-in id, audit id: the dedup key when present
	Tenant        string     `json:"tenant,omitempty"`
	Subscription  string     `json:"subscription,omitempty"`
	Operation     string     `json:"operation,omitempty"` // lower case: ARM operation, sign-in/audit activity
	Category      string     `json:"category,omitempty"`
	Outcome       Outcome    `json:"-"`
	Status        string     `json:"status,omitempty"` // as written: Succeeded, Failed, Start, 50126…
	SubStatus     string     `json:"sub_status,omitempty"`
	StatusMessage string     `json:"status_message,omitempty"` // failure message, trimmed
	CorrelationID string     `json:"correlation_id,omitempty"`
	Principal     Principal  `json:"principal"`
	SourceIP      netip.Addr `json:"source_ip"`
	Region        string     `json:"region,omitempty"`        // lower case, no spaces: eastus
	ResourceID    string     `json:"resource_id,omitempty"`   // lower case
	ResourceType  string     `json:"resource_type,omitempty"` // lower case: microsoft.compute/virtualmachinescalesets

	Compute      *Compute        `json:"compute,omitempty"`
	Extension    *Extension      `json:"extension,omitempty"`
	Quota        *Quota          `json:"quota,omitempty"`
	Role         *RoleAssignment `json:"role,omitempty"`
	TenantChange *TenantChange   `json:"tenant_change,omitempty"`
	Export       *Export         `json:"export,omitempty"`
	SignIn       *SignIn         `json:"signin,omitempty"`
	Audit        *Audit          `json:"audit,omitempty"`
	Flow         *Flow           `json:"flow,omitempty"`
	DNS          *DNS            `json:"dns,omitempty"`
	Process      *Process        `json:"process,omitempty"`
	Alert        *SecurityAlert  `json:"security_alert,omitempty"`
	Risk         *Risk           `json:"risk,omitempty"`

	// PublicAddrs are public IP addresses or prefixes the tenant's own
	// resources were given (Microsoft.Network/publicIPAddresses and
	// publicIPPrefixes writes): enrichment learns them as owned.
	PublicAddrs []netip.Prefix `json:"public_addrs,omitempty"`

	Enrich Enrichment `json:"enrich"`
	Loc    Location   `json:"loc"`

	// Raw is the record as Azure wrote it, for rules that read fields the
	// normalised event does not carry. It is valid only while the event is
	// being evaluated (the parser reuses its memory afterwards): never keep it.
	Raw *fastjson.Value `json:"-"`
	// RawText, when set, is the text Raw was parsed from (a whole JSON
	// line or document), valid as long as Raw. Nil when Raw came from
	// inside an envelope or was built (a table row).
	RawText []byte `json:"-"`

	// Brief marks an event its reader did not fully decode because nothing
	// the hunt runs could use it (see Wants): only Time, Kind, Shape,
	// Tenant, Operation, Status, Outcome and Key are set. It still counts
	// as read and still tells when its tenant's logs begin.
	Brief bool `json:"-"`
	// Key is a brief event's RecordKey, made by its reader from the
	// record's text (0: none); RecordKey makes a full event's from its
	// fields.
	Key uint64 `json:"-"`
}

// Glance is what a reader sees of a record before decoding it in full.
type Glance struct {
	Kind      Kind
	Operation string // lower case, trimmed
	Outcome   Outcome
	// SourceIP is the address the event's source will be (what enrichment
	// reads as enrich.src_ip); invalid when the record names none.
	SourceIP netip.Addr
	// Query is a DNS record's query name as the event will hold it
	// (DNS.Query): enrichment finds a DNS event's mining pool
	// (enrich.pool) from it alone.
	Query string
	// Pool is the mining-pool kind enrichment gives the event
	// (enrich.pool.kind, "" for none) when PoolKnown: a flow's, which its
	// destination, port and host decide alone.
	Pool      string
	PoolKnown bool
	// RiskLevel and RiskState are a sign-in's risk during the sign-in and
	// its user's risk state, as the event will hold them (SignIn.RiskLevel,
	// SignIn.RiskState; empty: absent). Other kinds leave them empty, and
	// the engine reads them only for sign-ins.
	RiskLevel, RiskState string
	// ServicePrincipal is a sign-in's servicePrincipalId as the record
	// writes it ("" when absent): the hunt decodes the first sign-in of a
	// service principal in full, to learn its name.
	ServicePrincipal string
	// NoQuota is set by a reader that knows the event will carry no quota
	// (quota.exceeded absent): an Activity Log record that did not fail.
	// False claims nothing; LacksQuota tells.
	NoQuota bool
	// QuotaNamed is set, with Text, by a reader whose event carries a
	// quota only when its text names one (an Activity Log failure:
	// "Quota", "quota"). Text is searched for it on demand (LacksQuota):
	// few records reach a rule that tests the quota.
	QuotaNamed bool
	// Text is the record's own text, when the reader has it and its
	// strings are spelled in it as they read (no \u or \/ escape): a rule
	// whose needles (literals it demands of the record's text) are not
	// all in it cannot match. Nil tests none.
	Text []byte
}

// LacksQuota reports whether the event will carry no quota: NoQuota, or
// QuotaNamed and its text never says "uota" (searched once).
func (g *Glance) LacksQuota() bool {
	if g.QuotaNamed {
		g.QuotaNamed = false
		g.NoQuota = g.Text != nil && !bytes.Contains(g.Text, []byte("uota"))
	}
	return g.NoQuota
}

// Wants reports whether anything a hunt runs (a rule, what enrichment
// learns) could use an event that starts as g, whatever the rest of the
// record holds. A reader may decode only briefly (Event.Brief) the records
// for which it is false; it must be false only when that is certain.
type Wants func(g *Glance) bool

// KindOfShape is the kind of the events a record of the given shape
// gives ("signin.diagnostic" gives sign-ins, "firewall.dns" lookups):
// what a file's per-shape counts say about the logs it held. An unknown
// shape is KindUnknown.
func KindOfShape(shape string) Kind {
	family, rest, _ := strings.Cut(shape, ".")
	switch family {
	case "activity", "batch":
		// A Batch pool's create and resize in the Batch service log are
		// read as the Activity Log's pool writes, which the rules read.
		return KindActivity
	case "signin":
		return KindSignIn
	case "audit":
		return KindAudit
	case "flow":
		return KindFlow
	case "process":
		return KindProcess
	case "securityalert":
		return KindAlert
	case "databricks":
		return KindDatabricks
	case "risk":
		return KindRisk
	case "firewall":
		if rest == "dns" {
			return KindDNS
		}
		return KindFlow // network and application rules: connections
	}
	return KindUnknown
}

// IsRiskDetection reports whether op is an ID Protection risk
// detection's, as the entra reader names them.
func IsRiskDetection(op string) bool {
	return op == OpUserRiskDetection || op == OpSPRiskDetection
}

// Operations, as events carry them, that readers, enrichment and the
// engine each name.
const (
	OpUserRiskDetection = "user risk detection"
	OpSPRiskDetection   = "service principal risk detection"
	OpVMWrite           = "microsoft.compute/virtualmachines/write"
	OpScaleSetWrite     = "microsoft.compute/virtualmachinescalesets/write"
	OpBatchPoolWrite    = "microsoft.batch/batchaccounts/pools/write"
	OpHDInsightWrite    = "microsoft.hdinsight/clusters/write"
	// OpHDInsightResize is an HDInsight cluster's resize (REST: POST
	// .../clusters/{cluster}/roles/{role}/resize, body targetInstanceCount;
	// the worker role is the only one that resizes). As for every action,
	// the Activity Log names it with /action and its resource is the path
	// before the verb: the cluster's role.
	OpHDInsightResize = "microsoft.hdinsight/clusters/roles/resize/action"
)

// CreatesCompute reports whether an Activity Log operation, in lower case
// as events carry it, creates or updates compute: a VM, a VM scale set, a
// Compute Fleet (its Spot and regular VMs), an
// Azure ML compute, online deployment or job (one on serverless compute;
// only its body tells), a Batch pool, a container group, an AKS cluster or
// node pool, a Container Apps environment (its workload profiles), an App
// Service plan (its workers; one on shared machines creates none, only
// its body tells), a Service Fabric managed cluster's node type, a
// container app or Container Apps job (its replicas), an HDInsight
// cluster or its resize, a Synapse Spark pool, an OpenShift cluster, an
// autoscale setting (the instances it keeps on its target; one disabled,
// or on a target that is no compute, creates none: only its body tells);
// and, from an Azure Databricks workspace's clusters log, a cluster's
// create, edit or resize (its operationName, as the log writes it).
func CreatesCompute(op string) bool {
	switch op {
	case OpVMWrite, OpScaleSetWrite,
		"microsoft.azurefleet/fleets/write",
		"microsoft.machinelearningservices/workspaces/computes/write", OpBatchPoolWrite,
		"microsoft.machinelearningservices/workspaces/onlineendpoints/deployments/write",
		"microsoft.machinelearningservices/workspaces/jobs/write",
		"microsoft.containerinstance/containergroups/write",
		"microsoft.containerservice/managedclusters/write", "microsoft.containerservice/managedclusters/agentpools/write",
		"microsoft.app/managedenvironments/write", "microsoft.web/serverfarms/write",
		"microsoft.servicefabric/managedclusters/nodetypes/write", "microsoft.insights/autoscalesettings/write",
		"microsoft.app/containerapps/write", "microsoft.app/jobs/write",
		OpHDInsightWrite, OpHDInsightResize, "microsoft.synapse/workspaces/bigdatapools/write",
		"microsoft.redhatopenshift/openshiftclusters/write",
		"microsoft.databricks/clusters/create", "microsoft.databricks/clusters/edit", "microsoft.databricks/clusters/resize":
		return true
	}
	return false
}
