package report

import (
	"io"
	"time"

	"github.com/mamori-sec/mamori/internal/coverage"
)

// Summary is the document `mamori hunt --summary FILE` writes: what the
// hunt read and what it could not see, the LOGS READ and NOT SEEN
// sections for programs. The alert formats stay alerts only (a --format
// json user parses a bare array), so this goes to a file of its own, for
// every format. docs/outputs.md documents its fields; they are part of
// mamori's interface: fields may be added, none renamed or removed. Lists
// are [] when empty, never null, so "nothing missing" reads as such.
type Summary struct {
	LogsRead []SummaryLog `json:"logs_read"`
	NotSeen  []SummaryGap `json:"not_seen"`
	// NotSeenByTenant are, in data of several tenants, the logs a
	// tenant's exports lacked while others' held them.
	NotSeenByTenant    []TenantNotSeen     `json:"not_seen_by_tenant"`
	IncidentsBeforeLog []IncidentBeforeLog `json:"incidents_before_log"`
	IncidentsAfterLog  []IncidentAfterLog  `json:"incidents_after_log"`
	// IncidentsWithoutLog are incidents, in data of several tenants,
	// whose tenant's part of a log they read was not in the input at all
	// (other tenants' was).
	IncidentsWithoutLog []IncidentWithoutLog `json:"incidents_without_log"`
	// RecordsSkipped counts the records that could not be read (--stats
	// says where and why); Interrupted is true when the hunt was stopped
	// before its input ended. Either way, less was seen than was given.
	RecordsSkipped int64 `json:"records_skipped"`
	// ComputeCreates are the compute create or update operations read;
	// ComputeUnsized those none of whose records named a size (an export
	// without request or response bodies), which the rules on GPUs, sizes
	// and costs could not judge; ComputeUnsizedJobs those of them that
	// are Azure ML jobs, which may have run on a cluster of their
	// workspace rather than on machines of their own.
	ComputeCreates     int64 `json:"compute_creates"`
	ComputeUnsized     int64 `json:"compute_creates_unsized"`
	ComputeUnsizedJobs int64 `json:"compute_creates_unsized_jobs"`
	// LearnedCapped: a table of what the hunt learns as it reads was
	// full (LearnedFullText).
	LearnedCapped bool `json:"learned_capped"`
	Interrupted   bool `json:"interrupted"`
}

// SummaryLog is one kind of log read. The times are absent when none of
// its events had one.
type SummaryLog struct {
	Kind string `json:"kind"` // activity, signin, audit, flow, dns, process
	Name string `json:"name"` // as LOGS READ names it
	// Events counts each event once, however many exports held its
	// record; Repeats are the readings of records read before (the same
	// days in two exports), left out of Events, estimated when
	// RepeatsEstimated (a hunt of more records than it tracks).
	Events           int64     `json:"events"`
	Repeats          int64     `json:"repeats"`
	RepeatsEstimated bool      `json:"repeats_estimated"`
	FirstEvent       time.Time `json:"first_event,omitzero"`
	LastEvent        time.Time `json:"last_event,omitzero"`
	// Sparse: under one event an hour over its span, so its first and
	// last events say little about where its export begins and ends.
	Sparse bool `json:"sparse"`
}

// SummaryGap is one kind of log the rules read that the input did not
// hold.
type SummaryGap struct {
	Kind         string   `json:"kind"`
	Name         string   `json:"name"`
	Rules        []string `json:"rules"`        // detection rules with nothing to read
	Correlations []string `json:"correlations"` // correlations that cannot fire
	Export       string   `json:"export"`       // the export that covers it
}

// TenantNotSeen is one tenant's NOT SEEN, in data of several tenants.
type TenantNotSeen struct {
	Tenant  string       `json:"tenant"`
	NotSeen []SummaryGap `json:"not_seen"`
}

