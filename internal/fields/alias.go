package fields

import (
	"strings"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/sigma"
)

// src names one source of an alias: a normalised field, a raw path or a
// computed reader.
type src struct {
	typed    string
	raw      string
	fn       getter
	verbatim bool // a computed source yielding text of the record
}

func typed(name string) src { return src{typed: name} }
func raw(p string) src      { return src{raw: p} }
func computed(g getter, verbatim bool) src {
	return src{fn: g, verbatim: verbatim}
}

// alias maps a field name of SigmaHQ's Azure rules (any case) onto the
// sources that hold it in each shape. def applies to every kind without an
// entry in kinds; a nil def is the generic raw lookup of the name itself.
type alias struct {
	def   []src
	kinds map[event.Kind][]src
	index string
}

func aliasOf(def ...src) alias { return alias{def: def} }

// withKind returns a copy of a whose sources for kind k are l.
func (a alias) withKind(k event.Kind, l ...src) alias {
	kinds := map[event.Kind][]src{k: l}
	for kk, v := range a.kinds {
		if kk != k {
			kinds[kk] = v
		}
	}
	a.kinds = kinds
	return a
}

// spec builds the resolved field. The field is verbatim (literal needles
// may be derived from it) only when every source is: the raw record, a
// normalised field copied from it, or a computed piece of it.
func (a alias) spec(name string) (*spec, sigma.FieldInfo, error) {
	s := &spec{name: name}
	verbatim, refreshed := true, false
	build := func(l []src) []source {
		var out []source
		for _, x := range l {
			switch {
			case x.typed != "":
				out = append(out, source{typed: normalised[x.typed]})
				verbatim = verbatim && verbatimTyped[x.typed]
				refreshed = refreshed || refreshedTyped[x.typed]
			case x.fn != nil:
				out = append(out, source{typed: x.fn})
				verbatim = verbatim && x.verbatim
			default:
				p, err := parsePath(x.raw)
				if err != nil {
					panic("fields: bad alias path " + x.raw) // a table error, caught by tests
				}
				out = append(out, source{path: p})
			}
		}
		return out
	}
	def := a.def
	if def == nil {
		def = generic(name)
	}
	s.sources = build(def)
	for k, l := range a.kinds {
		s.byKind[k] = build(l)
	}
	return s, sigma.FieldInfo{Verbatim: verbatim, Index: a.index, Refreshed: refreshed}, nil
}

// generic is the raw lookup of a name: itself, and with or without the
// properties prefix.
func generic(name string) []src {
	if rest, ok := cutFold(name, "properties."); ok {
		return []src{raw(name), raw(rest)}
	}
	return []src{raw(name), raw("properties." + name)}
}

func cutFold(s, prefix string) (string, bool) {
	if len(s) > len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return "", false
}

// operationName reads the normalised operation first: decoders set it for
// every shape (lower case, trimmed), which is what engines index rules by.
var operationName = alias{index: "operation", def: []src{typed("operation"),
	raw("OperationNameValue"), raw("operationName"), raw("properties.operationName")}}

// auditActivity is the activity display name of a directory audit event,
// which SigmaHQ's rules read under several names.
var auditActivity = []src{typed("audit.activity"), raw("activityDisplayName"),
	raw("properties.activityDisplayName"), raw("properties.message"), raw("OperationName")}

var auditOnly = alias{}.withKind(event.KindAudit, auditActivity...)

