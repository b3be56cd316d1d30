//go:build !linux

package source

import (
	"errors"
	"os"
)

// mapFile is not used off Linux: files are read with read(2).
func mapFile(*os.File, int64) ([]byte, error) { return nil, errors.ErrUnsupported }

func dropPages([]byte) {}

func unmapFile([]byte) {}
