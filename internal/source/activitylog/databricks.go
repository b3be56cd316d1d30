package activitylog

import (
	"strings"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// azureDatabricksApp is the application id of AzureDatabricks, Microsoft's
// first-party application for Azure Databricks (Learn: "Get Microsoft
// Entra ID tokens for users", its resource id for Azure Databricks): the
// identity under which Azure Databricks writes a cluster's VMs into the
// workspace's managed resource group, which its deny assignment keeps
// every other principal out of.
const azureDatabricksApp = "2ff814a6-3304-4ab8-85cb-cd0e6f879c1d"

// databricksMachine notes a VM write that is Azure Databricks creating a
// cluster's machine: written by its application, with the default tags
// Azure Databricks gives every machine of a cluster (Learn: "Monitor usage
// using tags": Vendor "Databricks", ClusterId, ClusterName, Creator, the
// user who created the cluster). The Activity Log names no one else for
// these machines; the tags say whose cluster they are (Compute.Creator)
// and which (Compute.Cluster, as the workspace's clusters log names it),
// so the hunt counts the machines once when it also read that log
// (enrich.Enricher.Managed). Both the caller and the tags are asked: a
// tag alone is anyone's to write on their own VMs.
func databricksMachine(b *bodies, e *event.Event) {
	c := e.Compute
	if c == nil || e.Principal.AppID != azureDatabricksApp || e.Subscription == "" {
		return
	}
	if !record.EqualFold(strings.TrimSpace(b.first("tags", "Vendor")), "Databricks") {
		return
	}
	id := strings.ToLower(strings.TrimSpace(b.first("tags", "ClusterId")))
	if id == "" || strings.ContainsAny(id, "/ ") {
		return
	}
	c.Cluster = e.Subscription + "/" + id
	c.Creator = strings.TrimSpace(b.first("tags", "Creator"))
}