var (
	callerIP = aliasOf(raw("callerIpAddress"), raw("ipAddress"), raw("properties.ipAddress"),
		raw("httpRequest.clientIpAddress"), raw("initiatedBy.user.ipAddress"),
		raw("properties.initiatedBy.user.ipAddress"), typed("source_ip"))
	userAgent = aliasOf(raw("userAgent"), raw("properties.userAgent"), raw("c-useragent"), typed("signin.user_agent"))
	upn       = aliasOf(raw("userPrincipalName"), raw("properties.userPrincipalName"), typed("principal.upn"))
	clientApp = aliasOf(raw("clientAppUsed"), raw("properties.clientAppUsed"), typed("signin.client_app"))
	riskTypes = aliasOf(raw("riskEventTypes_v2"), raw("riskEventTypes"), raw("properties.riskEventTypes_v2"),
		raw("properties.riskEventTypes"), typed("signin.risk_event_types"))
	provider = aliasOf(raw("ResourceProviderValue"), raw("resourceProviderName"), raw("ResourceProvider"),
		computed(operationProvider, true))
	commandLine = aliasOf(typed("process.command_line"), raw("CommandLine"), raw("ProcessCommandLine"))
	parentCmd   = aliasOf(typed("process.parent_command_line"), raw("ParentCommandLine"), raw("InitiatingProcessCommandLine"))
	host        = aliasOf(typed("process.host"), raw("Computer"), raw("DeviceName"), raw("HostName"))
	dstHost     = aliasOf(typed("dns.query"), raw("DestinationHostname"), raw("Fqdn"), raw("properties.Fqdn"),
		raw("TargetUrl"), raw("RemoteUrl"))
	query   = aliasOf(typed("dns.query"), raw("query"), raw("QueryName"), raw("properties.QueryName"), raw("properties.query"))
	dstAddr = aliasOf(typed("flow.dst"), raw("DestinationIp"), raw("DestinationIP"), raw("DestIP"))
	srcAddr = aliasOf(typed("flow.src"), typed("dns.client"), typed("source_ip"), raw("SourceIp"), raw("SrcIP"))
)

// signedIn adds a sign-in's typed field after the raw names.
func signedIn(rawName, typedName string) alias {
	return aliasOf(raw(rawName), raw("properties."+rawName), typed(typedName))
}

// aliases are keyed by lower-case name.
var aliases = map[string]alias{
	"operationname":            operationName,
	"operationnamevalue":       operationName,
	"properties.operationname": operationName,

	"category":      aliasOf(typed("category"), raw("category"), raw("properties.category")),
	"categoryvalue": aliasOf(typed("category"), raw("CategoryValue"), raw("category")),

	"resourceprovidervalue": provider,
	"resourceprovider":      provider,
	"resourceprovidername":  provider,
	"resourceid":            aliasOf(raw("resourceId"), raw("_ResourceId"), typed("resource_id")),

	"resulttype": aliasOf(raw("resultType"), raw("properties.resultType"), typed("status")).
		withKind(event.KindSignIn, raw("resultType"), raw("status.errorCode"), raw("properties.status.errorCode"), typed("signin.error_code")).
		withKind(event.KindActivity, raw("resultType"), raw("ActivityStatusValue"), raw("status"), typed("status")),
	"resultdescription": aliasOf(raw("resultDescription"), raw("properties.resultDescription")).
		withKind(event.KindSignIn, raw("resultDescription"), raw("status.failureReason"), raw("properties.status.failureReason"), typed("signin.failure_reason")),
	"status": aliasOf(raw("status"), raw("properties.status"), typed("status")).
		withKind(event.KindSignIn, computed(signInStatus, false)).
		withKind(event.KindAudit, typed("audit.result"), raw("result"), raw("properties.result")).
		withKind(event.KindActivity, raw("status"), raw("ActivityStatusValue"), raw("ActivityStatus"), raw("resultType"), typed("status")),

	"activitydisplayname": auditOnly,
	"activitytype":        auditOnly,
	"properties.message":  auditOnly,
	"loggedbyservice": alias{}.withKind(event.KindAudit, typed("audit.service"), raw("loggedByService"),
		raw("properties.loggedByService")),

	"authenticationrequirement": signedIn("authenticationRequirement", "signin.auth_requirement"),
	"conditionalaccessstatus":   signedIn("conditionalAccessStatus", "signin.conditional_access"),
	"resourcedisplayname":       signedIn("resourceDisplayName", "signin.resource"),
	"hometenantid":              signedIn("homeTenantId", "signin.home_tenant_id"),
	"resourcetenantid":          signedIn("resourceTenantId", "signin.resource_tenant_id"),
	"riskstate":                 signedIn("riskState", "signin.risk_state"),
	"risklevelduringsignin":     signedIn("riskLevelDuringSignIn", "signin.risk_level"),
	"risklevelaggregated":       signedIn("riskLevelAggregated", "signin.risk_level_aggregated"),
	"appdisplayname":            signedIn("appDisplayName", "signin.app_name"),
	"appid":                     signedIn("appId", "signin.app_id"),
	"clientapp":                 clientApp,
	"clientappused":             clientApp,
	"username":                  upn,
	"userprincipalname":         upn,
	"riskeventtypes":            riskTypes,
	"riskeventtypes_v2":         riskTypes,
	"location": aliasOf(raw("location"), raw("properties.location"), typed("region")).
		withKind(event.KindSignIn, typed("signin.country"), raw("location"), raw("properties.location.countryOrRegion")),

	"calleripaddress": callerIP,
	"ipaddress":       callerIP,
	"clientip":        callerIP,
	"useragent":       userAgent,
	"c-useragent":     userAgent,

	"commandline":        commandLine,
	"processcommandline": commandLine,
	"image":              aliasOf(typed("process.image"), raw("Image"), raw("FolderPath")),
	"parentimage":        aliasOf(typed("process.parent_image"), raw("ParentImage"), raw("InitiatingProcessFolderPath")),
	"parentcommandline":  parentCmd,
	"user":               aliasOf(typed("process.user"), raw("User"), raw("AccountName")),
	"processid":          aliasOf(typed("process.pid"), raw("ProcessId")),
	"parentprocessid":    aliasOf(typed("process.parent_pid"), raw("ParentProcessId"), raw("InitiatingProcessId")),
	"sha256":             aliasOf(typed("process.sha256"), raw("SHA256")),
	"computer":           host,
	"computername":       host,
	"hostname":           host,
	"devicename":         host,

	"destinationhostname": dstHost,
	"query":               query,
	"queryname":           query,
	"destinationip":       dstAddr,
	"dst_ip":              dstAddr,
	"sourceip":            srcAddr,
	"src_ip":              srcAddr,
	"destinationport":     aliasOf(typed("flow.dst_port"), raw("DestinationPort")),
	"sourceport":          aliasOf(typed("flow.src_port"), raw("SourcePort")),
	"protocol":            aliasOf(typed("flow.protocol"), raw("Protocol")),
}

