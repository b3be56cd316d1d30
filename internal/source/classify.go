package source

import (
	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
	"github.com/mamori-sec/mamori/internal/source/activitylog"
	"github.com/mamori-sec/mamori/internal/source/batchservice"
	"github.com/mamori-sec/mamori/internal/source/databricks"
	"github.com/mamori-sec/mamori/internal/source/entra"
	"github.com/mamori-sec/mamori/internal/source/host"
	"github.com/mamori-sec/mamori/internal/source/network"
	"github.com/mamori-sec/mamori/internal/source/securityalert"
)

// family is one reader of a log family: it recognises its records and
// decodes them. The list below is the whole switchboard; a new reader is
// one line here.
type family struct {
	name   string
	detect func(*fastjson.Value, record.Hint) (string, bool)
	decode func(*record.Scratch, *fastjson.Value, string, []event.Event) ([]event.Event, error)
}

// The families, by name, for byCategory.
var (
	entraFamily    = family{"entra", entra.Detect, entra.Decode}
	networkFamily  = family{"network", network.Detect, network.Decode}
	hostFamily     = family{"host", host.Detect, host.Decode}
	alertFamily    = family{"securityalert", securityalert.Detect, securityalert.Decode}
	activityFamily = family{"activitylog", activitylog.Detect, activitylog.Decode}
	batchFamily    = family{"batchservice", batchservice.Detect, batchservice.Decode}
	clustersFamily = family{"databricks", databricks.Detect, databricks.Decode}
)

// families are tried in order. The Activity Log comes last because its
// diagnostic shape is the most general (time, operationName, category,
// resourceId, properties): the others claim their categories first.
// The Batch service log's pool events (category ServiceLog) and Azure
// Databricks' clusters log come before it.
var families = []family{entraFamily, networkFamily, hostFamily, alertFamily, batchFamily, clustersFamily, activityFamily}

// byCategory sends the commonest diagnostic-settings categories straight to
// their family, so a busy Activity Log does not ask three other families
// first. The family's Detect still decides; on a miss the full order runs.
var byCategory = map[string]family{
	"Administrative": activityFamily, "Write": activityFamily, "Action": activityFamily, "Delete": activityFamily,
	"Policy": activityFamily, "Security": activityFamily, "ServiceHealth": activityFamily, "ResourceHealth": activityFamily,
	"Alert": activityFamily, "Recommendation": activityFamily, "Autoscale": activityFamily,
	"SignInLogs": entraFamily, "NonInteractiveUserSignInLogs": entraFamily, "ServicePrincipalSignInLogs": entraFamily,
	"ManagedIdentitySignInLogs": entraFamily, "AuditLogs": entraFamily,
	"UserRiskEvents": entraFamily, "ServicePrincipalRiskEvents": entraFamily,
	"NetworkSecurityGroupFlowEvent": networkFamily, "FlowLogFlowEvent": networkFamily, "AZFWNetworkRule": networkFamily,
	"AZFWDnsQuery": networkFamily, "AzureFirewallNetworkRule": networkFamily, "AzureFirewallDnsProxy": networkFamily,
	"AdvancedHunting-DeviceProcessEvents": hostFamily,
	batchservice.Category:                 batchFamily,
	"clusters":                            clustersFamily,
}

// classify finds the family and shape of a record.
func classify(v *fastjson.Value, h record.Hint) (family, string, bool) {
	if c := v.GetStringBytes("category"); len(c) > 0 {
		if f, ok := byCategory[string(c)]; ok {
			if shape, ok := f.detect(v, h); ok {
				return f, shape, true
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
