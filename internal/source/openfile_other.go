//go:build !unix

package source

import "os"

// openFile opens a file to read (openfile_unix.go says why Unix differs).
func openFile(path string) (*os.File, error) { return os.Open(path) }
