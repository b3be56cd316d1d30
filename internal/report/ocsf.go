package report

import (
	"cmp"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"github.com/mamori-sec/mamori/internal/record"

	"github.com/mamori-sec/mamori/internal/alert"
)

// OCSFVersion is the OCSF schema release the ocsf format follows (v1.8.0,
// March 2026, the latest release; every attribute used below exists there
// and, apart from is_alert, since v1.1.0).
const OCSFVersion = "1.8.0"

// Detection Finding class constants.
const (
	ocsfCategoryUID  = 2    // Findings
	ocsfClassUID     = 2004 // Detection Finding
	ocsfActivityID   = 1    // Create
	ocsfUpdate       = 2    // activity_id "Update": a finding written before, revised
	ocsfStatusNew    = 1
	ocsfSuppressed   = 3 // status_id "Suppressed": reviewed, judged benign
	ocsfAnalyticRule = 1
	ocsfAccountAzSub = 13 // account.type_id "Azure Subscription"
)

// ocsfSeverity maps alert severities to OCSF severity_id and its caption.
var ocsfSeverity = [...]ocsfSev{
	alert.Informational: {1, "Informational"},
	alert.Low:           {2, "Low"},
	alert.Medium:        {3, "Medium"},
	alert.High:          {4, "High"},
	alert.Critical:      {5, "Critical"},
}

// writeOCSF writes one OCSF Detection Finding (class_uid 2004) per line.
//
// The mapping from alert.Alert:
//
//	class_uid 2004 "Detection Finding", category_uid 2 "Findings",
//	activity_id 1 "Create", type_uid 200401, status_id 1 "New", is_alert true
//	status_id 3 "Suppressed"      Suppressed set (a --suppress entry), is_alert false;
//	status_detail                 then "<entry id>: <reason>"
//	activity_id 2 "Update"        Revised set (mamori serve writes again a finding of an
//	                              earlier cycle that changed), type_uid 200402
//	time                          Time, epoch milliseconds
//	severity_id, severity         Severity: informational 1, low 2, medium 3, high 4, critical 5
//	message                       Summary
//	finding_info.uid              ID
//	finding_info.title            Title
//	finding_info.desc             Summary (alerts carry no longer description)
//	finding_info.analytic         uid and name Rule, type_id 1 "Rule", version RuleVersion
//	finding_info.attacks          Tags: attack.tNNNN[.NNN] give technique (and sub_technique)
//	                              with uid and, when known, name; attack.<tactic> gives
//	                              tactic uid and name (see ocsfAttacks)
//	finding_info.first_seen_time  Time; last_seen_time LastTime, else Time (epoch ms)
//	finding_info.data_sources     the distinct Evidence shapes (activity.diagnostic, …)
//	metadata                      version OCSFVersion, product {name, vendor_name "mamori",
//	                              version}, profiles "cloud" (and "host" with an actor)
//	cloud                         provider "Azure", account {uid Subscription, type_id 13
//	                              "Azure Subscription"}, org {uid Tenant}
//	actor.user                    name Principal (PrincipalName when known); uid too when Principal is an object or app id
//	resources[]                   {uid} per Resources entry, then {name, type "Host"} per Hosts entry
//	evidences[]                   first {src_endpoint {ip}} when IPs holds exactly one address
//	                              (mamori's alerts then name the caller; with two, a flow's
//	                              source and destination are not told apart), then one per
//	                              Evidence: uid EventID, api.operation Operation, data the
//	                              record's location (file, line, offset, index, time, shape)
//	metadata.correlation_uid      Incident: OCSF's id "to correlate this event with other
//	                              related OCSF events, [...] part of the same [...] security
//	                              incident"; unmapped.incident too, as before
//	remediation.desc              the rule's response note (what to check, what to do), when
//	                              Options.Responses has one
//	unmapped                      tags (all, verbatim), incident, ips (when not mapped above),
//	                              suppressed (the entry, fields as in the JSON formats)
//
// Detection Finding has no top-level src_endpoint, hence evidences.
func writeOCSF(w io.Writer, alerts []alert.Alert, p ProductInfo, responses map[string]string) error {
	for i := range alerts {
		f := toOCSF(&alerts[i], p)
		if r := responses[alerts[i].Rule]; r != "" {
			f.Remediation = &ocsfRemediation{Desc: r}
		}
		if err := writeJSONLine(w, f); err != nil {
			return err
		}
	}
	return nil
}

// ocsfBase is what every OCSF finding mamori writes begins with: a
// Create activity of a class in the Findings category, status New.
type ocsfBase struct {
	ActivityID   int    `json:"activity_id"`
	ActivityName string `json:"activity_name"`
	CategoryUID  int    `json:"category_uid"`
	CategoryName string `json:"category_name"`
	ClassUID     int    `json:"class_uid"`
	ClassName    string `json:"class_name"`
	TypeUID      int    `json:"type_uid"`
	TypeName     string `json:"type_name"`
	Time         int64  `json:"time"`
	SeverityID   int    `json:"severity_id"`
	Severity     string `json:"severity"`
	StatusID     int    `json:"status_id"`
	Status       string `json:"status"`
	StatusDetail string `json:"status_detail,omitempty"`
}

