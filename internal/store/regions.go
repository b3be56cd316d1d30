package store

// regionsTable is schema version 5's addition: where the Batch accounts
// (and AKS and Service Fabric clusters) the hunts have seen are. A pool's
// records name no region in a REST or Log Analytics export, only its
// account's write does, and a pool may be created cycles (or `serve
// --once` runs) after its account: the region is kept here so that each
// hunt knows what earlier ones learned. Schema 15 adds seen, the wall time
// of the last cycle that learned the region or asked for it (learned.go).
const regionsTable = `
CREATE TABLE IF NOT EXISTS regions (
	resource TEXT PRIMARY KEY,
	region   TEXT NOT NULL,
	seen     INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
`

// regionsSeen is schema version 15's column of regions, added to the
// table an older mamori made (addColumn); the upgrade stamps its rows
// with the upgrade's time.
const regionsSeen = "seen INTEGER NOT NULL DEFAULT 0"
