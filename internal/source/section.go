package source

import (
	"io"
)

// LinesSection is FileSection for a file known to be JSON lines: what was
// appended to it since it was last read (Azure appends to an hour's blob
// while the hour is open). Its content is not sniffed again, so broken
// first lines are reported as such, not taken for another format.
func LinesSection(path string, from, to int64, line int) Input {
	in := FileSection(path, from, to, line)
	in.lines = true
	return in
}

// FileSection is the input of bytes [from, to) of a plain file whose line
// there is numbered line. Errors name the file's own line numbers and
// offsets.
func FileSection(path string, from, to int64, line int) Input {
	return Input{Name: path, from: from, line: line, open: func() (io.ReadCloser, error) {
		f, err := openFile(path)
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