// ocsfSev is a severity_id and its caption.
type ocsfSev struct {
	id   int
	name string
}

func findingBase(classUID int, className string, at int64, sev ocsfSev) ocsfBase {
	return ocsfBase{
		ActivityID: ocsfActivityID, ActivityName: "Create",
		CategoryUID: ocsfCategoryUID, CategoryName: "Findings",
		ClassUID: classUID, ClassName: className,
		TypeUID: classUID*100 + ocsfActivityID, TypeName: className + ": Create",
		Time: at, SeverityID: sev.id, Severity: sev.name,
		StatusID: ocsfStatusNew, Status: "New",
	}
}

// ocsfMeta is the metadata of every finding: the schema version and the
// product that wrote it.
func ocsfMeta(p ProductInfo) ocsfMetadata {
	return ocsfMetadata{
		Version:  OCSFVersion,
		Product:  ocsfProduct{Name: cmp.Or(p.Name, "mamori"), VendorName: "mamori", Version: p.Version},
		Profiles: []string{"cloud"},
	}
}

type ocsfFinding struct {
	ocsfBase
	IsAlert     bool             `json:"is_alert"`
	Message     string           `json:"message,omitempty"`
	FindingInfo ocsfFindingInfo  `json:"finding_info"`
	Metadata    ocsfMetadata     `json:"metadata"`
	Cloud       ocsfCloud        `json:"cloud"`
	Actor       *ocsfActor       `json:"actor,omitempty"`
	Resources   []ocsfUID        `json:"resources,omitempty"`
	Evidences   []ocsfEvidence   `json:"evidences,omitempty"`
	Remediation *ocsfRemediation `json:"remediation,omitempty"`
	Unmapped    *ocsfUnmapped    `json:"unmapped,omitempty"`
}

type ocsfFindingInfo struct {
	UID           string       `json:"uid"`
	Title         string       `json:"title,omitempty"`
	Desc          string       `json:"desc,omitempty"`
	Analytic      ocsfAnalytic `json:"analytic"`
	Attacks       []ocsfAttack `json:"attacks,omitempty"`
	FirstSeenTime int64        `json:"first_seen_time,omitempty"`
	LastSeenTime  int64        `json:"last_seen_time,omitempty"`
	DataSources   []string     `json:"data_sources,omitempty"`
}

type ocsfAnalytic struct {
	UID     string `json:"uid,omitempty"`
	Name    string `json:"name,omitempty"`
	TypeID  int    `json:"type_id"`
	Type    string `json:"type"`
	Version string `json:"version,omitempty"`
}

// ocsfNamed is the uid-and-name shape of OCSF's tactic, technique and
// sub_technique objects.
type ocsfNamed struct {
	UID  string `json:"uid"`
	Name string `json:"name,omitempty"`
}

type ocsfAttack struct {
	Tactic       *ocsfNamed `json:"tactic,omitempty"`
	Technique    *ocsfNamed `json:"technique,omitempty"`
	SubTechnique *ocsfNamed `json:"sub_technique,omitempty"`
}

type ocsfMetadata struct {
	Version        string      `json:"version"`
	Product        ocsfProduct `json:"product"`
	Profiles       []string    `json:"profiles"`
	CorrelationUID string      `json:"correlation_uid,omitempty"`
}

type ocsfProduct struct {
	Name       string `json:"name"`
	VendorName string `json:"vendor_name"`
	Version    string `json:"version,omitempty"`
}

type ocsfCloud struct {
	Provider string       `json:"provider"`
	Account  *ocsfAccount `json:"account,omitempty"`
	Org      *ocsfUID     `json:"org,omitempty"`
}

type ocsfAccount struct {
	UID    string `json:"uid"`
	TypeID int    `json:"type_id"`
	Type   string `json:"type"`
}

type ocsfUID struct {
	UID  string `json:"uid,omitempty"`
	Name string `json:"name,omitempty"`
	Type string `json:"type,omitempty"`
}

type ocsfActor struct {
	User ocsfUser `json:"user"`
}

type ocsfUser struct {
	Name string `json:"name"`
	UID  string `json:"uid,omitempty"`
}

type ocsfEvidence struct {
	UID         string          `json:"uid,omitempty"`
	API         *ocsfAPI        `json:"api,omitempty"`
	SrcEndpoint *ocsfEndpoint   `json:"src_endpoint,omitempty"`
	Data        *alert.Evidence `json:"data,omitempty"`
}

type ocsfAPI struct {
	Operation string `json:"operation"`
}

type ocsfEndpoint struct {
	IP string `json:"ip"`
}

