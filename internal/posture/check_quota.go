package posture

import (
	"fmt"
	"sort"
	"strings"

	"github.com/mamori-sec/mamori/internal/plural"
	"github.com/mamori-sec/mamori/internal/posture/capture"
)

var checkUnusedHeadroom = &check{
	name:     "posture.quota.unused_headroom",
	title:    "No unused GPU or high-core quota",
	severity: "medium",
	why: "Quota is the ceiling on how many cores an attacker can start at once. GPU quota and large vCPU " +
		"limits in regions or families the subscription never uses are pure headroom for miners: nothing " +
		"legitimate needs them, and raising quota is a request the attacker would otherwise have to make (and be seen making).",
	fix: "Lower each listed limit to the suggested value: Azure portal > Quotas > Compute > filter the region > select " +
		"the family > Adjust (a decrease request), or `az quota update --resource-name FAMILY --scope " +
		"/subscriptions/SUB/providers/Microsoft.Compute/locations/REGION --limit-object value=N`.",
	required:     []string{capture.KeyComputeUsages},
	subscription: unusedHeadroom,
}

// regionTotals are the usage names that count a whole region, not a family.
var regionTotals = map[string]string{"cores": "total regional vCPUs", "lowprioritycores": "spot/low-priority vCPUs"}

// headroom says what an unused counter's limit is headroom of ("GPU
// family", "vCPU family", a region total), or "" when it is none: a GPU
// family with any limit, other families and the region totals from
// HighCoreLimit vCPUs up. A limit the API did not give may be any, so the
// counter's kind alone decides.
func headroom(cfg *Config, u Usage) string {
	if u.LimitSet && u.Limit <= 0 {
		return ""
	}
	key := strings.ToLower(u.Name)
	big := !u.LimitSet || u.Limit >= cfg.Quota.HighCoreLimit
	switch {
	case regionTotals[key] != "":
		if big {
			return regionTotals[key]
		}
	case cfg.IsGPUFamily(u.Name):
		return "GPU family"
	case strings.HasSuffix(key, "family") && big:
		return "vCPU family"
	}
	return ""
}

func unusedHeadroom(e *env, sub *Subscription) Finding {
	type flag struct {
		region string
		u      Usage
		what   string
	}
	// unknown are counters that would be headroom if unused, but whose
	// usage or limit the API did not give: taking a missing currentValue
	// as 0 claimed headroom nobody could know of.
	var flags, unknown []flag
	for _, region := range sub.Regions() {
		for _, u := range sub.Usages[region] {
			if u.CurrentSet && u.Current != 0 {
				continue
			}
			what := headroom(e.cfg, u)
			switch {
			case what == "":
			case !u.CurrentSet || !u.LimitSet:
				unknown = append(unknown, flag{region, u, what})
			default:
				flags = append(flags, flag{region, u, what})
			}
		}
	}
	sort.SliceStable(flags, func(i, j int) bool {
		// GPU headroom first: it is what miners want most.
		gi, gj := flags[i].what == "GPU family", flags[j].what == "GPU family"
		if gi != gj {
			return gi
		}
		return flags[i].u.Limit > flags[j].u.Limit
	})
	var ev []Evidence
	var total int64
	for _, f := range flags {
		total += f.u.Limit - f.u.Current
		ev = append(ev, Evidence{
			Subject: f.region + " " + f.u.Name,
			Detail:  fmt.Sprintf("%s: limit %d, used %d; lower the limit to %d", f.what, f.u.Limit, f.u.Current, f.u.Current),
		})
	}
	for _, f := range unknown {
		ev = append(ev, Evidence{Subject: f.region + " " + f.u.Name, Detail: f.what + ": " + unknownUsage(f.u)})
	}
	regions := plural.Count(len(sub.Usages), "region", "regions")
	notJudged := ""
	if len(unknown) > 0 {
		notJudged = fmt.Sprintf("%s with no usage or limit in the response not judged",
			plural.Count(len(unknown), "counter", "counters"))
	}
	if len(flags) > 0 {
		summary := fmt.Sprintf("%s with %s of headroom across %s", plural.Count(len(flags), "unused quota", "unused quotas"), plural.Count(total, "vCPU", "vCPUs"), regions)
		if notJudged != "" {
			summary += "; " + notJudged
		}
		return e.result(sub, true, summary, ev)
	}
	clean := fmt.Sprintf("no unused GPU quota or unused quota of %d+ vCPUs in %s", e.cfg.Quota.HighCoreLimit, regions)
	if len(unknown) > 0 {
		// What was not reported may be the unused GPU quota: no pass.
		sc, name := scope(sub)
		return Finding{Status: NotAssessed, Scope: sc, ScopeName: name, Evidence: ev,
			Summary: "not assessed: " + notJudged + "; among the rest, " + clean}
	}
	return e.result(sub, false, clean, nil)
}

// unknownUsage says which of a counter's numbers the API left out.
func unknownUsage(u Usage) string {
	switch {
	case !u.CurrentSet && !u.LimitSet:
		return "no currentValue and no limit in the response; usage unknown, not judged"
	case !u.CurrentSet:
		return fmt.Sprintf("limit %d, no currentValue in the response; usage unknown, not judged", u.Limit)
	}
	return "used 0, no limit in the response; headroom unknown, not judged"
}