// IncidentBeforeLog is an incident that began before a log it reads
// begins: that log's part of the attack was not read. Tenant is set when
// the log is the incident's tenant's part of it (data of several
// tenants).
type IncidentBeforeLog struct {
	Incident      string    `json:"incident"`
	Tenant        string    `json:"tenant,omitempty"`
	Kind          string    `json:"kind"`
	Name          string    `json:"name"`
	IncidentBegan time.Time `json:"incident_began"`
	LogFirstEvent time.Time `json:"log_first_event"`
}

// IncidentAfterLog is an incident that went on after a log it reads
// ends.
type IncidentAfterLog struct {
	Incident          string    `json:"incident"`
	Tenant            string    `json:"tenant,omitempty"`
	Kind              string    `json:"kind"`
	Name              string    `json:"name"`
	IncidentLastEvent time.Time `json:"incident_last_event"`
	LogLastEvent      time.Time `json:"log_last_event"`
}

// IncidentWithoutLog is an incident whose tenant's part of a log it
// reads the input did not hold, though it held other tenants'.
type IncidentWithoutLog struct {
	Incident string `json:"incident"`
	Tenant   string `json:"tenant"`
	Kind     string `json:"kind"`
	Name     string `json:"name"`
}

// NewSummary builds the summary of a hunt's coverage: the logs it read,
// those it did not see and the incidents that reach past a log read, as
// coverage.Reads, Missing and Uncovered give them. Times are in UTC.
func NewSummary(reads []coverage.Read, gaps []coverage.Gap, outside []coverage.Outside) Summary {
	s := Summary{LogsRead: []SummaryLog{}, NotSeen: NotSeenOf(gaps), IncidentsBeforeLog: []IncidentBeforeLog{}, IncidentsAfterLog: []IncidentAfterLog{},
		IncidentsWithoutLog: []IncidentWithoutLog{}, NotSeenByTenant: []TenantNotSeen{}}
	for _, r := range reads {
		s.LogsRead = append(s.LogsRead, SummaryLog{Kind: r.Kind.String(), Name: r.Source, Events: r.Events,
			Repeats: r.Repeats.Events, RepeatsEstimated: r.Repeats.Estimated,
			FirstEvent: r.First.UTC(), LastEvent: r.Last.UTC(), Sparse: r.Sparse()})
	}
	for _, o := range outside {
		switch {
		case o.Missing:
			s.IncidentsWithoutLog = append(s.IncidentsWithoutLog, IncidentWithoutLog{Incident: o.Incident, Tenant: o.Tenant,
				Kind: o.Log.Kind.String(), Name: o.Log.Source})
		case o.Before:
			s.IncidentsBeforeLog = append(s.IncidentsBeforeLog, IncidentBeforeLog{Incident: o.Incident, Tenant: o.Tenant, Kind: o.Log.Kind.String(),
				Name: o.Log.Source, IncidentBegan: o.At.UTC(), LogFirstEvent: o.Edge().UTC()})
		default:
			s.IncidentsAfterLog = append(s.IncidentsAfterLog, IncidentAfterLog{Incident: o.Incident, Tenant: o.Tenant, Kind: o.Log.Kind.String(),
				Name: o.Log.Source, IncidentLastEvent: o.At.UTC(), LogLastEvent: o.Edge().UTC()})
		}
	}
	return s
}

// TenantNotSeenOf is the summary's form of each tenant's NOT SEEN.
func TenantNotSeenOf(byTenant []coverage.TenantGaps) []TenantNotSeen {
	out := []TenantNotSeen{}
	for _, t := range byTenant {
		out = append(out, TenantNotSeen{Tenant: t.Tenant, NotSeen: NotSeenOf(t.Gaps)})
	}
	return out
}

// WriteSummary writes s as one indented JSON document, hardened for
// terminals as the alert formats are (a rule's title or name is the
// user's text).
func WriteSummary(w io.Writer, s Summary) error { return encodeJSON(w, s, "  ") }

// orEmpty is ss, or [] when it is nil.
func orEmpty(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}
