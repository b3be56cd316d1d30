package source

import (
	"io"
	"os"
)

// FileSection is the input of bytes [from, to) of a plain JSON lines file
// whose first line there is numbered line: what was appended to a file
// since it was last read (Azure appends to an hour's blob while the hour
// is open). Errors name the file's own line numbers and offsets.
func FileSection(path string, from, to int64, line int) Input {
	return Input{Name: path, Size: to - from, from: from, line: line, open: func() (io.ReadCloser, error) {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		if _, err := f.Seek(from, io.SeekStart); err != nil {
			f.Close()
			return nil, err
		}
		return struct {
			io.Reader
			io.Closer
		}{io.LimitReader(f, to-from), f}, nil
	}}
}
