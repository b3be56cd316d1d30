package report

import (
	"io"
	"time"

	"github.com/mamori-sec/mamori/internal/coverage"
)

// StoreStatus is the document `mamori status --format json` writes: what
// a serve's store has read of each kind of log, as a whole and per
// tenant, the logs the rules read that went quiet, those it never saw,
// the compute creates the rules could not judge, and when a table of what
// serve learns was last full. Its fields follow Summary's (docs/outputs.md); times are UTC and
// absent when unknown; lists are [] when empty.
type StoreStatus struct {
	Logs    []StoreLog   `json:"logs"`
	Tenants []TenantLog  `json:"tenants"`
	Quiet   []QuietLog   `json:"quiet"`
	NotSeen []SummaryGap `json:"not_seen"`
	// NotSeenByTenant are, in a store of several tenants, the logs one
	// tenant's exports never brought while others' did.
	NotSeenByTenant []TenantNotSeen `json:"not_seen_by_tenant"`
	// ComputeCreates, ComputeUnsized and ComputeUnsizedJobs are Summary's,
	// over every cycle: each operation once, whatever cycles its records
	// fell to.
	ComputeCreates     int64 `json:"compute_creates"`
	ComputeUnsized     int64 `json:"compute_creates_unsized"`
	ComputeUnsizedJobs int64 `json:"compute_creates_unsized_jobs"`
	// LearnedCapped is the wall time of the last cycle whose hunt found a
	// table of what serve learns (regions, autoscale targets' sizes and
	// writes) full; absent for never.
	LearnedCapped time.Time `json:"learned_capped,omitzero"`
	// NotifyHeld is how many alerts serve holds for its webhook (--notify),
	// which has not taken them since NotifyHeldSince.
	NotifyHeld      int       `json:"notify_held,omitempty"`
	NotifyHeldSince time.Time `json:"notify_held_since,omitzero"`
	// NotifyWaiting is how many alerts wait for their incident's next
	// telling (serve's --notify-every): not a failure.
	NotifyWaiting int `json:"notify_waiting,omitempty"`
	// NewsHeld is how many pieces of news (logs that stopped or arrive
	// again, readers failing or reading again) serve holds for receivers
	// that have not taken them since NewsHeldSince.
	NewsHeld      int       `json:"notify_news_held,omitempty"`
	NewsHeldSince time.Time `json:"notify_news_held_since,omitzero"`
	// Readers are serve's own readers (--eventhub's namespaces, --fetch's
	// tenants) and how their reads went.
	Readers []StoreReader `json:"readers,omitempty"`
}

// StoreReader is one of serve's own readers, over every read.
type StoreReader struct {
	Kind         string    `json:"kind"`   // eventhub or fetch
	Source       string    `json:"source"` // the namespace, or the tenant ("": the credential's)
	LastRead     time.Time `json:"last_read"`
	LastWhole    time.Time `json:"last_whole,omitzero"`    // its last read that read all it was to; absent for none
	FailingSince time.Time `json:"failing_since,omitzero"` // its reads fail since; absent when the last was whole
	Failing      bool      `json:"failing"`                // failing for longer than --failing
	Said         string    `json:"said,omitempty"`         // what its last read said was wrong
	Read         int64     `json:"read"`                   // messages or events read, over every read
	Waiting      int64     `json:"waiting,omitempty"`      // messages its last read left in the hubs
}

// TenantLog is one tenant's log of one kind, or one subscription's
// Activity Log, over every cycle.
type TenantLog struct {
	Tenant       string    `json:"tenant"`
	Subscription string    `json:"subscription,omitempty"` // one subscription's log; absent: the tenant's whole log
	Kind         string    `json:"kind"`
	Name         string    `json:"name"`
	FirstEvent   time.Time `json:"first_event"`
	LastEvent    time.Time `json:"last_event"`
	LastArrival  time.Time `json:"last_arrival"` // wall time of the last cycle that read a later event of it
}

// StoreLog is one kind of log a store has read, over every cycle.
type StoreLog struct {
	Kind    string `json:"kind"`
	Name    string `json:"name"`
	Records int64  `json:"records"` // each record once, however many exports or cycles read it
	// Repeats are the readings of records read before, left out of
	// Records (RepeatsEstimated: from the store's sample of their keys).
	Repeats          int64     `json:"repeats"`
	RepeatsEstimated bool      `json:"repeats_estimated"`
	FirstEvent       time.Time `json:"first_event,omitzero"`
	LastEvent        time.Time `json:"last_event,omitzero"`
	LastArrival      time.Time `json:"last_arrival,omitzero"` // wall time of the last cycle that read new records of it
}

// QuietLog is a log the rules read that has not arrived for longer than
// the limit asked.
type QuietLog struct {
	Kind         string    `json:"kind"`
	Tenant       string    `json:"tenant,omitempty"`       // one tenant's log; absent: the store's whole log
	Subscription string    `json:"subscription,omitempty"` // one subscription's log of the tenant
	Name         string    `json:"name"`
	LastArrival  time.Time `json:"last_arrival"`
	LastEvent    time.Time `json:"last_event,omitzero"`
}

// NotSeenOf is the not_seen list of Summary and StoreStatus.
func NotSeenOf(gaps []coverage.Gap) []SummaryGap {
	out := []SummaryGap{}
	for _, g := range gaps {
		out = append(out, SummaryGap{Kind: g.Kind.String(), Name: g.Source, Rules: orEmpty(g.Rules),
			Correlations: orEmpty(g.Correlations), Export: g.Export})
	}
	return out
}

// WriteStoreStatus writes s as one indented JSON document, hardened as
// the summary is (a user's rule names are in it).
func WriteStoreStatus(w io.Writer, s StoreStatus) error {
	if s.Logs == nil {
		s.Logs = []StoreLog{}
	}
	if s.Tenants == nil {
		s.Tenants = []TenantLog{}
	}
	if s.Quiet == nil {
		s.Quiet = []QuietLog{}
	}
	if s.NotSeen == nil {
		s.NotSeen = []SummaryGap{}
	}
	if s.NotSeenByTenant == nil {
		s.NotSeenByTenant = []TenantNotSeen{}
	}
	return encodeJSON(w, s, "  ")
}
