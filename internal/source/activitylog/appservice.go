package activitylog

import "github.com/mamori-sec/mamori/internal/event"

// svcAppService is the compute service of App Service plans.
const svcAppService = "appservice"

// sharedPlans are the plan tiers, and their SKUs, with no workers of the
// plan's own: Free and Shared run on machines other customers share, the
// Consumption and Flex Consumption plans on machines the platform lends a
// function while it runs.
var sharedPlans = []string{"Free", "Shared", "Dynamic", "FlexConsumption", "F1", "D1", "Y1", "FC1"}

// appServicePlan reads an App Service plan's write: sku.name names its
// workers' size ("P5mv3", 32 vCPUs, which the size table knows by the VM
// of the same vCPUs and memory) and sku.capacity how many run, one when
// the body leaves it out. App Service creates those workers itself, in no
// subscription of the tenant's: the plan's write is their only record,
// and every worker of a Linux plan runs whatever container its apps name.
// A plan with no workers of its own (sharedPlans) creates no compute:
// nil, as for an Azure ML job on a workspace's cluster, so a developer's
// Consumption function app is no compute create. A record without a body
// is a Compute of the service alone, for the hunt to count as not judged.
// An elastic plan (Functions Premium, automatic scaling) adds workers up
// to properties.maximumElasticWorkerCount as its apps' load asks; they
// are not counted, as an autoscaled Batch pool's formula is not.
func appServicePlan(b *bodies) *event.Compute {
	if b.none() {
		return &event.Compute{Service: svcAppService}
	}
	sku := b.first("sku", "name")
	if canonical(b.first("sku", "tier"), sharedPlans) != "" || canonical(sku, sharedPlans) != "" {
		return nil
	}
	c := &event.Compute{Service: svcAppService, Size: sku}
	if sku != "" {
		c.Count = max(b.count("sku", "capacity"), 1)
	}
	return c
}
