package coverage

// Unsized is what a hunt could not judge of the compute it read: compute
// creates none of whose records named what was created. Records without
// request or response bodies (the portal's CSV download, an export that
// dropped them) still say that a VM or a pool was written, by whom and
// where, but not its size, count or GPUs: the rules on GPUs, sizes and
// costs pass over them in silence, and no alert there is not evidence of
// CPU machines.
type Unsized struct {
	// Creates are the compute create or update operations read (one per
	// correlation id: its Start, Accept and Success records are one);
	// Unsized those of them none of whose records named a size or carried
	// a body (event.Compute.NoBody): a body that names none is all there
	// is to know, and no other export would say more.
	Creates, Unsized int64
	// Jobs are those of Unsized that are Azure ML jobs' writes: without
	// a body, a job may run on a cluster of its workspace, whose machines
	// were counted when it was written, as well as on machines of its own.
	Jobs int64
	// Capped is true when there were more operations than a hunt tracks
	// (a bounded number per worker): the counts are of those tracked.
	Capped bool
}

// UnsizedExport is the export that names compute sizes.
const UnsizedExport = "the Activity Log with its request and response bodies: a subscription diagnostic setting, az monitor activity-log list, or Log Analytics' AzureActivity (not the portal's CSV download)"
