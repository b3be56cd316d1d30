package serve

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/mamori-sec/mamori/internal/source"
	"github.com/mamori-sec/mamori/internal/source/host"
	"github.com/mamori-sec/mamori/internal/store"
)

// pending is one input a cycle reads, and the checkpoint that records it
// once its alerts are committed.
type pending struct {
	in    source.Input
	cp    store.Checkpoint
	plain bool // not compressed: offsets are the file's
	same  bool // touched only: nothing to read, the checkpoint to move on
}

// stamp is a file's size, modification and status change times and
// inode at a scan: a file whose stamp is unchanged is not looked into.
// Size and time alone do not tell a file rewritten in place at the same
// size with its time put back (rsync -t, cp -p, an export tool keeping
// the blob's time), nor one another was renamed onto; its ctime, which
// no program sets, and its inode do, at no cost beyond the stat already
// made.
type stamp struct {
	size         int64
	mtime, ctime time.Time
	ino          uint64
}

// stampOf is info's stamp.
func stampOf(info os.FileInfo) stamp {
	ct, ino := statusOf(info)
	return stamp{size: info.Size(), mtime: info.ModTime().UTC(), ctime: ct, ino: ino}
}

// sameStamp reports whether cp was taken of the file as it is now: its
// ctime and inode are compared when cp knows them (a checkpoint of a
// store before schema 14 does not, nor does a system without them).
func sameStamp(cp store.Checkpoint, now stamp) bool {
	return cp.Size == now.size && cp.ModTime.Equal(now.mtime) &&
		(cp.Ctime.IsZero() || now.ctime.IsZero() || cp.Ctime.Equal(now.ctime)) &&
		(cp.Inode == 0 || now.ino == 0 || cp.Inode == now.ino)
}

// stamped is cp with the stamp of now taken at looked.
func stamped(cp store.Checkpoint, now stamp, looked time.Time) store.Checkpoint {
	cp.Size, cp.ModTime, cp.Ctime, cp.Inode, cp.Looked = now.size, now.mtime, now.ctime, now.ino, looked
	return cp
}

// racyMargin is how close to the look a file's time must be for its
// stamp not to vouch for it: a timestamp's tick is a few milliseconds on
// Linux's local file systems, two seconds on FAT, and one second on a
// storage account mounted by blobfuse2, whose files' times (mtime and
// ctime alike) are the blobs' Last-Modified, an HTTP date
// (azure-storage-fuse, component/azstorage: Mtime, Ctime: LastModified).
// A file written again within its tick after the look keeps size, time
// and ctime. Its margin holds the tick and some skew between this
// machine's clock and a network file system's: two blobs written within
// one second of Azure's time are not told apart by their times.
const racyMargin = 5 * time.Second

// racy reports whether cp's stamp may hide a write made after the look:
// the file's time was within racyMargin of the look (git's "racy clean"
// index entries, whose files changed in the second the index was written:
// git, read-cache.c is_racy_timestamp). Its content is checked once more
// at the next look, which stamps it anew, then no more. A time far from
// the look (a clock that was wrong, a time set by hand) says nothing
// either way, and a checkpoint of an older store has no look.
func racy(cp store.Checkpoint) bool {
	if cp.Looked.IsZero() {
		return false
	}
	d := cp.ModTime.Sub(cp.Looked)
	return -racyMargin <= d && d <= racyMargin
}

