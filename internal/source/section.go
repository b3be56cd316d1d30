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
	in.kind = "json-lines"
	return in
}

// TextSection is LinesSection for a host's text log, kind "auditd" or
// "sysmon": whole lines appended since it was last read, beginning with an
// event (host.WholeEnd tells where one ends). Its line numbers are the
// file's, and FileStats.Lines counts the lines it ends.
func TextSection(path, kind string, from, to int64, line int) Input {
	in := FileSection(path, from, to, line)
	in.kind = kind
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
