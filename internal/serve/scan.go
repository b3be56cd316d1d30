package serve

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/mamori-sec/mamori/internal/source"
	"github.com/mamori-sec/mamori/internal/store"
)

// pending is one input a cycle reads, and the checkpoint that records it
// once its alerts are committed.
type pending struct {
	in    source.Input
	cp    store.Checkpoint
	plain bool // not compressed: offsets are the file's
}

// stamp is a file's size and modification time at a scan.
type stamp struct {
	size  int64
	mtime time.Time
}

// plan decides what of one file a cycle reads. JSON lines are read on
// from the checkpoint, up to the last whole line (a line being written is
// left for the next cycle). Any other file is read whole, once it has
// stopped changing between two scans (a gzip or a JSON document cut short
// is not yet a log), or at once when settle is false.
func (s *Server) plan(path string, cp store.Checkpoint, known bool, settle bool) (*pending, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	now := stamp{info.Size(), info.ModTime().UTC()}
	if known && cp.Size == now.size && cp.ModTime.Equal(now.mtime) {
		return nil, nil
	}
	lines, gz, err := sniff(path)
	if err != nil {
		return nil, err
	}
	if !lines {
		if settle && s.last[path] != now {
			s.last[path] = now // read at the next scan if it stays so
			return nil, nil
		}
		delete(s.last, path)
		return &pending{in: source.FileSection(path, 0, now.size, 1), plain: !gz,
			cp: store.Checkpoint{Path: path, Size: now.size, ModTime: now.mtime, Offset: now.size, Line: 1}}, nil
	}
	from, line := int64(0), 1
	// Read on only where the file grew past what was read and still
	// begins as it did; shrunk, or rewritten (a rotated log under the
	// same name), it is a new file.
	if known && cp.Lines && now.size >= cp.Size && cp.Offset <= now.size {
		head, err := headOf(path, cp.Offset)
		if err != nil {
			return nil, err
		}
		if head == cp.Head {
			from, line = cp.Offset, cp.Line
		}
	}
	end, n, err := wholeLines(path, from, now.size)
	if err != nil {
		return nil, err
	}
	// A last line without its newline is read when it is a whole record,
	// as hunt reads it (an export written once may end so); a record still
	// being written is not valid JSON yet. Its line number stays that of
	// Offset: a newline appended later ends it.
	if end < now.size && now.size-end <= maxFirstLine {
		if whole, err := wholeRecord(path, end, now.size); err != nil {
			return nil, err
		} else if whole {
			end = now.size
		}
	}
	if end == from {
		return nil, nil // only a line being written
	}
	head, err := headOf(path, end)
	if err != nil {
		return nil, err
	}
	return &pending{in: source.LinesSection(path, from, end, line), plain: true,
		cp: store.Checkpoint{Path: path, Size: now.size, ModTime: now.mtime, Offset: end, Line: line + n, Lines: true, Head: head}}, nil
}

// headLen is how much of a file's beginning its checkpoint remembers.
const headLen = 4 << 10

// headOf is a digest of the file's first min(upTo, headLen) bytes: the
// same at the next look means the same file, grown.
func headOf(path string, upTo int64) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, io.LimitReader(f, min(upTo, headLen))); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)[:16]), nil
}

// maxFirstLine is how much of a file's first line is read to tell JSON
// lines from other formats; records are a few KB.
const maxFirstLine = 4 << 20

// sniff reports whether a file is plain JSON lines (not gzip, and its
// first line is a whole JSON object), and whether it is gzip.
func sniff(path string) (lines, gz bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return false, false, err
	}
	defer f.Close()
	// ReadBytes, not ReadSlice: a first line longer than the reader's
	// buffer (a 4 KiB record is common) is still one line.
	r := bufio.NewReader(io.LimitReader(f, maxFirstLine))
	first, err := r.ReadBytes('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return false, false, err
	}
	if len(first) >= 2 && first[0] == 0x1f && first[1] == 0x8b {
		return false, true, nil
	}
	if err != nil { // no newline: one document, or a line being written
		return false, false, nil
	}
	// The reader drops a UTF-8 byte-order mark (PowerShell writes one).
	first = bytes.TrimSpace(bytes.TrimPrefix(first, []byte("\xef\xbb\xbf")))
	return isObject(first), false, nil
}

// wholeRecord reports whether bytes [from, to) of the file are one JSON
// object.
func wholeRecord(path string, from, to int64) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	b := make([]byte, to-from)
	if _, err := f.ReadAt(b, from); err != nil {
		return false, fmt.Errorf("%s: %w", path, err)
	}
	return isObject(bytes.TrimSpace(b)), nil
}

// isObject reports whether b is one JSON object: a record, whole.
func isObject(b []byte) bool {
	return len(b) > 0 && b[0] == '{' && json.Valid(b)
}

// wholeLines returns the end of the last whole line in [from, size) and
// how many lines end before it.
func wholeLines(path string, from, size int64) (end int64, lines int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	if _, err := f.Seek(from, io.SeekStart); err != nil {
		return 0, 0, err
	}
	buf := make([]byte, 1<<20)
	end, pos := from, from
	r := io.LimitReader(f, size-from)
	for {
		k, err := r.Read(buf)
		chunk := buf[:k]
		lines += bytes.Count(chunk, []byte{'\n'})
		if i := bytes.LastIndexByte(chunk, '\n'); i >= 0 {
			end = pos + int64(i) + 1
		}
		pos += int64(k)
		if errors.Is(err, io.EOF) {
			return end, lines, nil
		}
		if err != nil {
			return 0, 0, fmt.Errorf("%s: %w", path, err)
		}
	}
}
