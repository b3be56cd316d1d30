package host

import (
	"bytes"
	"errors"
	"io"
)

// The auditd synthetic record. SplitAuditd groups the records of one audit
// event (the lines sharing node and msg=audit(SECONDS.MS:SERIAL)) into one
// JSON object, for Decode with Hint.Format "auditd":
//
//	{
//	  "time": "1551487424.869",          // seconds since the epoch, as written
//	  "serial": "752",
//	  "node": "vm1",                     // node= prefix, when present
//	  "syslog_host": "vm1",              // host of a syslog header before the record, when present
//	  "types": ["SYSCALL","EXECVE","CWD","PATH","PATH","PROCTITLE"],
//	  "SYSCALL": {"arch":"c000003e","syscall":"59","success":"yes","pid":"19197","exe":"/bin/dash",…},
//	  "EXECVE": {"argc":"3","a0":"/bin/sh","a1":"-c","a2":"iptables --version"},
//	  "CWD": {"cwd":"/var/lib/waagent"},
//	  "PATH": [{"item":"0","name":"/bin/sh",…},{"item":"1",…}],
//	  "PROCTITLE": {"proctitle":"/bin/sh -c iptables --version"}
//	}
//
// Every value is a string, quotes removed. Values auditd hex-encodes as
// untrusted text are decoded (EXECVE arguments, PROCTITLE with its NUL
// separators turned to spaces, SYSCALL comm and exe, CWD cwd, PATH name), and
// an argument split into aN[0], aN[1]… pieces is joined back into aN. Each
// record type is one object holding the fields of all its records in order
// (a repeated key: the first is the one read), except PATH, an array with
// one object per record. Fields of the enriched log format (after the 0x1d
// separator: UID="root", SYSCALL=execve…) join their record's object under
// their upper-case names.

// Limits that keep a hostile or broken log from holding unbounded memory.
const (
	maxAuditLine    = 64 << 10 // the kernel writes records under 9 KB
	maxAuditPending = 32       // events still open while records interleave
	maxAuditEvent   = 8 << 20  // bytes of records in one event
	auditWindow     = 5        // seconds after which an open event is complete
	maxReusedEvent  = 64 << 10 // largest buffer of an emitted event kept for the next
)

// Reasons SplitAuditd gives for lines it cannot read.
var (
	errNotAudit   = errors.New("not an auditd record (no type=… msg=audit(…))")
	errAuditStamp = errors.New("malformed audit stamp in msg=audit(…)")
	errAuditBig   = errors.New("audit event too large: record dropped")
)

// auditField is one key=value of a record.
type auditField struct {
	key, val string
	quoted   bool
}

// auditRecord is one line: a record of an event.
type auditRecord struct {
	typ    string
	fields []auditField
}

// auditEvent is the lines sharing one stamp, gathered until complete.
type auditEvent struct {
	key  string
	line int
	sec  int64
	raw  []byte // its lines as read, each ended by a newline
	size int
	done bool // an EOE record closed it
}

// auditLine is one line read in full (Build), its head and its record.
type auditLine struct {
	node, host    string
	stamp, serial string
	sec           int64
	rec           auditRecord
}

// SplitAuditd reads raw auditd log text and calls emit once per audit
// event (records grouped by node and the stamp in
// msg=audit(SECONDS.MS:SERIAL), also when events interleave) with the
// synthetic JSON object described above and the line where the event
// starts. rec is reused once emit returns. Lines may carry a node= prefix or
// a syslog header (audisp); the separator and time-> lines of ausearch
// output and blank lines are skipped. Other lines are passed to bad with
// their line number and reason. It returns only reading errors, or the
// first error emit returns.
func SplitAuditd(r io.Reader, emit func(rec []byte, line int) error, bad func(line int, reason error)) error {
	var b AuditBuilder
	return GroupAuditd(r, func(group []byte, line int) error { return emit(b.Build(group), line) }, bad)
}

