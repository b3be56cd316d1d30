package simulate

import (
	"fmt"
	"strings"
	"time"
)

// opAlias creates a subscription (REST Alias - Create, PUT /providers/
// Microsoft.Subscription/aliases/{name}): a tenant-level operation, in the
// directory's Activity Log, whose body names the billing scope that pays
// and, in additionalProperties, the directory the subscription is placed
// in (the caller's when it names none).
const opAlias = "Microsoft.Subscription/aliases/write"

// vendEvery is how many days apart the platform team's pipeline vends a
// subscription (a person making one by hand every few weeks is a chore,
// rare.go).
const vendEvery = 6

// billingScope is the tenant's invoice section that subscriptions bill to.
func (t *tenant) billingScope() string {
	return "/billingAccounts/" + t.ID[:8] + "-1111-4222-8333-" + t.ID[len(t.ID)-12:] + ":" + t.Sub + "_2019-05-31" +
		"/billingProfiles/" + strings.ToUpper(t.ID[:4]) + "-BP01/invoiceSections/" + strings.ToUpper(t.Sub[:4]) + "-IS01"
}

// alias writes the creation of a subscription named name through an
// alias, billed to the tenant, in directory dir ("": the caller's, named
// by no property), and returns when it was done. Azure logs its Start
// with the request and its Success with the new subscription's id.
func (g *gen) alias(at time.Time, a actor, name, dir, owner string) time.Time {
	extra := map[string]any{}
	if dir != "" {
		extra["subscriptionTenantId"] = dir
	}
	if owner != "" {
		extra["subscriptionOwnerId"] = owner
	}
	body := map[string]any{"properties": map[string]any{
		"displayName": name, "billingScope": g.t.billingScope(), "workload": "Production", "additionalProperties": extra}}
	scope := "/providers/Microsoft.Subscription/aliases/" + name
	corr := guid(g.r)
	o := restOpts{Method: "PUT", Provider: "Microsoft.Subscription", Title: "Microsoft.Subscription",
		Props: map[string]any{"requestbody": string(marshal(body))}}
	g.restRecord(at, a, opAlias, scope, "Started", corr, o)
	end := at.Add(40*time.Second + g.jitter(30*time.Second))
	resp := map[string]any{"id": scope, "name": name, "type": "Microsoft.Subscription/aliases",
		"properties": map[string]any{"subscriptionId": guid(g.r), "provisioningState": "Succeeded"}}
	o.Props = map[string]any{"statusCode": "OK", "serviceRequestId": guid(g.r), "responseBody": string(marshal(resp))}
	g.restRecord(end, a, opAlias, scope, "Succeeded", corr, o)
	return end
}

// benignVending is the platform team's landing-zone pipeline (the
// deployment pipeline's service principal, from its hosted runners'
// Azure addresses) vending a subscription every vendEvery days, in the
// tenant's own directory, named or not. Its own stream: the rest of the
// history stays as it was.
func (g *gen) benignVending(day time.Time) {
	n := int(day.Sub(g.opt.Start).Hours() / 24)
	if (n+g.vendDay)%vendEvery != 0 {
		return
	}
	restore := g.drawFrom(g.vend)
	defer restore()
	g.vendOne(day.Add(10*time.Hour + g.jitter(6*time.Hour)))
}

// vendOne is one subscription the pipeline vends.
func (g *gen) vendOne(at time.Time) time.Time {
	t := g.t
	sp := g.pipeline()
	dir := ""
	if g.r.IntN(2) == 0 {
		dir = t.ID // some pipelines name their own directory
	}
	team := pick(g.r, []string{"payments", "search", "data", "web", "identity", "mobile"})
	return g.alias(at, sp, fmt.Sprintf("lz-%s-%s-%03d", team, pick(g.r, []string{"dev", "test", "prod"}), g.r.IntN(1000)), dir, "")
}

// subscriptionElsewhere is a stolen account with a billing role, used
// from an Azure address the tenant does not own, creating a subscription
// billed to the victim and placed in a directory the attacker owns:
// whatever it runs there reaches none of the victim's logs, so the
// creation is all there is to see.
func (g *gen) subscriptionElsewhere(at time.Time) Attack {
	t := g.t
	restore := g.drawFrom(g.vend)
	defer restore()
	ip := pick(g.r, attackerIPs)
	p := pick(g.r, t.developers()) // finance, say
	ua := g.stolenCLI(at, p, ip, false)
	name := pick(g.r, []string{"sandbox", "poc", "temp", "billing-test"}) + "-" + strings.Split(p.Name, ".")[0]
	end := g.alias(at.Add(3*time.Minute+g.jitter(2*time.Minute)), ua, name, guid(g.r), guid(g.r))
	return Attack{
		Start: at, End: end, Principals: principalIDs(p),
		Resources: []string{strings.ToLower("/providers/Microsoft.Subscription/aliases/" + name)},
		MustFire: []string{
			"azure.signin.azure_ip_not_owned", "azure.signin.azure_ip_not_owned.arm",
			"azure.subscription.subscription_created_in_other_tenant", "azure.subscription.first_subscription_by_principal",
		},
	}
}

// subscriptionElsewhereTwin is the same pipeline vending one more
// subscription, its own directory named in the request: a creation the
// baseline knows, placed where it belongs.
func (g *gen) subscriptionElsewhereTwin(at time.Time) Attack {
	t := g.t
	restore := g.drawFrom(g.vend)
	defer restore()
	sp := g.pipeline()
	name := fmt.Sprintf("lz-%s-prod-%03d", pick(g.r, []string{"payments", "search", "data"}), g.r.IntN(1000))
	end := g.alias(at, sp, name, t.ID, "")
	return Attack{
		Start: at, End: end, Principals: []string{strings.ToLower(t.CI.OID), strings.ToLower(t.CI.AppID)},
		Resources: []string{strings.ToLower("/providers/Microsoft.Subscription/aliases/" + name)},
		MustNotFire: []string{
			"azure.signin.azure_ip_not_owned.arm",
			"azure.subscription.subscription_created_in_other_tenant", "azure.subscription.first_subscription_by_principal",
		},
	}
}
