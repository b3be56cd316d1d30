package simulate

import (
	"fmt"
	"maps"
	"strings"
	"time"
)

// actor is who an Activity Log record names: a user or a service principal,
// calling from ip.
type actor struct {
	UPN, OID, AppID, Name string
	SP, MFA               bool
	IP                    string
}

func (g *gen) user(p person, ip string, mfa bool) actor {
	return actor{UPN: p.UPN, OID: p.OID, AppID: appPortal, Name: p.Name, MFA: mfa, IP: ip}
}

// stolenCLI signs p in with the Azure CLI from ip, as an attacker holding
// p's password does (one factor, from the US; risky: ID Protection rates
// it medium, at risk), and returns p acting from there.
func (g *gen) stolenCLI(at time.Time, p person, ip string, risky bool) actor {
	s := signin{UPN: p.UPN, OID: p.OID, IP: ip, App: "Microsoft Azure CLI", AppID: appCLI, Country: "US"}
	if risky {
		s.Risk, s.RiskState = "medium", "atRisk"
	}
	g.signIn(at, s)
	return actor{UPN: p.UPN, OID: p.OID, AppID: appCLI, Name: p.Name, IP: ip}
}

func (g *gen) spActor(a app, ip string) actor {
	return actor{OID: a.OID, AppID: a.AppID, Name: a.Name, SP: true, IP: ip}
}

// pipeline is the deployment pipeline's service principal on one of its
// hosted runners, Azure addresses the tenant does not own.
func (g *gen) pipeline() actor {
	return g.spActor(g.t.CI, fmt.Sprintf("20.%d.%d.%d", 30+g.r.IntN(40), g.r.IntN(256), 1+g.r.IntN(250)))
}

// claims are the token claims ARM copies into every record.
func (g *gen) claims(a actor) map[string]any {
	c := map[string]any{
		"aud": "https://management.core.windows.net/",
		"iss": "https://sts.windows.net/" + g.t.ID + "/",
		"http://schemas.microsoft.com/identity/claims/tenantid":         g.t.ID,
		"http://schemas.microsoft.com/identity/claims/objectidentifier": a.OID,
		"appid":  a.AppID,
		"ipaddr": a.IP,
	}
	if a.SP {
		c["idtyp"] = "app"
		c["appidacr"] = "1"
		return c
	}
	c["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"] = a.UPN
	c["name"] = a.Name
	c["idtyp"] = "user"
	c["http://schemas.microsoft.com/claims/authnmethodsreferences"] = map[bool]string{true: "pwd,mfa", false: "pwd"}[a.MFA]
	return c
}

// diag is one Administrative Activity Log record as diagnostic settings
// write it.
func (g *gen) diag(at time.Time, a actor, op, rid, resultType, sig, corr, loc string, props map[string]any) []byte {
	return g.diagIn("Administrative", at, a, op, rid, resultType, sig, corr, loc, props)
}

// diagIn is diag in another category: a few operations, such as moving a
// subscription to another directory, are logged under Security.
func (g *gen) diagIn(category string, at time.Time, a actor, op, rid, resultType, sig, corr, loc string, props map[string]any) []byte {
	r := map[string]any{
		"time": stamp(at), "resourceId": rid, "operationName": op, "category": category,
		"resultType": resultType, "resultSignature": sig, "durationMs": fmt.Sprint(200 + g.r.IntN(4000)),
		"callerIpAddress": a.IP, "correlationId": corr, "level": "Information",
		"identity": map[string]any{
			"authorization": map[string]any{"scope": strings.ToLower(rid), "action": op,
				"evidence": map[string]any{"role": "Owner", "principalId": strings.ReplaceAll(a.OID, "-", ""), "principalType": map[bool]string{true: "ServicePrincipal", false: "User"}[a.SP]}},
			"claims": g.claims(a),
		},
	}
	if loc != "" {
		r["location"] = loc
	}
	p := map[string]any{"eventCategory": category, "entity": strings.ToLower(rid), "message": strings.ToLower(op), "hierarchy": g.t.ID + "/" + g.t.Sub}
	for k, v := range props {
		p[k] = v
	}
	r["properties"] = p
	return marshal(r)
}

// armOpts shape one ARM write.
type armOpts struct {
	Body   any    // the request body, logged on the Start record
	Loc    string // the record's location
	Accept bool   // long-running: a 201 Accepted record between
	Fail   any    // a failure's statusMessage instead of success
	Noisy  bool   // benign: may be logged late or twice, as Azure does
}

