// Package mamori holds what the module ships beside its code: the versioned
// intel under data/ (VM sizes, Azure Service Tags, mining-pool lists, VM
// prices), each file with its origin and licence in a README.md or a
// "# source:" header, and the built-in Sigma rules under rules/.
package mamori

import (
	"embed"
	"fmt"
	"io"
)

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

// ReadData opens a file of Data (its path under the module, "data/…") and
// parses it, naming the file in a parse error.
func ReadData[T any](name string, parse func(io.Reader) (T, error)) (T, error) {
	f, err := Data.Open(name)
	if err != nil {
		var zero T
		return zero, err
	}
	defer f.Close()
	v, err := parse(f)
	if err != nil {
		return v, fmt.Errorf("%s: %w", name, err)
	}
	return v, nil
}
