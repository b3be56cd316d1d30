package source

import (
	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
	"github.com/mamori-sec/mamori/internal/source/activitylog"
	"github.com/mamori-sec/mamori/internal/source/entra"
	"github.com/mamori-sec/mamori/internal/source/host"
	"github.com/mamori-sec/mamori/internal/source/network"
	"github.com/mamori-sec/mamori/internal/source/securityalert"
)

// family is one reader of a log family: it recognises its records and
// decodes them. The list below is the whole switchboard; a new reader is
// one line here.
type family struct {
	detect func(*fastjson.Value, record.Hint) (string, bool)
	decode func(*record.Scratch, *fastjson.Value, string, []event.Event) ([]event.Event, error)
}

// families are tried in order. The Activity Log comes last because its
// diagnostic shape is the most general (time, operationName, category,
// resourceId, properties): the others claim their categories first.
var families = []family{
	{entra.Detect, entra.Decode},
	{network.Detect, network.Decode},
	{host.Detect, host.Decode},
	{securityalert.Detect, securityalert.Decode},
	{activitylog.Detect, activitylog.Decode},
}

// byCategory sends the commonest diagnostic-settings categories straight to
// their family, so a busy Activity Log does not ask three other families
// first. The family's Detect still decides; on a miss the full order runs.
var byCategory = map[string]int{
	"Administrative": 4, "Write": 4, "Action": 4, "Delete": 4, "Policy": 4, "Security": 4,
	"ServiceHealth": 4, "ResourceHealth": 4, "Alert": 4, "Recommendation": 4, "Autoscale": 4,
	"SignInLogs": 0, "NonInteractiveUserSignInLogs": 0, "ServicePrincipalSignInLogs": 0,
	"ManagedIdentitySignInLogs": 0, "AuditLogs": 0,
	"NetworkSecurityGroupFlowEvent": 1, "FlowLogFlowEvent": 1, "AZFWNetworkRule": 1, "AZFWDnsQuery": 1,
	"AzureFirewallNetworkRule": 1, "AzureFirewallDnsProxy": 1,
	"AdvancedHunting-DeviceProcessEvents": 2,
}

// classify finds the family and shape of a record.
func classify(v *fastjson.Value, h record.Hint) (family, string, bool) {
	if c := v.GetStringBytes("category"); len(c) > 0 {
		if i, ok := byCategory[string(c)]; ok {
			if shape, ok := families[i].detect(v, h); ok {
				return families[i], shape, true
			}
		}
	}
	for _, f := range families {
		if shape, ok := f.detect(v, h); ok {
			return f, shape, true
		}
	}
	return family{}, "", false
}

// tableOf names the log table or category of a record no family reads, so
// it can be counted as ignored rather than reported as bad: a Defender
// table other than process events is a real log, just not one mamori uses.
func tableOf(v *fastjson.Value, h record.Hint) string {
	if h.Table != "" {
		return h.Table
	}
	for _, k := range []string{"category", "Type", "$table", "Category"} {
		if s := shortString(v, k); s != "" {
			return s
		}
	}
	// The simulator's truth.json sits beside the logs it describes.
	if v.Get("attacks") != nil && v.Get("seed") != nil && v.Get("baseline_days") != nil {
		return "mamori-simulation-truth"
	}
	// An Advanced Hunting export names no table, but every row has a
	// Timestamp and an ActionType.
	if v.Get("Timestamp") != nil {
		if a := shortString(v, "ActionType"); a != "" {
			return "AdvancedHunting:" + a
		}
	}
	return ""
}

func shortString(v *fastjson.Value, k string) string {
	if x := v.Get(k); x != nil && x.Type() == fastjson.TypeString {
		if s := x.GetStringBytes(); len(s) > 0 && len(s) < 128 {
			return string(s)
		}
	}
	return ""
}
