package activitylog

import (
	"strings"
	"time"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

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