// arm writes the Start, Accept and Success (or Failure) records of one ARM
// write sharing a correlation id, and returns when it ended.
func (g *gen) arm(at time.Time, a actor, op, rid string, o armOpts) time.Time {
	corr := guid(g.r)
	props := map[string]any{}
	if o.Body != nil {
		props["requestbody"] = string(marshal(o.Body))
	}
	g.activity(at, g.diag(at, a, op, rid, "Start", "Started", corr, o.Loc, props), o.Noisy)
	end := at.Add(time.Second + g.jitter(3*time.Second))
	if o.Accept && o.Fail == nil {
		g.activity(end, g.diag(end, a, op, rid, "Accept", "Accepted.Created", corr, o.Loc, map[string]any{"statusCode": "Created"}), o.Noisy)
		end = end.Add(20*time.Second + g.jitter(100*time.Second))
	}
	if o.Fail != nil {
		msg := map[string]any{"statusCode": "Conflict", "statusMessage": string(marshal(o.Fail))}
		g.activity(end, g.diag(end, a, op, rid, "Failure", "Failed.Conflict", corr, o.Loc, msg), o.Noisy)
		return end
	}
	g.activity(end, g.diag(end, a, op, rid, "Success", "Succeeded.OK", corr, o.Loc, map[string]any{"statusCode": "OK"}), o.Noisy)
	return end
}

// activity files a subscription record in the blob of its hour; a noisy one
// is now and then filed an hour late or twice.
func (g *gen) activity(at time.Time, line []byte, noisy bool) {
	blob := at
	if noisy && g.r.IntN(300) == 0 {
		blob = at.Add(time.Hour)
	}
	twice := noisy && g.r.IntN(400) == 0
	for _, shape := range g.shapes {
		p, kind := "insights-activity-logs/resourceId=/SUBSCRIPTIONS/"+strings.ToUpper(g.t.Sub)+"/"+hourPath(blob)+"/PT1H.json", kindLines
		out := line
		switch shape {
		case ShapeREST:
			p, kind = "activity-log-rest/"+blob.Format("2006-01-02")+".json", kindValue
		case ShapeLogAnalytics:
			p, kind = "AzureActivity/AzureActivity_"+blob.Format("2006-01-02")+".json", kindArray
		}
		if kind != kindLines {
			var err error
			if out, err = reshape(line, shape); err != nil {
				panic(fmt.Sprintf("simulate: reshape our own record: %v", err)) // a bug in this package, not input
			}
		}
		g.add(p, kind, at, out)
		if twice {
			g.add(p, kind, at, out)
		}
	}
}

// rest writes a tenant-level Activity Log event in the REST shape
// (az rest …/providers/microsoft.insights/eventtypes/management/values).
func (g *gen) rest(at time.Time, a actor, op, scope, status, corr string) {
	g.restRecord(at, a, op, scope, status, corr, restOpts{Method: "POST", Provider: "Microsoft.Authorization", Title: "Microsoft Authorization"})
}

// restOpts are what a tenant-level event says beyond its operation: the
// HTTP method, the resource provider, and properties beyond the usual
// (a request or response body, a status code).
type restOpts struct {
	Method, Provider, Title string
	Props                   map[string]any
}

// restRecord is rest with o's method, provider and properties.
func (g *gen) restRecord(at time.Time, a actor, op, scope, status, corr string, o restOpts) {
	props := map[string]any{"eventCategory": "Administrative", "entity": scope, "message": op, "hierarchy": ""}
	maps.Copy(props, o.Props)
	e := map[string]any{
		"authorization": map[string]any{"action": op, "scope": scope}, "caller": a.UPN, "channels": "Operation",
		"claims": g.claims(a), "correlationId": corr, "description": "",
		"eventDataId": guid(g.r),
		"eventName":   map[string]any{"value": map[bool]string{true: "BeginRequest", false: "EndRequest"}[status == "Started"]},
		"category":    map[string]any{"value": "Administrative", "localizedValue": "Administrative"},
		"httpRequest": map[string]any{"clientRequestId": guid(g.r), "clientIpAddress": a.IP, "method": o.Method},
		"id":          scope + "/events/" + guid(g.r) + "/ticks/" + fmt.Sprint(at.UnixNano()/100+621355968000000000),
		"level":       "Informational", "resourceGroupName": "",
		"resourceProviderName": map[string]any{"value": o.Provider, "localizedValue": o.Title},
		"resourceId":           scope, "operationId": corr,
		"operationName":  map[string]any{"value": op, "localizedValue": op},
		"properties":     props,
		"status":         map[string]any{"value": status, "localizedValue": status},
		"subStatus":      map[string]any{"value": "", "localizedValue": ""},
		"eventTimestamp": stamp(at), "submissionTimestamp": stamp(at.Add(9 * time.Second)), "tenantId": g.t.ID,
	}
	if a.SP {
		e["caller"] = a.OID
	}
	// A day a file, as the REST export of the subscription's log: a
	// service delivers the directory's days as they pass.
	g.add("tenant-activity/directory-activity_"+at.UTC().Format("2006-01-02")+".json", kindValue, at, marshal(e))
}