type ocsfUnmapped struct {
	Tags       []string           `json:"tags,omitempty"`
	Incident   string             `json:"incident,omitempty"`
	IPs        []string           `json:"ips,omitempty"`
	Suppressed *alert.Suppression `json:"suppressed,omitempty"`
}

func toOCSF(a *alert.Alert, p ProductInfo) *ocsfFinding {
	sevIdx := a.Severity
	if int(sevIdx) >= len(ocsfSeverity) {
		sevIdx = alert.Informational
	}
	sev := ocsfSeverity[sevIdx]
	last := a.LastTime
	if last.IsZero() {
		last = a.Time
	}
	f := &ocsfFinding{
		ocsfBase: findingBase(ocsfClassUID, "Detection Finding", epochMillis(a.Time), sev),
		IsAlert:  true,
		Message:  a.Summary,
		FindingInfo: ocsfFindingInfo{
			UID:   a.ID,
			Title: a.Title,
			Desc:  a.Summary,
			Analytic: ocsfAnalytic{
				UID: a.Rule, Name: a.Rule,
				TypeID: ocsfAnalyticRule, Type: "Rule",
			},
			Attacks:       ocsfAttacks(a.Tags),
			FirstSeenTime: epochMillis(a.Time),
			LastSeenTime:  epochMillis(last),
			DataSources:   shapes(a.Evidence),
		},
		Metadata: ocsfMeta(p),
		Cloud:    ocsfCloud{Provider: "Azure"},
	}
	f.Metadata.CorrelationUID = a.Incident
	if a.Revised {
		f.ActivityID, f.ActivityName = ocsfUpdate, "Update"
		f.TypeUID, f.TypeName = ocsfClassUID*100+ocsfUpdate, "Detection Finding: Update"
	}
	if s := a.Suppressed; s != nil {
		// Still written, as every format writes it, but not as something
		// to act on: the defender's file says why it is accepted.
		f.StatusID, f.Status, f.StatusDetail = ocsfSuppressed, "Suppressed", s.Reason
		if s.ID != "" {
			f.StatusDetail = s.ID + ": " + s.Reason
		}
		f.IsAlert = false
	}
	if a.RuleVersion > 0 {
		f.FindingInfo.Analytic.Version = strconv.Itoa(a.RuleVersion)
	}
	if a.Subscription != "" {
		f.Cloud.Account = &ocsfAccount{UID: a.Subscription, TypeID: ocsfAccountAzSub, Type: "Azure Subscription"}
	}
	if a.Tenant != "" {
		f.Cloud.Org = &ocsfUID{UID: a.Tenant}
	}
	if a.Principal != "" {
		u := ocsfUser{Name: a.Principal}
		if record.IsGUID(a.Principal) {
			u.UID = a.Principal
			if a.PrincipalName != "" { // a service principal whose name the hunt read
				u.Name = a.PrincipalName
			}
		}
		f.Actor = &ocsfActor{User: u}
		f.Metadata.Profiles = append(f.Metadata.Profiles, "host") // actor comes from the host profile
	}
	for _, r := range a.Resources {
		f.Resources = append(f.Resources, ocsfUID{UID: r})
	}
	// A machine named only by its host name (Defender's alerts in the
	// Activity Log, host logs).
	for _, h := range a.Hosts {
		f.Resources = append(f.Resources, ocsfUID{Name: h, Type: "Host"})
	}
	f.Evidences, f.Unmapped = ocsfEvidences(a)
	return f
}

// ocsfEvidences maps the caller's address and the contributing records,
// and returns what has no OCSF home.
func ocsfEvidences(a *alert.Alert) ([]ocsfEvidence, *ocsfUnmapped) {
	var out []ocsfEvidence
	um := &ocsfUnmapped{Tags: a.Tags, Incident: a.Incident, Suppressed: a.Suppressed}
	if ip, err := netip.ParseAddr(singleOrEmpty(a.IPs)); err == nil {
		out = append(out, ocsfEvidence{SrcEndpoint: &ocsfEndpoint{IP: ip.String()}})
	} else {
		um.IPs = a.IPs
	}
	for i := range a.Evidence {
		e := &a.Evidence[i]
		ev := ocsfEvidence{UID: e.EventID, Data: e}
		if e.Operation != "" {
			ev.API = &ocsfAPI{Operation: e.Operation}
		}
		out = append(out, ev)
	}
	if len(um.Tags) == 0 && um.Incident == "" && len(um.IPs) == 0 && um.Suppressed == nil {
		um = nil
	}
	return out, um
}

func singleOrEmpty(ips []string) string {
	if len(ips) == 1 {
		return ips[0]
	}
	return ""
}

// shapes lists the distinct record shapes of the evidence, in order seen.
func shapes(ev []alert.Evidence) []string {
	var out []string
	for _, e := range ev {
		if e.Shape != "" && !slices.Contains(out, e.Shape) {
			out = append(out, e.Shape)
		}
	}
	return out
}

// epochMillis is OCSF's timestamp_t; the zero time is 0, not year 1.
func epochMillis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}
