// Package mamori holds what the module ships beside its code: the versioned
// intel under data/ (VM sizes, Azure Service Tags, mining-pool lists, VM
// prices), each file with its origin and licence in a README.md or a
// "# source:" header, and the built-in Sigma rules under rules/.
package mamori

import "embed"

// Data is the data/ folder built into the binary. internal/enrich reads its
// defaults from here; files written by "mamori intel update" into the user's
// data folder take precedence.
//
//go:embed data
var Data embed.FS

// Rules are the built-in Sigma rules. Only the rule files are embedded: the
// scenarios under each area's testdata/ are for tests.
//
//go:embed rules/*/*/*.yml
var Rules embed.FS