// plan decides what of one file a cycle reads. JSON lines and hosts'
// plain auditd or Sysmon logs are read on from the checkpoint, up to the
// last whole line or event (what is being written is left for the next
// cycle: reading.on). Any other file is read whole, once it has
// stopped changing between two scans (a gzip or a JSON document cut short
// is not yet a log), or at once when settle is false.
// Files are planned several at once: buf is the caller's own, and s.last
// and s.growing are shared.
func (s *Server) plan(path string, cp store.Checkpoint, known bool, settle bool, buf []byte, siblings []store.Checkpoint) (*pending, error) {
	looked := s.look() // compared with the file system's times: not the service's clock
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	now := stampOf(info)
	unchanged := known && sameStamp(cp, now)
	// A stamp taken within a tick of the file's time cannot vouch for it:
	// a file read whole is digested again, as a file touched is; one read
	// on has its first and last 4 KiB before the checkpoint checked
	// (reading.check).
	check := unchanged && racy(cp)
	if check && !cp.Lines {
		unchanged = false
	}
	// A file read on to less than its end waits for a record to end (a
	// JSON line's newline) or for the log to stop changing (the last
	// events of a host's log): unchanged, it is looked at again.
	if unchanged && !check && !(cp.Lines && cp.Offset < now.size) {
		if cp.Inode == 0 && now.ino != 0 {
			// A checkpoint of an older store: its ctime and inode are
			// noted once, so that later looks compare them.
			return &pending{cp: stamped(cp, now, looked), same: true}, nil
		}
		return nil, nil
	}
	whole := source.FileSection(path, 0, now.size, 1)
	// The hunt's own test of the format: serve reads on only what a hunt
	// would read as JSON lines.
	kind, encoded, err := source.Sniff(whole, source.DefaultLimits())
	if kind == "unreadable" {
		return nil, err
	}
	if !readOnKinds[kind] || encoded { // gzip or UTF-16: offsets are not the file's
		// A log rotated and compressed is known at first sight: by the
		// next scan, its old name's checkpoint is forgotten.
		rotated := !known && readOnKinds[kind] && rotatedCopy(path, siblings)
		s.mu.Lock()
		wait := settle && s.last[path] != now && !rotated
		if wait {
			s.last[path] = now // read at the next scan if it stays so
		} else {
			delete(s.last, path)
		}
		s.mu.Unlock()
		if wait {
			return nil, nil
		}
		// Read whole, a document touched and not changed (a sync that
		// downloads every blob again each time) would be hunted whole
		// again at each touch: the digest of all of it tells.
		sum, err := digestOf(path)
		if err != nil {
			return nil, err
		}
		next := stamped(store.Checkpoint{Path: path, Offset: now.size, Line: 1, Head: sum}, now, looked)
		if known && !cp.Lines && cp.Size == now.size && cp.Head == sum || rotated {
			return &pending{cp: next, same: true}, nil
		}
		return &pending{in: whole, plain: !encoded, cp: next}, nil
	}
	if unchanged && !check && kind == "json-lines" && now.size-cp.Offset <= s.maxRecord() {
		return nil, nil // its unfinished last line was looked at, at this stamp
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := reading{f: f, path: path, kind: kind, now: now, looked: looked, buf: buf, maxRecord: s.maxRecord(), siblings: siblings}
	if check {
		same, err := r.check(cp)
		if err != nil {
			return nil, err
		}
		if !same {
			// Written again within the tick of its last look: another
			// file, read whole.
			known, unchanged = false, false
		} else if cp.Offset >= now.size {
			// As it was: stamped at this look, which its time is now far
			// enough behind, it is not checked again.
			return &pending{cp: stamped(cp, now, looked), same: true}, nil
		}
	}
	// A host's log is read to its end once it has stopped changing; a
	// JSON line over the record cap too, whole or not (the hunt reads it
	// record by record).
	r.settled = func() bool { return s.settled(path, now, unchanged || (!settle && !known)) }
	return r.on(cp, known && cp.Lines)
}

// settled reports whether a file read on has stopped changing: between
// two scans, or since its checkpoint (unchanged), or it is new to a
// service run once (from cron nothing is kept between scans but the
// checkpoints). One that has not is kept in s.growing, not s.last: it
// holds no carried record (settling) as a file waiting to be read whole
// does.
func (s *Server) settled(path string, now stamp, unchanged bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if unchanged || s.growing[path] == now {
		delete(s.growing, path)
		return true
	}
	s.growing[path] = now
	return false
}

// readOnKinds are the logs written by appending lines, read on from where
// the last cycle stopped: JSON lines (Azure appends to an hour's blob while
// the hour is open) and hosts' text logs (auditd, Sysmon through syslog),
// which grow for as long as their machine runs: read whole once settled,
// a busy host's log was never read.
var readOnKinds = map[string]bool{"json-lines": true, "auditd": true, "sysmon": true}

// maxRecord is the longest record the hunt reads (source.Limits).
func (s *Server) maxRecord() int64 {
	if m := s.cfg.Hunt.Limits.MaxRecord; m > 0 {
		return int64(m)
	}
	return int64(source.DefaultLimits().MaxRecord)
}

// reading is a file read on: a JSON lines file or a host's text log.
type reading struct {
	f         *os.File
	path      string
	kind      string // json-lines, auditd or sysmon
	now       stamp
	looked    time.Time // wall time of the stat that gave now
	buf       []byte
	maxRecord int64
	settled   func() bool // the file has stopped changing (Server.settled)
	// siblings are the checkpoints of the files read on in the same
	// folder: one of them may be this file's under its old name.
	siblings []store.Checkpoint
}

// on plans the part of the file not read yet: from the checkpoint when the
// file grew past it and still begins as it did (shrunk, or rewritten as a
// rotated log under the same name, it is a new file), to its last whole
// line (a host's log: its last whole event).
func (r *reading) on(cp store.Checkpoint, known bool) (*pending, error) {
	f, path, now, buf := r.f, r.path, r.now, r.buf
	// base is the checkpoint read on from: the file's own, or, for a log
	// rotated by renaming (audit.log become audit.log.1), the one its
	// old name had, so that it is read on, not whole again.
	var base store.Checkpoint
	var oldHead string
	heads := map[int64]string{} // the file's head digests, by length
	try := func(c store.Checkpoint) error {
		if c.Offset <= base.Offset || now.size < c.Size || c.Offset > now.size {
			return nil // shrunk: another file
		}
		n := min(c.Offset, headLen)
		h, ok := heads[n]
		if !ok {
			var err error
			if h, err = headOf(f, n); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			heads[n] = h
		}
		if h == c.Head {
			base, oldHead = c, h
		}
		return nil
	}
	if known {
		if err := try(cp); err != nil {
			return nil, err
		}
	}
	if base.Offset == 0 { // its own, whenever it is still the same file
		for _, c := range r.siblings {
			if c.Path != path {
				if err := try(c); err != nil {
					return nil, err
				}
			}
		}
	}
	base.Path = path
	from, line := base.Offset, max(base.Line, 1)
	end, err := lastLineEnd(f, from, now.size, buf)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	switch {
	case r.kind == "json-lines":
		// A last line without its newline is read when it is a whole
		// record, as hunt reads it (an export written once may end so); a
		// record still being written is not valid JSON yet. Its line
		// number stays that of Offset: a newline appended later ends it.
		// One longer than the record cap is read once the file has
		// stopped changing: the hunt reads it record by record (an hour's
		// flow log blob is one line of records), and read while still
		// being written, what followed its break would be lost; waiting
		// for a newline, it was never read.
		if tail := now.size - end; tail > r.maxRecord {
			if r.settled() {
				end = now.size
			}
		} else if tail > 0 {
			b := make([]byte, tail)
			if _, err := f.ReadAt(b, end); err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			if isObject(bytes.TrimSpace(b)) {
				end = now.size
			}
		}
	case r.settled():
		// A host's log that stopped changing: read to its end.
		end = now.size
	default:
		if end, err = r.wholeEnd(from, end); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	if end == from {
		if from > 0 && (!sameStamp(base, now) || base.Path != cp.Path || racy(base)) {
			// Touched, renamed, or a line being written: nothing new to
			// read, and the new stamp spares the next scans this look
			// again.
			return &pending{cp: stamped(base, now, r.looked), same: true}, nil
		}
		return nil, nil // no whole line yet
	}
	// Past headLen the digest is the one just made.
	head := oldHead
	if from == 0 || min(end, headLen) != min(base.Offset, headLen) {
		if head, err = headOf(f, end); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	// Line is where the section begins: the hunt, reading it, counts the
	// lines that end in it (source.FileStats.Lines), and the cycle moves
	// the checkpoint's Line on by as many.
	in := source.LinesSection(path, from, end, line)
	if r.kind != "json-lines" {
		in = source.TextSection(path, r.kind, from, end, line)
	}
	tail, err := tailOf(f, end)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &pending{in: in, plain: true,
		cp: stamped(store.Checkpoint{Path: path, Offset: end, Line: line, Lines: true, Head: head, Tail: tail}, now, r.looked)}, nil
}

// check reports whether a file read on still holds, before cp's offset,
// the first and last 4 KiB it held when cp was made (a checkpoint of an
// older store keeps no tail: its head alone). A file rewritten at the
// same size with other records differs there but for a change inside
// its middle alone, which a rewrite of a log (records added, removed or
// reordered) does not make; reading all of it would cost a read of every
// hourly blob once more.
func (r *reading) check(cp store.Checkpoint) (bool, error) {
	if cp.Offset > r.now.size {
		return false, nil
	}
	h, err := headOf(r.f, min(cp.Offset, headLen))
	if err != nil || h != cp.Head {
		return false, err
	}
	if cp.Tail == "" {
		return true, nil
	}
	t, err := tailOf(r.f, cp.Offset)
	return t == cp.Tail, err
}

// wholeEnd is where a host's log still being written can be read to: the
// end of its last whole event (host.WholeEnd) in the last buffer of
// [from, end). A buffer without one (an event longer than it, or over a
// megabyte of audit records in their last seconds) is read to its first
// line's end: an event may be cut there, rather than the log not read.
func (r *reading) wholeEnd(from, end int64) (int64, error) {
	lo := max(from, end-int64(len(r.buf)))
	b := r.buf[:end-lo]
	if _, err := r.f.ReadAt(b, lo); err != nil {
		return 0, err
	}
	if n := host.WholeEnd(r.kind, b); n > 0 || lo == from {
		return lo + int64(n), nil
	}
	return lo + int64(bytes.IndexByte(b, '\n')) + 1, nil
}

// headLen is how much of a file's beginning its checkpoint remembers.
const headLen = 4 << 10

// headOf is a digest of the file's first min(upTo, headLen) bytes: the
// same at the next look means the same file, grown.
func headOf(f *os.File, upTo int64) (string, error) {
	var b [headLen]byte
	n, err := f.ReadAt(b[:min(upTo, headLen)], 0)
	if err != nil && !errors.Is(err, io.EOF) { // shorter: the digest of what is there
		return "", err
	}
	return headDigest(b[:n]), nil
}

// tailOf is a digest of the file's last min(end, headLen) bytes before
// end.
func tailOf(f *os.File, end int64) (string, error) {
	var b [headLen]byte
	n := min(end, headLen)
	if _, err := f.ReadAt(b[:n], end-n); err != nil {
		return "", err
	}
	return headDigest(b[:n]), nil
}

// headDigest is the digest a checkpoint keeps of a file's first bytes.
func headDigest(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// rotatedCopy reports whether a gzip file holds exactly what a file of
// the same folder was read on to its end held: a log rotated, then
// compressed (logrotate's compress moves audit.log.1 to audit.log.2.gz),
// read whole again, every event would count twice. The same first 4 KiB
// and the same length say it; only as much is decompressed as the
// longest of them needs.
func rotatedCopy(path string, siblings []store.Checkpoint) bool {
	var read []store.Checkpoint // the files read to their end
	var most int64
	for _, c := range siblings {
		if c.Lines && c.Offset > 0 && c.Offset == c.Size {
			read, most = append(read, c), max(most, c.Offset)
		}
	}
	if len(read) == 0 {
		return false
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return false
	}
	head := make([]byte, headLen)
	n, _ := io.ReadFull(zr, head)
	rest, _ := io.Copy(io.Discard, io.LimitReader(zr, most-int64(n)+1))
	total := int64(n) + rest
	digest := headDigest(head[:n])
	return slices.ContainsFunc(read, func(c store.Checkpoint) bool { return c.Offset == total && c.Head == digest })
}

// digestOf is a digest of a whole file, for a file read whole: the same
// at the next look means the same file, however its time changed.
func digestOf(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)[:16]), nil
}

// isObject reports whether b is one JSON object: a record, whole.
func isObject(b []byte) bool {
	return len(b) > 0 && b[0] == '{' && json.Valid(b)
}

// lastLineEnd returns the end of the last whole line in [from, size),
// from when none ends there, reading backwards through buf: the new part
// of a file is read once, by the hunt, not once more to plan it.
func lastLineEnd(f *os.File, from, size int64, buf []byte) (int64, error) {
	// A record is a few KiB: the first step back is short, the next ones
	// the whole buffer (a line being written may be long).
	step := min(int64(len(buf)), 64<<10)
	for hi := size; hi > from; step = int64(len(buf)) {
		lo := max(from, hi-step)
		b := buf[:hi-lo]
		if _, err := f.ReadAt(b, lo); err != nil {
			return 0, err
		}
		if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
			return lo + int64(i) + 1, nil
		}
		hi = lo
	}
	return from, nil
}