// vmImage is a marketplace image a VM is made from.
type vmImage struct{ publisher, offer, sku string }

// The images the simulated tenants make VMs from: Ubuntu, whose GPU
// machines need the driver extension, and two that carry the NVIDIA
// driver (azure.compute.gpu_driver_image): NVIDIA's GPU-optimized image
// and Azure's Ubuntu HPC image. On Windows (windows.go), Windows Server's,
// whose GPU machines need the driver extension, and the Windows Data
// Science VM's, which carries the driver.
var (
	ubuntuImage      = vmImage{"Canonical", "ubuntu-24_04-lts", "server"}
	nvidiaImage      = vmImage{"nvidia", "ngc_base_image_version_b", "ngc-base-version-24_03_4_gen2"}
	hpcImage         = vmImage{"microsoft-dsvm", "ubuntu-hpc", "2204"}
	windowsImage     = vmImage{"MicrosoftWindowsServer", "WindowsServer", "2022-datacenter-azure-edition"}
	dsvmWindowsImage = vmImage{"microsoft-dsvm", "dsvm-win-2022", "winserver-2022"}
)

// windows reports whether the image is a Windows one.
func (i vmImage) windows() bool { return i == windowsImage || i == dsvmWindowsImage }

// vmBodyFrom is a VM create request body, of a VM made from img.
func vmBodyFrom(loc, size string, img vmImage) map[string]any {
	os := map[string]any{"adminUsername": "azureuser", "linuxConfiguration": map[string]any{"disablePasswordAuthentication": true}}
	if img.windows() {
		os = map[string]any{"adminUsername": "azureadmin", "windowsConfiguration": map[string]any{"provisionVMAgent": true, "enableAutomaticUpdates": false}}
	}
	return map[string]any{"location": loc, "properties": map[string]any{
		"hardwareProfile": map[string]any{"vmSize": size},
		"storageProfile":  map[string]any{"imageReference": map[string]any{"publisher": img.publisher, "offer": img.offer, "sku": img.sku, "version": "latest"}},
		"osProfile":       os,
	}}
}

// vmssBody is a scale set create request body.
func vmssBody(loc, size string, capacity int, priority string, exts []any) map[string]any {
	return map[string]any{"location": loc, "sku": map[string]any{"name": size, "tier": "Standard", "capacity": capacity},
		"properties": map[string]any{"upgradePolicy": map[string]any{"mode": "Manual"}, "virtualMachineProfile": map[string]any{
			"priority": priority, "extensionProfile": map[string]any{"extensions": exts}}}}
}

// extBody is a VM extension request body.
func extBody(loc, publisher, typ, version string, settings map[string]any) map[string]any {
	return map[string]any{"location": loc, "properties": map[string]any{"publisher": publisher, "type": typ,
		"typeHandlerVersion": version, "autoUpgradeMinorVersion": true, "settings": settings}}
}

// createVM writes a VM create by a and its monitoring agent extension, and
// returns when both were done.
func (g *gen) createVM(at time.Time, a actor, group, name, loc, size string, noisy bool) time.Time {
	return g.createVMFrom(at, a, group, name, loc, size, ubuntuImage, noisy)
}

// createVMFrom is createVM of a VM made from img.
func (g *gen) createVMFrom(at time.Time, a actor, group, name, loc, size string, img vmImage, noisy bool) time.Time {
	rid := g.t.vmID(group, name)
	g.deploys[a.OID] = append(g.deploys[a.OID], at)
	end := g.arm(at, a, "MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE", rid, armOpts{Body: vmBodyFrom(loc, size, img), Loc: loc, Accept: true, Noisy: noisy})
	ext := end.Add(30*time.Second + g.jitter(2*time.Minute))
	return g.arm(ext, a, "MICROSOFT.COMPUTE/VIRTUALMACHINES/EXTENSIONS/WRITE", rid+"/EXTENSIONS/AZUREMONITORLINUXAGENT",
		armOpts{Body: extBody(loc, "Microsoft.Azure.Monitor", "AzureMonitorLinuxAgent", "1.33", nil), Loc: loc, Accept: true, Noisy: noisy})
}

