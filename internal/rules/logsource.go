package rules

import (
	"fmt"
	"strings"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/sigma"
)

// services maps Sigma log sources to the kinds of event mamori reads.
// product azure's services are SigmaHQ's (riskdetection: Entra ID
// Protection's risk detections); flowlogs, dns, securityalert,
// databricks and compute are mamori's (documented in docs/fields.md).
// compute is every log that records compute created: the Activity Log's
// writes, and the logs of services that create machines no Activity Log
// record names a person for (Azure Databricks' clusters). Categories are
// Sigma's generic ones.
var services = map[string][]event.Kind{
	"azure/activitylogs":  {event.KindActivity},
	"azure/signinlogs":    {event.KindSignIn},
	"azure/auditlogs":     {event.KindAudit},
	"azure/flowlogs":      {event.KindFlow},
	"azure/dns":           {event.KindDNS},
	"azure/securityalert": {event.KindAlert},
	"azure/riskdetection": {event.KindRisk},
	"azure/databricks":    {event.KindDatabricks},
	"azure/compute":       {event.KindActivity, event.KindDatabricks},
	"linux/auditd":        {event.KindProcess},
	"linux/sysmon":        {event.KindProcess},
}

var categories = map[string][]event.Kind{
	"process_creation":   {event.KindProcess},
	"dns":                {event.KindDNS},
	"dns_query":          {event.KindDNS},
	"network_connection": {event.KindFlow},
	"firewall":           {event.KindFlow},
}

// kindsOf says which events a rule's log source covers, or why mamori has
// no such log.
func kindsOf(ls sigma.Logsource) ([]event.Kind, error) {
	p, s, c := strings.ToLower(ls.Product), strings.ToLower(ls.Service), strings.ToLower(ls.Category)
	if c != "" {
		if k, ok := categories[c]; ok && (p == "" || p == "azure" || p == "linux" || p == "windows") {
			return k, nil
		}
		return nil, &sigma.UnsupportedError{Feature: "logsource", Detail: fmt.Sprintf("category %q (product %q) is not a log mamori reads", c, p)}
	}
	if k, ok := services[p+"/"+s]; ok {
		return k, nil
	}
	return nil, &sigma.UnsupportedError{Feature: "logsource", Detail: fmt.Sprintf("product %q service %q is not a log mamori reads", p, s)}
}
