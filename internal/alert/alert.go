// Package alert defines what a detection reports: one alert per rule match
// (or per correlation), with the evidence that lets a defender find every
// contributing record again.
package alert

import (
	"strconv"
	"strings"
	"time"
)

// Severity orders alerts; the names are Sigma's levels.
type Severity uint8

// Severities, lowest first.
const (
	Informational Severity = iota
	Low
	Medium
	High
	Critical
)

var severityNames = [...]string{"informational", "low", "medium", "high", "critical"}

func (s Severity) String() string {
	if int(s) < len(severityNames) {
		return severityNames[s]
	}
	return "informational"
}

// ParseSeverity reads a Sigma level name (any case); ok is false for others.
func ParseSeverity(s string) (Severity, bool) {
	for i, n := range severityNames {
		if strings.EqualFold(s, n) {
			return Severity(i), true
		}
	}
	return 0, false
}

// MarshalText writes the severity's name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity's name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, ok := ParseSeverity(string(b))
	if !ok {
		return &severityError{string(b)}
	}
	*s = v
	return nil
}

type severityError struct{ s string }

func (e *severityError) Error() string { return "unknown severity " + strconv.Quote(e.s) }

// Evidence points at one record that contributed to an alert.
type Evidence struct {
	File      string    `json:"file,omitempty"`
	Line      int       `json:"line,omitempty"`
	Offset    int64     `json:"offset,omitempty"`
	Index     int       `json:"index,omitempty"`
	EventID   string    `json:"event_id,omitempty"`
	Time      time.Time `json:"time"`
	Shape     string    `json:"shape,omitempty"`
	Operation string    `json:"operation,omitempty"`
}

// Alert is one detection.
type Alert struct {
	ID           string    `json:"id"` // deterministic: the same records and rule give the same id
	Rule         string    `json:"rule"`
	RuleVersion  int       `json:"rule_version,omitempty"`
	Title        string    `json:"title"`
	Severity     Severity  `json:"severity"`
	Time         time.Time `json:"time"`               // first contributing event
	LastTime     time.Time `json:"last_time,omitzero"` // last contributing event, when several
	Tenant       string    `json:"tenant,omitempty"`
	Subscription string    `json:"subscription,omitempty"`
	Principal    string    `json:"principal,omitempty"` // UPN, else object id, else app id
	// PrincipalName is the name of the principal Principal names by object
	// id, when the hunt read it: a service principal's or managed
	// identity's display name (its sign-ins, Entra's audit log), a user's
	// UPN (her records decoded in full). Names are not unique: Principal
	// stays the id that ties alerts together.
	PrincipalName string `json:"principal_name,omitempty"`
	// PrincipalIDs are every id the records name the principal by (UPN,
	// object id, app id, lower case): a sign-in logged by UPN and an ARM
	// write logged by object id are the same person.
	PrincipalIDs []string `json:"principal_ids,omitempty"`
	// WholeTenant is true for a correlation with no group-by: its members
	// are anyone's in the tenant (every compute request of an hour), so
	// its principals are listed, not one actor: an incident is not tied
	// by them (Acting), nor are they counted as one person.
	WholeTenant    bool     `json:"whole_tenant,omitempty"`
	CorrelationIDs []string `json:"correlation_ids,omitempty"`
	IPs            []string `json:"ips,omitempty"`
	// OwnedIPs are the public addresses among IPs that are the tenant's
	// own (--owned-ips, posture's, learned): its offices' and pipelines'
	// egress, which tie no one into an incident.
	OwnedIPs  []string `json:"owned_ips,omitempty"`
	Resources []string `json:"resources,omitempty"`
	// Hosts are the machines its records name by host name (a process's
	// host, a security alert's hosts and compromised entity), as
	// record.HostName gives them: Defender's alerts in the Activity Log
	// name the attacked machine only so.
	Hosts    []string   `json:"hosts,omitempty"`
	Summary  string     `json:"summary"`
	Tags     []string   `json:"tags,omitempty"` // ATT&CK, e.g. attack.t1496
	Evidence []Evidence `json:"evidence"`
	Count    int        `json:"count"`             // contributing records (evidence keeps the first 50)
	Stage    string     `json:"stage,omitempty"`   // kill-chain stage of the rule
	Compute  []Compute  `json:"compute,omitempty"` // compute the contributing records created
	Incident string     `json:"incident,omitempty"`
	// Suppressed names the suppressions-file entry that set this alert
	// aside; a suppressed alert is still reported, marked.
	Suppressed *Suppression `json:"suppressed,omitempty"`
	// Revised is set on an alert mamori serve writes again: written in an
	// earlier cycle, what it reports has changed since (a create it
	// reported, Azure refused). Its id is the one written before; a
	// reader keeps the later. Never stored: the store settles what it
	// gives back (store.Committed.Revised).
	Revised bool `json:"revised,omitempty"`
}

// RevisedWhy is why alerts are written again (Revised), as the service's
// account and its notifications say it.
const RevisedWhy = "a create they reported, Azure refused"

// Suppression is what an output shows of the entry that silenced an alert.
type Suppression struct {
	ID      string `json:"id"`
	Reason  string `json:"reason"`
	Owner   string `json:"owner,omitempty"`
	Expires string `json:"expires,omitempty"` // as written
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
}

// Compute is compute an alert's records created, for the incident's cost.
type Compute struct {
	Service   string `json:"service,omitempty"` // vm, vmss, aml, batch, aci
	Size      string `json:"size,omitempty"`
	Count     int    `json:"count"`
	Region    string `json:"region,omitempty"`
	Spot      bool   `json:"spot,omitempty"`
	Resource  string `json:"resource,omitempty"`
	Operation string `json:"operation,omitempty"` // correlation id: the same create seen in several records counts once
	// CountNote is event.Compute's: how Count is known when the body does
	// not state it (an autoscaled Batch pool's formula).
	CountNote string `json:"count_note,omitempty"`
	// Cluster is event.Compute's: the Azure Databricks cluster a request
	// asked for machines of, or a VM Azure Databricks wrote runs for.
	// Serve reads the two logs in different cycles; an incident built
	// over the store counts such VMs once by it (incident.passOver).
	Cluster string `json:"cluster,omitempty"`
}

// Acting is the ids of the one actor the alert is about, which tie it to
// others of that actor: its principal and every id its records name them
// by; none for a correlation over the whole tenant (WholeTenant).
func (a *Alert) Acting() []string {
	if a.WholeTenant {
		return nil
	}
	return append([]string{a.Principal}, a.PrincipalIDs...)
}
