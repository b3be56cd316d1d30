package store

import "context"

// namesTable is schema version 6's addition: the names hunts learned for
// principals the Activity Log names by object id (hunt.Result.Names:
// service principals' display names, users' UPNs). The records that name
// them (sign-ins, Entra's audit log, a user's own writes) may come cycles
// before the alerts that need them.
const namesTable = `
CREATE TABLE IF NOT EXISTS principal_names (
	id   TEXT PRIMARY KEY,
	name TEXT NOT NULL
) WITHOUT ROWID;
`

// names keeps object ids (lower case) to names; a cycle that learns
// another name for an id replaces it (a renamed service principal: the
// latest hunt read the newer records).
var names = pairs{table: "principal_names", key: "id", value: "name"}

// PrincipalNames returns the names earlier cycles learned, by object id in
// lower case (hunt.Config.Names).
func (s *Store) PrincipalNames(ctx context.Context) (map[string]string, error) {
	return names.all(ctx, s)
}
