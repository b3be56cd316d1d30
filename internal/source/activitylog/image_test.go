package activitylog

import (
	"strconv"
	"testing"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/record"
)

// A VM's, scale set's or Compute Fleet's write names its marketplace
// image where each keeps its machines' storage profile; the event gives it
// as publisher:offer:sku:version, from whichever body names it. An image
// named by id (a gallery's, a custom one) names no publisher: none.
func TestImages(t *testing.T) {
	t.Parallel()
	const sub = "/subscriptions/7d9e1f20-3b4a-4c6d-9e8f-a1b2c3d4e5f6/resourceGroups/rg/providers/"
	for _, c := range []struct {
		name, id, op, body, resp, want string
	}{
		{"a VM from NVIDIA's image", sub + "Microsoft.Compute/virtualMachines/v1", "Microsoft.Compute/virtualMachines/write",
			`{"properties":{"hardwareProfile":{"vmSize":"Standard_NC24ads_A100_v4"},"storageProfile":{"imageReference":{"publisher":"nvidia","offer":"ngc_base_image_version_b","sku":"ngc-base-version-24_03_4_gen2","version":"latest"}}}}`, "",
			"nvidia:ngc_base_image_version_b:ngc-base-version-24_03_4_gen2:latest"},
		{"a scale set's model, no version", sub + "Microsoft.Compute/virtualMachineScaleSets/s1", "Microsoft.Compute/virtualMachineScaleSets/write",
			`{"sku":{"name":"Standard_ND96asr_v4","capacity":4},"properties":{"virtualMachineProfile":{"storageProfile":{"imageReference":{"publisher":"microsoft-dsvm","offer":"ubuntu-hpc","sku":"2204"}}}}}`, "",
			"microsoft-dsvm:ubuntu-hpc:2204:"},
		{"a fleet's base profile", sub + "Microsoft.AzureFleet/fleets/f1", "Microsoft.AzureFleet/fleets/write",
			`{"properties":{"regularPriorityProfile":{"capacity":8},"vmSizesProfile":[{"name":"Standard_NC24ads_A100_v4"}],"computeProfile":{"baseVirtualMachineProfile":{"storageProfile":{"imageReference":{"publisher":"almalinux","offer":"almalinux-hpc","sku":"8_10-hpc-gen2","version":"8.10.2024101801"}}}}}}`, "",
			"almalinux:almalinux-hpc:8_10-hpc-gen2:8.10.2024101801"},
		{"a gallery image by id: none", sub + "Microsoft.Compute/virtualMachines/v2", "Microsoft.Compute/virtualMachines/write",
			`{"properties":{"hardwareProfile":{"vmSize":"Standard_NC24ads_A100_v4"},"storageProfile":{"imageReference":{"id":"/subscriptions/x/resourceGroups/y/providers/Microsoft.Compute/galleries/g/images/i/versions/1.0.0"}}}}`, "",
			""},
		{"named by the response only (the request left it to a PATCH)", sub + "Microsoft.Compute/virtualMachines/v3", "Microsoft.Compute/virtualMachines/write",
			`{"properties":{"hardwareProfile":{"vmSize":"Standard_NC24ads_A100_v4"}}}`,
			`{"properties":{"storageProfile":{"imageReference":{"publisher":"Canonical","offer":"ubuntu-24_04-lts","sku":"server","version":"latest","exactVersion":"24.04.202410180"}}}}`,
			"Canonical:ubuntu-24_04-lts:server:latest"},
	} {
		props := `"requestbody":` + strconv.Quote(c.body)
		if c.resp != "" {
			props += `,"responseBody":` + strconv.Quote(c.resp)
		}
		rec := `{"time":"2026-03-14T03:09:27Z","resourceId":"` + c.id + `","operationName":"` + c.op + `","category":"Write","resultType":"Start","properties":{` + props + `}}`
		v := fastjson.MustParse(rec)
		shape, _ := Detect(v, record.Hint{Format: "json"})
		evs, err := Decode(&record.Scratch{}, v, shape, nil)
		if err != nil || len(evs) != 1 || evs[0].Compute == nil {
			t.Fatalf("%s: %v, %d events", c.name, err, len(evs))
		}
		if got := evs[0].Compute.Image; got != c.want {
			t.Errorf("%s: image %q, want %q", c.name, got, c.want)
		}
	}
}