// hpcVM writes a data scientist's GPU VM made from Azure's HPC image,
// which carries the driver: no extension is written.
func (g *gen) hpcVM(at time.Time, a actor, name, size string, noisy bool) time.Time {
	return g.createVMFrom(at, a, "ml-training", name, g.t.DSRegion, size, hpcImage, noisy)
}

// gpuVM writes a data scientist's GPU VM with the NVIDIA driver extension.
func (g *gen) gpuVM(at time.Time, a actor, name, size string, noisy bool) time.Time {
	loc := g.t.DSRegion
	end := g.createVM(at, a, "ml-training", name, loc, size, noisy)
	rid := g.t.rg("ml-training") + "/PROVIDERS/MICROSOFT.COMPUTE/VIRTUALMACHINES/" + strings.ToUpper(name)
	return g.arm(end.Add(time.Minute), a, "MICROSOFT.COMPUTE/VIRTUALMACHINES/EXTENSIONS/WRITE", rid+"/EXTENSIONS/NVIDIAGPUDRIVERLINUX",
		armOpts{Body: extBody(loc, "Microsoft.HpcCompute", "NvidiaGpuDriverLinux", "1.9", nil), Loc: loc, Accept: true, Noisy: noisy})
}

// benignARM writes one hour's ordinary control-plane work.
func (g *gen) benignARM(h time.Time, work bool) {
	t := g.t
	n := g.r.IntN(1 + 3*g.scale)
	if work {
		n += 2 * g.scale
	}
	for range n {
		at := h.Add(g.jitter(time.Hour))
		loc := pick(g.r, t.Regions)
		switch k := g.r.IntN(10); {
		case k < 4: // the pipeline deploys templates
			a := g.pipeline()
			app := pick(g.r, []string{"web", "api", "billing", "search", "portal"})
			rid := t.rg(app+"-prod") + "/PROVIDERS/MICROSOFT.RESOURCES/DEPLOYMENTS/" + strings.ToUpper(fmt.Sprintf("%s-%d", app, g.r.IntN(90000)+10000))
			g.arm(at, a, "MICROSOFT.RESOURCES/DEPLOYMENTS/WRITE", rid, armOpts{Body: map[string]any{"properties": map[string]any{"mode": "Incremental"}}, Accept: true, Noisy: true})
		case k < 6: // storage
			p := t.People[pick(g.r, t.Ops)]
			rid := t.rg("data-"+loc) + "/PROVIDERS/MICROSOFT.STORAGE/STORAGEACCOUNTS/" + strings.ToUpper(fmt.Sprintf("st%s%d", strings.Split(t.Domain, ".")[0], g.r.IntN(40)))
			g.arm(at, g.user(p, t.office(g.r), true), "MICROSOFT.STORAGE/STORAGEACCOUNTS/WRITE", rid, armOpts{Body: map[string]any{"location": loc, "kind": "StorageV2", "sku": map[string]any{"name": "Standard_LRS"}}, Loc: loc, Noisy: true})
		case k < 8: // network
			p := t.People[pick(g.r, t.Ops)]
			// The spoke network and its security group are those whose
			// flows are logged (flows.go).
			res := pick(g.r, []string{"NETWORKSECURITYGROUPS/NSG-SPOKE-", "VIRTUALNETWORKS/VNET-SPOKE-", "PUBLICIPADDRESSES/PIP-GW", "ROUTETABLES/RT-SPOKE"})
			if strings.HasSuffix(res, "-") {
				res += strings.ToUpper(loc)
			}
			g.arm(at, g.user(p, t.office(g.r), true), "MICROSOFT.NETWORK/"+strings.Split(res, "/")[0]+"/WRITE", t.rg("net-"+loc)+"/PROVIDERS/MICROSOFT.NETWORK/"+res, armOpts{Loc: loc, Noisy: true})
		case k < 9: // the monitoring automation tags things
			a := g.spActor(t.Monitor, fmt.Sprintf("52.%d.%d.%d", 100+g.r.IntN(50), g.r.IntN(256), 1+g.r.IntN(250)))
			g.arm(at, a, "MICROSOFT.RESOURCES/TAGS/WRITE", t.rg("web-prod")+"/PROVIDERS/MICROSOFT.RESOURCES/TAGS/DEFAULT", armOpts{Noisy: true})
		default: // a developer's key vault secret
			p := pick(g.r, t.People)
			g.arm(at, g.user(p, t.office(g.r), true), "MICROSOFT.KEYVAULT/VAULTS/WRITE", t.rg("app-secrets")+"/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-"+strings.ToUpper(strings.Split(t.Domain, ".")[0]), armOpts{Loc: loc, Noisy: true})
		}
	}
}