// GroupAuditd is SplitAuditd's first half, the part that must read the
// text in order: it groups the lines into events, reading only what
// grouping needs of each (parseAuditHead), and emits each event's lines
// as they were read, newline-ended (valid until emit returns), for
// AuditBuilder.Build to turn into the synthetic object. A hunt runs the
// builds on its workers: reading every field on the file's one reader
// held a big audit.log to the speed of one core.
func GroupAuditd(r io.Reader, emit func(group []byte, line int) error, bad func(line int, reason error)) error {
	s := auditSplitter{open: map[string]*auditEvent{}, emit: emit}
	lr := newLineReader(r, maxAuditLine)
	for {
		line, err := lr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if lr.long {
			bad(lr.num, errLongLine(maxAuditLine))
			continue
		}
		t := bytes.TrimSpace(line)
		if len(t) == 0 || bytes.HasPrefix(t, []byte("----")) || bytes.HasPrefix(t, []byte("time->")) {
			continue
		}
		h, err := parseAuditHead(line)
		if err != nil {
			bad(lr.num, err)
			continue
		}
		if err := s.add(&h, line, lr.num, bad); err != nil {
			return err
		}
	}
	return s.flush(len(s.queue))
}

// LooksLikeAuditd reports whether the first meaningful line of a file's
// first bytes is an auditd record.
func LooksLikeAuditd(prefix []byte) bool {
	for rest := stripBOM(prefix); len(rest) > 0; {
		var line []byte
		line, rest, _ = bytes.Cut(rest, []byte("\n"))
		t := bytes.TrimSpace(line)
		if len(t) == 0 || bytes.HasPrefix(t, []byte("----")) || bytes.HasPrefix(t, []byte("time->")) {
			continue
		}
		_, _, err := parseAuditLine(t, nil)
		return err == nil
	}
	return false
}

// auditSplitter holds the open events, oldest first.
type auditSplitter struct {
	open  map[string]*auditEvent
	queue []*auditEvent
	emit  func([]byte, int) error
	key   []byte
	free  [][]byte // the lines of emitted events, for reuse
}

// add files a line under its event, then emits the events that are
// complete: closed by EOE, older than the window, or pushed out by newer ones.
func (s *auditSplitter) add(h *auditHead, line []byte, num int, bad func(int, error)) error {
	s.key = append(append(append(append(append(s.key[:0], h.node...), 0), h.stamp...), ':'), h.serial...)
	e := s.open[string(s.key)]
	if e == nil {
		e = &auditEvent{key: string(s.key), line: num, sec: h.sec}
		if n := len(s.free); n > 0 {
			e.raw, s.free = s.free[n-1][:0], s.free[:n-1]
		}
		s.open[e.key] = e
		s.queue = append(s.queue, e)
	}
	if e.size+len(line) > maxAuditEvent {
		bad(num, errAuditBig)
	} else {
		e.size += len(line)
		e.raw = append(append(e.raw, line...), '\n')
	}
	if string(h.typ) == "EOE" {
		e.done = true
	}
	n := 0
	for _, o := range s.queue {
		if !o.done && len(s.queue)-n <= maxAuditPending && h.sec-o.sec <= auditWindow {
			break
		}
		n++
	}
	return s.flush(n)
}

// flush emits the n oldest open events.
func (s *auditSplitter) flush(n int) error {
	for i := 0; i < n; i++ {
		e := s.queue[i]
		s.queue[i] = nil
		delete(s.open, e.key)
		if err := s.emit(e.raw, e.line); err != nil {
			return err
		}
		// Usual events' buffers are reused; a huge one (a hostile or
		// broken log) is let go rather than kept for the rest of the file.
		if len(s.free) < maxAuditPending && cap(e.raw) <= maxReusedEvent {
			s.free = append(s.free, e.raw)
		}
	}
	s.queue = s.queue[n:]
	return nil
}
