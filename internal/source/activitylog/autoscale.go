package activitylog

import (
	"strings"
	"time"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// autoscaleService is the caller of autoscale's records of its actions.
const autoscaleService = "Microsoft.Insights/autoscaleSettings"

// staleProfile is how long after its end a fixed-date profile is known to
// be over: its times are in its own timeZone, a Windows zone name mamori
// does not map, and no zone is a day from UTC.
const staleProfile = 24 * time.Hour

// autoscaleSetting reads an autoscale setting's write (at, the record's
// time). Azure runs the setting under the autoscale service's identity:
// the scale-out that follows is logged under its name (category
// Autoscale, caller Microsoft.Insights/autoscaleSettings, Old- and
// NewInstancesCount), so the setting's write is the only record naming
// who asked for the machines. A stolen account can create a scale set of
// one, which no count notices, then ask for two hundred here.
//
// The count is the floor Azure keeps whatever the load: the largest, over
// the profiles that can still apply, of the minimum (autoscale scales out
// to it at once) and the default (what it scales out to when it cannot
// read the rules' metrics, as it may not for a target created minutes
// before), no more than the maximum. The maximum itself is reached only when the
// profile's rules call for it, as an elastic App Service plan's burst,
// and is not counted: an ops team's web tier of two that may grow to
// twenty under load asks for two. (A CPU rule would take a miner's own
// load to the maximum: that growth is logged only under the autoscale
// service's name.) A disabled setting keeps nothing: count 0. The size is
// not the setting's but the target's, which only the target's own write
// names: Size stays empty, and the hunt prices the instances at that size
// when it read that write (enrich.Enricher.LateRequest).
//
// A setting on a target that is no compute is nil; one whose body names no
// target (a PATCH of the profiles) is counted with no service. A record
// with no body is a Compute of nothing known, for the hunt to count as not
// judged.
func autoscaleSetting(b *bodies, at time.Time) *event.Compute {
	if b.none() {
		return &event.Compute{}
	}
	c := &event.Compute{Target: strings.ToLower(strings.TrimRight(strings.TrimSpace(b.first("properties", "targetResourceUri")), "/"))}
	if c.Target != "" {
		if c.Service = event.AutoscaleService(typeOf(c.Target)); c.Service == "" {
			return nil
		}
	}
	// A body that leaves enabled out is taken as enabled: the older API
	// versions, which templates still name, say so (the newer say
	// disabled), and the response, when there is one, says what Azure kept.
	if on, ok := b.boolean("properties", "enabled"); ok && !on {
		return c
	}
	floor := int64(0)
	for _, p := range b.array("properties", "profiles") {
		if end, ok := profileEnd(b.sc, p); ok && at.Sub(end) > staleProfile {
			continue // a past event's profile, left in the setting
		}
		n, _ := b.sc.Int(p, "capacity", "minimum")
		if d, ok := b.sc.Int(p, "capacity", "default"); ok && d > n {
			n = d
		}
		if m, ok := b.sc.Int(p, "capacity", "maximum"); ok && m < n {
			n = m
		}
		floor = max(floor, n)
	}
	c.Count = clampCount(floor)
	return c
}

// profileEnd is when a fixed-date profile ends, as written.
func profileEnd(sc *record.Scratch, p *fastjson.Value) (time.Time, bool) {
	s := sc.Str(p, "fixedDate", "end")
	if s == "" {
		return time.Time{}, false
	}
	t, err := record.Time(s)
	return t, err == nil
}

// autoscaleAction reads autoscale's record of a scale action of its own
// (event.IsAutoscaleAction), whose facts (props, the record's properties
// as its shape holds them) say which resource it scaled and from how many
// instances to how many. A stolen account's setting of minimum 1 and
// maximum 200 on a scale set of one, with a rule on CPU, asks for one
// machine; the miner's own load then takes the set to 200, and these
// records, under the autoscale service's name, are the only ones that say
// so.
//
// The facts are the REST event's properties (Learn, "Activity Log event
// schema", Autoscale category: Description, ResourceName,
// OldInstancesCount, NewInstancesCount, LastScaleActionTime, the counts
// as strings; newer records add ActiveAutoscaleProfile), Azure
// PowerShell's Properties.Content, and, in a diagnostic setting's record
// or a Log Analytics AzureActivity row, properties.eventProperties and
// Properties_d.eventProperties, an object or the JSON text of one
// ("Autoscale diagnostics", Activity logs: {"OldInstancesCount":3,
// "NewInstancesCount":2}, numbers there); a record that keeps them flat
// is read as it is. Names are read in any case (the common alert schema
// writes oldInstancesCount).
//
// Count is the instances a scale-out's completed record (the *Result
// operations, Succeeded) gave the target, New less Old: one record per
// action, so that the action's start, which names the same counts, does
// not count them again. The others keep Old and New only: what the hunt
// learns of how many instances the target runs (enrich). A target that
// is no compute (API Management's units) is nil; a record that names no
// target (Learn's GetOperationStatusResult gives the counts alone) leaves
// it to the setting's write, which the hunt may have read.
func autoscaleAction(sc *record.Scratch, props *fastjson.Value, e *event.Event) *event.Compute {
	// A diagnostic record names no caller and its claims only the
	// service's name (spn): the same principal as the REST event's caller,
	// "always Microsoft.Insights/autoscaleSettings" (Learn).
	if e.Principal.Empty() {
		e.Principal.Name = autoscaleService
	}
	facts := props
	if ep := sc.Get(props, "eventProperties"); ep != nil {
		facts = sc.Object(ep)
	}
	c := &event.Compute{Target: strings.ToLower(strings.TrimRight(strings.TrimSpace(sc.Str(facts, "ResourceName")), "/"))}
	if c.Target != "" {
		if c.Service = event.AutoscaleService(typeOf(c.Target)); c.Service == "" {
			return nil
		}
	}
	old, okOld := sc.Int(facts, "OldInstancesCount")
	n, okNew := sc.Int(facts, "NewInstancesCount")
	if !okOld || !okNew {
		c.NoBody = true // the counts are unknown, not none
		return c
	}
	c.Old, c.New = clampCount(old), clampCount(n)
	if event.AutoscaleGrows(e.Operation) && e.Outcome == event.OutcomeSucceeded && c.New > c.Old {
		c.Count = c.New - c.Old
	}
	return c
}
