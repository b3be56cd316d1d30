package activitylog

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// Identities of the synthetic fixtures (testdata/*.json).
const (
	tenant    = "72f9acbf-0000-4c1e-9e5a-0a1b2c3d4e5f"
	sub       = "5c3f0e2a-8d1b-4b7e-9f60-1a2b3c4d5e6f"
	newTenant = "0badf00d-1234-4abc-8def-00000000cafe"
	rg        = "/subscriptions/" + sub + "/resourcegroups/rg-miner/providers/"
	azureCLI  = "c44b4083-3bb0-49c1-b47d-974e53cbdf3c" // the app id in the fixtures' claims
)

var (
	jsonHint = record.Hint{Format: "json"}
	csvHint  = record.Hint{Format: "csv", Table: "AzureActivity"}

	// mallory is the user most fixtures act as, as the claims describe her.
	mallory = event.Principal{
		ID: "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", UPN: "mallory@contoso.example",
		Name: "Mallory Example", Type: "User", AppID: azureCLI,
	}
	attacker = netip.MustParseAddr("203.0.113.7")
)

// at parses a fixture timestamp.
func at(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// decodeFile detects and decodes one fixture, failing on any error.
func decodeFile(t *testing.T, name string, h record.Hint) event.Event {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var p fastjson.Parser
	v, err := p.ParseBytes(data)
	if err != nil {
		t.Fatal(err)
	}
	shape, ok := Detect(v, h)
	if !ok {
		t.Fatalf("%s: not detected", name)
	}
	var sc record.Scratch
	evs, err := Decode(&sc, v, shape, nil)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(evs) != 1 {
		t.Fatalf("%s: %d events, want 1", name, len(evs))
	}
	return evs[0]
}

// diff lists the fields where got differs from want (Raw, Loc and Enrich,
// which decoders do not set, are ignored).
func diff(got, want event.Event) []string {
	got.Raw, want.Raw = nil, nil
	var out []string
	gv, wv := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := range gv.NumField() {
		name := gv.Type().Field(i).Name
		if name == "Loc" || name == "Enrich" {
			continue
		}
		g, w := gv.Field(i).Interface(), wv.Field(i).Interface()
		if !reflect.DeepEqual(g, w) {
			out = append(out, fmt.Sprintf("%s:\n\tgot  %s\n\twant %s", name, show(g), show(w)))
		}
	}
	return out
}

// show prints a field, following pointers so extras are readable.
func show(x any) string {
	v := reflect.ValueOf(x)
	if v.Kind() == reflect.Pointer && !v.IsNil() {
		return fmt.Sprintf("&%+v", v.Elem().Interface())
	}
	return fmt.Sprintf("%+v", x)
}

func TestDecodeFixtures(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		file string
		hint record.Hint
		want func(t *testing.T) event.Event
	}{
		{
			"diagnostic VMSS write with capacity 40 of NC24s_v3 Spot yields a compute create and its GPU driver",
			"diag_vmss_write_spot_gpu.json", jsonHint,
			func(t *testing.T) event.Event {
				return event.Event{
					Time: at(t, "2024-03-05T10:15:30.1234567Z"), Kind: event.KindActivity, Shape: shapeDiag,
					Tenant: tenant, Subscription: sub, Operation: "microsoft.compute/virtualmachinescalesets/write",
					Category: "Administrative", Outcome: event.OutcomeSucceeded, Status: "Success", SubStatus: "Succeeded.Created",
					CorrelationID: "9d1c7e55-1111-4a2b-8c3d-000000000001", Principal: mallory, SourceIP: attacker, Region: "eastus",
					ResourceID:   rg + "microsoft.compute/virtualmachinescalesets/gpu-pool",
					ResourceType: "microsoft.compute/virtualmachinescalesets",
					Compute:      &event.Compute{Service: "vmss", Size: "Standard_NC24s_v3", Count: 40, LowPri: 40, Priority: "Spot"},
					Extension:    &event.Extension{Publisher: "Microsoft.HpcCompute", Type: "NvidiaGpuDriverLinux", Name: "gpu"},
				}
			},
		},
		{
			"diagnostic VM write Start reads the size and region from a request body object and the caller from unique_name",
			"diag_vm_write_start_request_object.json", jsonHint,
			func(t *testing.T) event.Event {
				p := mallory
				p.Name = ""
				return event.Event{
					Time: at(t, "2024-03-05T10:14:02Z"), Kind: event.KindActivity, Shape: shapeDiag,
					Tenant: tenant, Subscription: sub, Operation: "microsoft.compute/virtualmachines/write",
					Category: "Administrative", Outcome: event.OutcomeStarted, Status: "Start", SubStatus: "Started.",
					CorrelationID: "9d1c7e55-1111-4a2b-8c3d-000000000002", Principal: p, SourceIP: attacker, Region: "westeurope",
					ResourceID:   rg + "microsoft.compute/virtualmachines/miner-01",
					ResourceType: "microsoft.compute/virtualmachines",
					Compute:      &event.Compute{Service: "vm", Size: "Standard_NC6s_v3", Count: 1, Priority: "Regular", Image: "Canonical:0001-com-ubuntu-server-jammy:22_04-lts:"},
				}
			},
		},
		{
			"diagnostic VM write Failure on the NCSv3 family quota yields an exceeded quota from the nested status message",
			"diag_vm_write_quota_failure.json", jsonHint,
			func(t *testing.T) event.Event {
				return event.Event{
					Time: at(t, "2024-03-05T10:16:45.5Z"), Kind: event.KindActivity, Shape: shapeDiag,
					Tenant: tenant, Subscription: sub, Operation: "microsoft.compute/virtualmachines/write",
					Category: "Administrative", Outcome: event.OutcomeFailed, Status: "Failure", SubStatus: "Failed.",
					StatusMessage: "ResourceOperationFailure: The resource operation completed with terminal provisioning state 'Failed'. | " +
						"QuotaExceeded: Operation could not be completed as it results in exceeding approved standardNCSv3Family Cores quota. " +
						"Additional details - Deployment Model: Resource Manager, Location: eastus, Current Limit: 0, Current Usage: 0, " +
						"Additional Required: 24, (Minimum) New Limit Required: 24. Submit a request for Quota increase at " +
						"https://aka.ms/ProdportalCRP/#blade/Microsoft_Azure_Capacity/UsageAndQuota.ReactView by specifying parameters " +
						"listed in the ‘Details’ section for deployment to succeed.",
					CorrelationID: "9d1c7e55-1111-4a2b-8c3d-000000000003", Principal: mallory, SourceIP: attacker, Region: "eastus",
					ResourceID:   rg + "microsoft.compute/virtualmachines/miner-01",
					ResourceType: "microsoft.compute/virtualmachines",
					Compute:      &event.Compute{Service: "vm", Count: 1, NoBody: true},
					Quota: &event.Quota{Family: "standardNCSv3Family", Region: "eastus", Limit: 24, Required: 24,
						Exceeded: true, Source: "statusmessage"},
				}
			},
		},
		{
			"diagnostic VM extension write without a body names the NVIDIA driver from the resource id",
			"diag_vm_extension_gpu_nobody.json", jsonHint,
			func(t *testing.T) event.Event {
				return event.Event{
					Time: at(t, "2024-03-05T10:20:00Z"), Kind: event.KindActivity, Shape: shapeDiag,
					Tenant: tenant, Subscription: sub, Operation: "microsoft.compute/virtualmachines/extensions/write",
					Category: "Administrative", Outcome: event.OutcomeAccepted, Status: "Accept", SubStatus: "Accepted.Created",
					CorrelationID: "9d1c7e55-1111-4a2b-8c3d-000000000004", Principal: mallory,
					SourceIP: netip.MustParseAddr("2001:db8::7"), Region: "eastus",
					ResourceID:   rg + "microsoft.compute/virtualmachines/miner-01/extensions/nvidiagpudriverlinux",
					ResourceType: "microsoft.compute/virtualmachines/extensions",
					Extension:    &event.Extension{Publisher: "Microsoft.HpcCompute", Type: "NvidiaGpuDriverLinux", Name: "NVIDIAGPUDRIVERLINUX"},
				}
			},
		},
		{
			"tenant-level elevate access has no subscription and takes the tenant from the claims",
			"diag_elevate_access_tenant.json", jsonHint,
			func(t *testing.T) event.Event {
				return event.Event{
					Time: at(t, "2024-03-04T22:01:12Z"), Kind: event.KindActivity, Shape: shapeDiag,
					Tenant: tenant, Operation: "microsoft.authorization/elevateaccess/action",
					Category: "Administrative", Outcome: event.OutcomeSucceeded, Status: "Success", SubStatus: "Succeeded.OK",
					CorrelationID: "9d1c7e55-1111-4a2b-8c3d-000000000005",
					Principal: event.Principal{ID: "11111111-aaaa-4bbb-8ccc-222222222222", UPN: "admin@contoso.example",
						Name: "Global Admin", Type: "User", AppID: azureCLI},
					SourceIP: netip.MustParseAddr("198.51.100.23"), Region: "global",
					ResourceID: "/providers/microsoft.authorization", ResourceType: "microsoft.authorization",
				}
			},
		},
		{
			"compact diagnostic VM write Success reads a D8s_v5 from the response body string",
			"diag_vm_write_compact.json", jsonHint,
			func(t *testing.T) event.Event {
				return event.Event{
					Time: at(t, "2024-03-07T14:23:51.9912345Z"), Kind: event.KindActivity, Shape: shapeDiag,
					Tenant: tenant, Subscription: sub, Operation: "microsoft.compute/virtualmachines/write",
					Category: "Administrative", Outcome: event.OutcomeSucceeded, Status: "Success", SubStatus: "Succeeded.OK",
					CorrelationID: "3e2d1c0b-aaaa-4bbb-8ccc-0123456789ab",
					Principal: event.Principal{ID: mallory.ID, UPN: "builder@contoso.example", Name: "Build Pipeline Operator",
						Type: "User", AppID: azureCLI},
					SourceIP: netip.MustParseAddr("198.51.100.77"), Region: "eastus2",
					ResourceID:   rg + "microsoft.compute/virtualmachines/build-agent-07",
					ResourceType: "microsoft.compute/virtualmachines",
					Compute:      &event.Compute{Service: "vm", Size: "Standard_D8s_v5", Count: 1},
				}
			},
		},
		{
			"REST scale-set extension write by a managed identity reads the AMD driver from a request body string",
			"rest_vmss_extension_amd_request.json", jsonHint,
			func(t *testing.T) event.Event {
				return event.Event{
					Time: at(t, "2024-03-05T11:00:00Z"), Kind: event.KindActivity, Shape: shapeREST,
					ID: "e0000000-0000-4000-8000-000000000006", Tenant: tenant, Subscription: sub,
					Operation: "microsoft.compute/virtualmachinescalesets/extensions/write",
					Category:  "Administrative", Outcome: event.OutcomeStarted, Status: "Started",
					CorrelationID: "c0000000-0000-4000-8000-000000000006",
					Principal: event.Principal{ID: "33333333-4444-4555-8666-777777777777", Type: "ManagedIdentity",
						AppID: "44444444-5555-4666-8777-888888888888"},
					SourceIP:     attacker,
					ResourceID:   rg + "microsoft.compute/virtualmachinescalesets/gpu-pool/extensions/amd",
					ResourceType: "microsoft.compute/virtualmachinescalesets/extensions",
					Extension:    &event.Extension{Publisher: "Microsoft.HpcCompute", Type: "AmdGpuDriverWindows", Name: "amd"},
				}
			},
		},
		{
			"REST role assignment by a service principal grants Owner at the subscription",
			"rest_role_assignment_owner.json", jsonHint,
			func(t *testing.T) event.Event {
				return event.Event{
					Time: at(t, "2024-03-05T11:00:00Z"), Kind: event.KindActivity, Shape: shapeREST,
					ID: "e0000000-0000-4000-8000-000000000007", Tenant: tenant, Subscription: sub,
					Operation: "microsoft.authorization/roleassignments/write",
					Category:  "Administrative", Outcome: event.OutcomeStarted, Status: "Started",
					CorrelationID: "c0000000-0000-4000-8000-000000000007",
					Principal: event.Principal{ID: "55555555-6666-4777-8888-999999999999", Type: "ServicePrincipal",
						AppID: "66666666-7777-4888-9999-aaaaaaaaaaaa"},
					SourceIP:     attacker,
					ResourceID:   "/subscriptions/" + sub + "/providers/microsoft.authorization/roleassignments/7e6d5c4b-3a29-4180-9f7e-6d5c4b3a2918",
					ResourceType: "microsoft.authorization/roleassignments",
					Role: &event.RoleAssignment{RoleDefinitionID: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", RoleName: "Owner",
						PrincipalID: "88888888-9999-4aaa-8bbb-cccccccccccc", PrincipalType: "User", Scope: "/subscriptions/" + sub},
				}
			},
		},
		{
			"REST public IP write learns the allocated address as a /32",
			"rest_public_ip_write.json", jsonHint,
			func(t *testing.T) event.Event {
				return event.Event{
					Time: at(t, "2024-03-05T11:00:00Z"), Kind: event.KindActivity, Shape: shapeREST,
					ID: "e0000000-0000-4000-8000-000000000008", Tenant: tenant, Subscription: sub,
					Operation: "microsoft.network/publicipaddresses/write", Category: "Administrative",
					Outcome: event.OutcomeSucceeded, Status: "Succeeded", SubStatus: "OK",
					CorrelationID: "c0000000-0000-4000-8000-000000000008", Principal: mallory, SourceIP: attacker, Region: "eastus",
					ResourceID:   rg + "microsoft.network/publicipaddresses/miner-01-ip",
					ResourceType: "microsoft.network/publicipaddresses",
					PublicAddrs:  []netip.Prefix{netip.MustParsePrefix("20.119.8.33/32")},
				}
			},
		},
		{
			"REST public IP prefix write learns the prefix from a response body object",
			"rest_public_prefix_write.json", jsonHint,
			func(t *testing.T) event.Event {
				return event.Event{
					Time: at(t, "2024-03-05T11:00:00Z"), Kind: event.KindActivity, Shape: shapeREST,
					ID: "e0000000-0000-4000-8000-000000000009", Tenant: tenant, Subscription: sub,
					Operation: "microsoft.network/publicipprefixes/write", Category: "Administrative",
					Outcome: event.OutcomeSucceeded, Status: "Succeeded", SubStatus: "Created",
					CorrelationID: "c0000000-0000-4000-8000-000000000009", Principal: mallory, SourceIP: attacker, Region: "westus2",
					ResourceID:   rg + "microsoft.network/publicipprefixes/egress",
					ResourceType: "microsoft.network/publicipprefixes",
					PublicAddrs:  []netip.Prefix{netip.MustParsePrefix("20.99.40.16/28")},
				}
			},
		},
		{
			"REST Microsoft.Quota request raises the NCASv3_T4 family to 96 in eastus",
			"rest_quota_request.json", jsonHint,
			func(t *testing.T) event.Event {
				return event.Event{
					Time: at(t, "2024-03-05T11:00:00Z"), Kind: event.KindActivity, Shape: shapeREST,
					ID: "e0000000-0000-4000-8000-00000000000a", Tenant: tenant, Subscription: sub,
					Operation: "microsoft.quota/quotas/write", Category: "Administrative",
					Outcome: event.OutcomeAccepted, Status: "Accepted", SubStatus: "Accepted",
					CorrelationID: "c0000000-0000-4000-8000-00000000000a", Principal: mallory, SourceIP: attacker,
					ResourceID:   "/subscriptions/" + sub + "/providers/microsoft.compute/locations/eastus/providers/microsoft.quota/quotas/standardncasv3_t4family",
					ResourceType: "microsoft.quota/quotas",
					Quota:        &event.Quota{Family: "standardNCASv3_T4Family", Region: "eastus", Limit: 96, Source: "quota"},
				}
			},
		},
		{
			"REST Microsoft.Capacity service limit raises the NDS family to 200 in westus2",
			"rest_capacity_service_limit.json", jsonHint,
			func(t *testing.T) event.Event {
				return event.Event{
					Time: at(t, "2024-03-05T11:00:00Z"), Kind: event.KindActivity, Shape: shapeREST,
					ID: "e0000000-0000-4000-8000-00000000000b", Tenant: tenant, Subscription: sub,
					Operation: "microsoft.capacity/resourceproviders/locations/servicelimits/write", Category: "Administrative",
					Outcome: event.OutcomeSucceeded, Status: "Succeeded", SubStatus: "Created",
					CorrelationID: "c0000000-0000-4000-8000-00000000000b", Principal: mallory, SourceIP: attacker,
					ResourceID:   "/subscriptions/" + sub + "/providers/microsoft.capacity/resourceproviders/microsoft.compute/locations/westus2/servicelimits/standardndsfamily",
					ResourceType: "microsoft.capacity/resourceproviders/locations/servicelimits",
					Quota:        &event.Quota{Family: "standardNDSFamily", Region: "westus2", Limit: 200, Source: "capacity"},
				}
			},
		},
		{
			"REST quota support ticket by a guest reads the payload string and the guest's home tenant",
			"rest_support_quota_ticket.json", jsonHint,
			func(t *testing.T) event.Event {
				return event.Event{
					Time: at(t, "2024-03-05T11:00:00Z"), Kind: event.KindActivity, Shape: shapeREST,
					ID: "e0000000-0000-4000-8000-00000000000c", Tenant: tenant, Subscription: sub,
					Operation: "microsoft.support/supporttickets/write", Category: "Administrative",
					Outcome: event.OutcomeSucceeded, Status: "Succeeded", SubStatus: "Created",
					CorrelationID: "c0000000-0000-4000-8000-00000000000c",
					Principal: event.Principal{ID: "99999999-aaaa-4bbb-8ccc-dddddddddddd", UPN: "eve_attacker.example#EXT#@contoso.example",
						Name: "Eve", Type: "User", AppID: azureCLI, TenantID: "deadbeef-0000-4000-8000-00000000beef"},
					SourceIP:     attacker,
					ResourceID:   "/subscriptions/" + sub + "/providers/microsoft.support/supporttickets/quota-nc-eastus",
					ResourceType: "microsoft.support/supporttickets",
					Quota:        &event.Quota{Family: "NCSv3 Series", Region: "eastus", Limit: 480, Source: "support"},
				}
			},
		},
		{
			"REST updateTenant moves the subscription to the tenant its message names",
			"rest_subscription_update_tenant.json", jsonHint,
			func(t *testing.T) event.Event {
				return event.Event{
					Time: at(t, "2024-03-05T11:00:00Z"), Kind: event.KindActivity, Shape: shapeREST,
					ID: "e0000000-0000-4000-8000-00000000000d", Tenant: tenant, Subscription: sub,
					Operation: "microsoft.subscription/updatetenant/action", Category: "Security",
					Outcome: event.OutcomeSucceeded, Status: "Succeeded",
					CorrelationID: "c0000000-0000-4000-8000-00000000000d", Principal: mallory, SourceIP: attacker,
					ResourceID: "/subscriptions/" + sub, ResourceType: "microsoft.resources/subscriptions",
					TenantChange: &event.TenantChange{From: tenant, To: newTenant},
				}
			},
		},
		{
			"REST changeTenantRequest names the destination tenant in its body",
			"rest_change_tenant_request.json", jsonHint,
			func(t *testing.T) event.Event {
				return event.Event{
					Time: at(t, "2024-03-05T11:00:00Z"), Kind: event.KindActivity, Shape: shapeREST,
					ID: "e0000000-0000-4000-8000-00000000000e", Tenant: tenant, Subscription: sub,
					Operation: "microsoft.subscription/changetenantrequest/write", Category: "Administrative",
					Outcome: event.OutcomeSucceeded, Status: "Succeeded", SubStatus: "OK",
					CorrelationID: "c0000000-0000-4000-8000-00000000000e", Principal: mallory, SourceIP: attacker,
					ResourceID:   "/subscriptions/" + sub + "/providers/microsoft.subscription/changetenantrequest/default",
					ResourceType: "microsoft.subscription/changetenantrequest",
					TenantChange: &event.TenantChange{From: tenant, To: newTenant},
				}
			},
		},
		{
			"REST VMSS write failed on low-priority cores reads the status message object, without a caller",
			"rest_vmss_lowpriority_quota_failure.json", jsonHint,
			func(t *testing.T) event.Event {
				return event.Event{
					Time: at(t, "2024-03-05T11:00:00Z"), Kind: event.KindActivity, Shape: shapeREST,
					ID: "e0000000-0000-4000-8000-00000000000f", Tenant: tenant, Subscription: sub,
					Operation: "microsoft.compute/virtualmachinescalesets/write", Category: "Administrative",
					Outcome: event.OutcomeFailed, Status: "Failed", SubStatus: "Conflict",
					StatusMessage: "OperationNotAllowed: Operation could not be completed as it results in exceeding approved " +
						"LowPriorityCores quota. Additional details - Deployment Model: Resource Manager, Location: westus2, " +
						"Current Limit: 3, Current Usage: 0, Additional Required: 6, (Minimum) New Limit Required: 6.",
					CorrelationID: "c0000000-0000-4000-8000-00000000000f", Principal: mallory, SourceIP: attacker, Region: "westus2",
					ResourceID:   rg + "microsoft.compute/virtualmachinescalesets/gpu-pool",
					ResourceType: "microsoft.compute/virtualmachinescalesets",
					Compute:      &event.Compute{Service: "vmss", Size: "Standard_NC6s_v3", Count: 1, LowPri: 1, Priority: "Spot"},
					Quota: &event.Quota{Family: "lowPriorityCores", Region: "westus2", Limit: 6, Current: 3, Required: 6,
						Exceeded: true, Source: "statusmessage"},
				}
			},
		},
		{
			"Log Analytics JSON row of an Azure ML cluster counts its maximum nodes and ignores the workspace TenantId",
			"la_json_aml_cluster.json", jsonHint,
			func(t *testing.T) event.Event {
				return event.Event{
					Time: at(t, "2024-03-06T08:00:00.5Z"), Kind: event.KindActivity, Shape: shapeLA,
					ID: "e0000000-0000-4000-8000-000000000010", Tenant: tenant, Subscription: sub,
					Operation: "microsoft.machinelearningservices/workspaces/computes/write", Category: "Administrative",
					Outcome: event.OutcomeStarted, Status: "Start", SubStatus: "Created",
					CorrelationID: "9d1c7e55-1111-4a2b-8c3d-000000000010", Principal: mallory, SourceIP: attacker, Region: "southcentralus",
					ResourceID:   rg + "microsoft.machinelearningservices/workspaces/ws1/computes/gpu-cluster",
					ResourceType: "microsoft.machinelearningservices/workspaces/computes",
					Compute:      &event.Compute{Service: "aml", Size: "STANDARD_NC6", Count: 8, LowPri: 8, Priority: "LowPriority"},
				}
			},
		},
		{
			"az CLI query row with JSON-string columns and no Type is a fixed-scale Batch pool of 10 dedicated and 20 low-priority nodes",
			"la_az_batch_pool.json", jsonHint,
			func(t *testing.T) event.Event {
				return event.Event{
					Time: at(t, "2024-03-06T09:30:00Z"), Kind: event.KindActivity, Shape: shapeLA,
					ID: "e0000000-0000-4000-8000-000000000011", Tenant: tenant, Subscription: sub,
					Operation: "microsoft.batch/batchaccounts/pools/write", Category: "Administrative",
					Outcome: event.OutcomeSucceeded, Status: "Success", SubStatus: "Created",
					CorrelationID: "9d1c7e55-1111-4a2b-8c3d-000000000011",
					Principal:     event.Principal{ID: mallory.ID, UPN: "ops@contoso.example", Name: "Ops", Type: "User", AppID: azureCLI},
					SourceIP:      netip.MustParseAddr("198.51.100.40"), Region: "eastus",
					ResourceID:   rg + "microsoft.batch/batchaccounts/acct1/pools/pool1",
					ResourceType: "microsoft.batch/batchaccounts/pools",
					Compute:      &event.Compute{Service: "batch", Size: "STANDARD_ND40RS_V2", Count: 30, LowPri: 20},
				}
			},
		},
		{
			"CSV row of strings sums the GPU and CPU requests of a container group's containers",
			"la_csv_aci_gpu.json", csvHint,
			func(t *testing.T) event.Event {
				return event.Event{
					Time: at(t, "2024-03-06T10:00:00.25Z"), Kind: event.KindActivity, Shape: shapeLA,
					ID: "e0000000-0000-4000-8000-000000000012", Tenant: tenant, Subscription: sub,
					Operation: "microsoft.containerinstance/containergroups/write", Category: "Administrative",
					Outcome: event.OutcomeStarted, Status: "Start", SubStatus: "Created",
					CorrelationID: "9d1c7e55-1111-4a2b-8c3d-000000000012", Principal: mallory,
					SourceIP: netip.MustParseAddr("203.0.113.99"), Region: "eastus",
					ResourceID:   rg + "microsoft.containerinstance/containergroups/cg1",
					ResourceType: "microsoft.containerinstance/containergroups",
					Compute:      &event.Compute{Service: "aci", Count: 1, GPUs: 3, GPUSKU: "V100", CPUs: 6.5, Priority: "Regular"},
				}
			},
		},
		{
			"CSV row without a Caller column derives the principal from the claims and reads the old core quota message",
			"la_csv_core_quota_failure.json", csvHint,
			func(t *testing.T) event.Event {
				return event.Event{
					Time: at(t, "2024-03-06T11:00:00Z"), Kind: event.KindActivity, Shape: shapeLA,
					ID: "e0000000-0000-4000-8000-000000000013", Tenant: tenant, Subscription: sub,
					Operation: "microsoft.compute/virtualmachines/write", Category: "Administrative",
					Outcome: event.OutcomeFailed, Status: "Failure", SubStatus: "Conflict",
					StatusMessage: "OperationNotAllowed: Operation results in exceeding quota limits of Core. " +
						"Maximum allowed: 4, Current in use: 4, Additional requested: 2.",
					CorrelationID: "9d1c7e55-1111-4a2b-8c3d-000000000013", Principal: mallory, SourceIP: attacker,
					ResourceID:   rg + "microsoft.compute/virtualmachines/miner-02",
					ResourceType: "microsoft.compute/virtualmachines",
					Compute:      &event.Compute{Service: "vm", Count: 1, NoBody: true},
					Quota: &event.Quota{Family: "cores", Limit: 6, Current: 4, Usage: 4, Required: 2,
						Exceeded: true, Source: "statusmessage"},
				}
			},
		},
		{
			"Log Analytics deployment failure on Total Regional Cores reads the quota from Properties",
			"la_json_regional_quota_failure.json", jsonHint,
			func(t *testing.T) event.Event {
				return event.Event{
					Time: at(t, "2024-03-06T12:00:00Z"), Kind: event.KindActivity, Shape: shapeLA,
					Tenant: tenant, Subscription: sub,
					Operation: "microsoft.resources/deployments/write", Category: "Administrative",
					Outcome: event.OutcomeFailed, Status: "Failed", SubStatus: "BadRequest",
					StatusMessage: "DeploymentFailed: At least one resource deployment operation failed. | QuotaExceeded: " +
						"Operation could not be completed as it results in exceeding approved Total Regional Cores quota. " +
						"Additional details - Deployment Model: Resource Manager, Location: uksouth, Current Limit: 100, " +
						"Current Usage: 100, Additional Required: 64, (Minimum) New Limit Required: 164.",
					Principal: mallory, SourceIP: attacker,
					ResourceID:   rg + "microsoft.resources/deployments/miners",
					ResourceType: "microsoft.resources/deployments",
					Quota: &event.Quota{Family: "cores", Region: "uksouth", Limit: 164, Current: 100, Usage: 100, Required: 64,
						Exceeded: true, Source: "statusmessage"},
				}
			},
		},
	}
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{}
	for _, c := range cases {
		covered[c.file] = true
	}
	for _, f := range files {
		if !covered[filepath.Base(f)] {
			t.Errorf("fixture %s has no test case", f)
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got := decodeFile(t, c.file, c.hint)
			for _, d := range diff(got, c.want(t)) {
				t.Error(d)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, shape, record, want string
	}{
		{"diagnostic record without a time", shapeDiag, `{"category":"Write","operationName":"x"}`, "no event time"},
		{"REST event with an unreadable timestamp quotes it", shapeREST, `{"eventTimestamp":"yesterday","caller":"a"}`, `no event time: "yesterday"`},
		{"Log Analytics row falls back to EventSubmissionTimestamp only when it is usable", shapeLA, `{"TimeGenerated":"","EventSubmissionTimestamp":"soon"}`, `no event time: "soon"`},
		{"unknown shape", "activity.other", `{"time":"2024-01-01T00:00:00Z"}`, `unknown activity shape "activity.other"`},
		{"record that is not an object", shapeDiag, `[1,2]`, "record is not an object"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			v := fastjson.MustParse(c.record)
			var sc record.Scratch
			evs, err := Decode(&sc, v, c.shape, nil)
			if err == nil || err.Error() != c.want {
				t.Fatalf("error %v, want %q", err, c.want)
			}
			if len(evs) != 0 {
				t.Fatalf("%d events with an error", len(evs))
			}
		})
	}
}

// TestComputeCreatesAreTheEventModels: the operations this reader gives
// a Compute are those the event model says create compute (incidents
// place an alert of others' rules by them), and no other it knows.
func TestComputeCreatesAreTheEventModels(t *testing.T) {
	t.Parallel()
	for _, op := range []string{opVM, opVMSS, opAML, opAMLDeploy, opAMLJob, opBatch, opACI, opAKS, opAKSPool, opACA, opAppService, opSFNodeType, opACAApp, opACAJob, opHDInsight, opSynapse, opARO, opAutoscale} {
		if !event.CreatesCompute(op) {
			t.Errorf("%s: the reader gives it a Compute, event.CreatesCompute says it creates none", op)
		}
	}
	for _, op := range []string{opBatchAccount, opSFCluster, opVMExt, opVMSSExt, opQuota, opServiceLimit, opSupport, opRole, opUpdateTenant, opChangeTenant, opPublicIP, opPublicPrefix} {
		if event.CreatesCompute(op) {
			t.Errorf("%s: event.CreatesCompute says it creates compute", op)
		}
	}
}