// signInStatus reads a sign-in's Status as SigmaHQ's rules mean it: the
// word Success or Failure (from the decoded outcome or error code), then
// the status details Azure writes (additionalDetails, failureReason).
func signInStatus(e *Event, match func(sigma.Value) bool) (r result) {
	word := ""
	switch {
	case e.ev.Outcome == event.OutcomeSucceeded:
		word = "Success"
	case e.ev.Outcome == event.OutcomeFailed:
		word = "Failure"
	case e.ev.SignIn != nil && e.ev.SignIn.ErrorCode == 0:
		word = "Success"
	case e.ev.SignIn != nil:
		word = "Failure"
	}
	if word != "" {
		if r = yield(sigma.StringValue(word), true, match); r.matched {
			return r
		}
	}
	for _, p := range statusDetails {
		if e.walk(e.ev.Raw, p, 0, 0, match, &r); r.matched {
			return r
		}
	}
	return r
}

var statusDetails = []*path{mustPath("status.additionalDetails"), mustPath("status.failureReason"),
	mustPath("properties.status.additionalDetails"), mustPath("properties.status.failureReason")}

func mustPath(s string) *path {
	p, err := parsePath(s)
	if err != nil {
		panic(err)
	}
	return p
}

// operationProvider reads the resource provider an ARM operation names:
// "microsoft.compute" of "microsoft.compute/virtualmachines/write". An
// Activity Log operation is the record's operation name, lower-cased, so
// the provider is text of the record.
func operationProvider(e *Event, match func(sigma.Value) bool) result {
	op := strings.TrimSpace(e.ev.Operation)
	i := strings.IndexByte(op, '/')
	if i <= 0 {
		return result{}
	}
	return yield(sigma.StringValue(op[:i]), true, match)
}
