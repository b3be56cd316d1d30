package store

import "context"

// regionsTable is schema version 5's addition: where the Batch accounts
// the hunts have seen are. A pool's records name no region in a REST or
// Log Analytics export, only its account's write does, and a pool may be
// created cycles (or `serve --once` runs) after its account: the region
// is kept here so that each hunt knows what earlier ones learned.
const regionsTable = `
CREATE TABLE IF NOT EXISTS regions (
	resource TEXT PRIMARY KEY,
	region   TEXT NOT NULL
) WITHOUT ROWID;
`

// regions keeps resource ids (lower case) to their regions.
var regions = pairs{table: "regions", key: "resource", value: "region"}

// Regions returns the regions of the resources earlier cycles learned
// (the Batch accounts' ids, lower case, to their regions).
func (s *Store) Regions(ctx context.Context) (map[string]string, error) { return regions.all(ctx, s) }
