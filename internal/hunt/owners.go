package hunt

import "github.com/mamori-sec/mamori/internal/owner"

// sightings counts, from the workers' tenant spans, the records that
// named each tenant per subscription and per folder (owner.Sightings).
func sightings(slots []readSlot) owner.Sightings {
	var s owner.Sightings
	for i := range slots {
		t := &slots[i].tenants
		for k, p := range t.spans {
			if k.sub != "" && k.tenant != "" { // a record that names only its subscription says nothing of its owner
				s.Subscription(k.sub, k.tenant, p[2])
			}
		}
		for k, n := range t.folders {
			s.Folder(k.folder, k.tenant, *n)
		}
	}
	return s
}
