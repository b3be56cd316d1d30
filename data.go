// Package mamori holds what the module ships beside its code: the versioned
// intel under data/ (VM sizes, Azure Service Tags, mining-pool lists), each
// file with its origin and licence in a README.md or a "# source:" header.
package mamori

import "embed"

// Data is the data/ folder built into the binary. internal/enrich reads its
// defaults from here; files written by "mamori intel update" into the user's
// data folder take precedence.
//
//go:embed data
var Data embed.FS
