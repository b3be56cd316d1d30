package activitylog

import "strings"

// A machine's image can carry its GPU driver: NVIDIA's own marketplace
// images, Azure's HPC images and the Data Science VM come with the driver
// installed, so a GPU machine made from one mines without the driver
// extension (azure.compute.gpu_driver_extension) ever being written. The
// event names the image as Azure's URN does (publisher:offer:sku:version)
// and the catalogue's rule (azure.compute.gpu_driver_image) lists which
// images carry a driver: a list a user edits, not code.

// Where each compute's write names its machines' marketplace image
// (Compute REST API: VirtualMachine.storageProfile.imageReference, a
// scale set's virtualMachineProfile, a Compute Fleet's
// baseVirtualMachineProfile, azurefleet 2024-11-01).
var (
	vmImagePath    = []string{"properties", "storageProfile", "imageReference"}
	vmssImagePath  = []string{"properties", "virtualMachineProfile", "storageProfile", "imageReference"}
	fleetImagePath = []string{"properties", "computeProfile", "baseVirtualMachineProfile", "storageProfile", "imageReference"}
)

// image is the marketplace image at path in the first body that names one
// ("" for none: a gallery or custom image, named by id alone, says nothing
// of its driver), as publisher:offer:sku:version, as written. The version
// is "latest" unless pinned; a missing sku or version leaves its place
// empty, so the publisher and offer are always the URN's first two.
func image(b *bodies, path []string) string {
	for _, body := range b.list() {
		ref := b.sc.Get(body, path...)
		if ref == nil {
			continue
		}
		publisher := strings.TrimSpace(b.sc.Str(ref, "publisher"))
		offer := strings.TrimSpace(b.sc.Str(ref, "offer"))
		if publisher == "" || offer == "" {
			continue
		}
		return publisher + ":" + offer + ":" + strings.TrimSpace(b.sc.Str(ref, "sku")) + ":" + strings.TrimSpace(b.sc.Str(ref, "version"))
	}
	return ""
}
