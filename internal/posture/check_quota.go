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

func unusedHeadroom(e *env, sub *Subscription) Finding {
	type flag struct {
		region, name, what string
		limit, current     int64
	}
	var flags []flag
	limit := e.cfg.Quota.HighCoreLimit
	for _, region := range sub.Regions() {
		for _, u := range sub.Usages[region] {
			if u.Current != 0 || u.Limit <= 0 {
				continue
			}
			key := strings.ToLower(u.Name)
			switch {
			case regionTotals[key] != "":
				if u.Limit >= limit {
					flags = append(flags, flag{region, u.Name, regionTotals[key], u.Limit, u.Current})
				}
			case e.cfg.IsGPUFamily(u.Name):
				flags = append(flags, flag{region, u.Name, "GPU family", u.Limit, u.Current})
			case strings.HasSuffix(key, "family") && u.Limit >= limit:
				flags = append(flags, flag{region, u.Name, "vCPU family", u.Limit, u.Current})
			}
		}
	}
	sort.SliceStable(flags, func(i, j int) bool {
		// GPU headroom first: it is what miners want most.
		gi, gj := flags[i].what == "GPU family", flags[j].what == "GPU family"
		if gi != gj {
			return gi
		}
		return flags[i].limit > flags[j].limit
	})
	var ev []Evidence
	var total int64
	for _, f := range flags {
		total += f.limit - f.current
		ev = append(ev, Evidence{
			Subject: f.region + " " + f.name,
			Detail:  fmt.Sprintf("%s: limit %d, used %d; lower the limit to %d", f.what, f.limit, f.current, f.current),
		})
	}
	if len(flags) > 0 {
		return e.result(sub, true, fmt.Sprintf("%s with %s of headroom across %s", plural.Count(len(flags), "unused quota", "unused quotas"), plural.Count(total, "vCPU", "vCPUs"), plural.Count(len(sub.Usages), "region", "regions")), ev)
	}
	return e.result(sub, false, fmt.Sprintf("no unused GPU quota or unused quota of %d+ vCPUs in %s", limit, plural.Count(len(sub.Usages), "region", "regions")), nil)
}
