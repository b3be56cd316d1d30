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

// AuditBuilder turns GroupAuditd's events into SplitAuditd's synthetic
// objects. Its memory is reused from one Build to the next.
type AuditBuilder struct {
	out    jsonObject
	recs   []auditRecord
	fields []auditField // the records' fields, one after the other
}

// Build returns the synthetic object of one event's lines (a group
// GroupAuditd emitted), valid until the next Build.
func (b *AuditBuilder) Build(group []byte) []byte {
	return b.make(group, false)
}

// BuildProcess is Build for a hunt: it returns nil, having written
// nothing, for an event that cannot be a process start (decodeAuditd's
// test, made on the records: its record would decode to nothing). Most
// events of a real audit log are such: logins, credentials, other
// syscalls.
func (b *AuditBuilder) BuildProcess(group []byte) []byte {
	return b.make(group, true)
}

// make reads the group's lines and writes their record, unless only a
// process start's is wanted and this is none.
func (b *AuditBuilder) make(group []byte, process bool) []byte {
	var first auditLine
	b.recs, b.fields = b.recs[:0], b.fields[:0]
	for len(group) > 0 {
		line, rest, _ := bytes.Cut(group, []byte("\n"))
		group = rest
		al, fields, err := parseAuditLine(line, b.fields)
		if err != nil {
			continue // not from GroupAuditd, which keeps only lines whose head reads
		}
		b.fields = fields
		if len(b.recs) == 0 {
			first = al
		}
		b.recs = append(b.recs, al.rec)
	}
	var out []byte
	if !process || auditExec(b.recs) {
		out = b.build(&first, b.recs)
	}
	// The records' fields, views of group, are in out now: let go of them
	// (and of the slices, when a huge event grew them), as the worker
	// keeps the builder.
	clear(b.recs)
	clear(b.fields)
	if cap(b.recs) > maxKeptRecords {
		b.recs = nil
	}
	if cap(b.fields) > maxKeptRecords*32 {
		b.fields = nil
	}
	return out
}

// maxKeptRecords is the most records an AuditBuilder keeps room for.
const maxKeptRecords = 256

// build writes the synthetic JSON object of an event: its stamp, node and
// host as its first line gives them, and its records.
func (b *AuditBuilder) build(e *auditLine, recs []auditRecord) []byte {
	o := &b.out
	o.reset()
	o.open('{')
	o.str("time", e.stamp)
	o.str("serial", e.serial)
	if e.node != "" {
		o.str("node", e.node)
	}
	if e.host != "" {
		o.str("syslog_host", e.host)
	}
	o.key("types")
	o.open('[')
	for _, r := range recs {
		o.elem(r.typ)
	}
	o.close(']')
	// One member per record type, in the order the types first appear.
	for i, r := range recs {
		if reservedAuditKey(r.typ) || seenType(recs[:i], r.typ) {
			continue
		}
		o.key(r.typ)
		if r.typ == "PATH" {
			o.open('[')
			for _, p := range recs[i:] {
				if p.typ == "PATH" {
					o.sep()
					o.open('{')
					writeAuditFields(o, p.typ, p.fields)
					o.close('}')
				}
			}
			o.close(']')
			continue
		}
		o.open('{')
		if r.typ == "EXECVE" {
			writeExecve(o, recs[i:])
		} else {
			for _, p := range recs[i:] {
				if p.typ == r.typ {
					writeAuditFields(o, p.typ, p.fields)
				}
			}
		}
		o.close('}')
	}
	o.close('}')
	return o.b
}

// reservedAuditKey reports a record type that would collide with the
// object's own members; such a record is listed in types only.
func reservedAuditKey(t string) bool {
	switch t {
	case "time", "serial", "node", "syslog_host", "types":
		return true
	}
	return false
}

func seenType(recs []auditRecord, t string) bool {
	for _, r := range recs {
		if r.typ == t {
			return true
		}
	}
	return false
}

// writeAuditFields writes a record's fields, decoding the hex-encoded ones.
func writeAuditFields(o *jsonObject, typ string, fs []auditField) {
	for _, f := range fs {
		o.str(f.key, auditValue(typ, f))
	}
}

// writeExecve writes the fields of all EXECVE records of an event as one
// object, joining the pieces of long arguments (a1_len=… a1[0]=… a1[1]=…)
// back into a1.
func writeExecve(o *jsonObject, recs []auditRecord) {
	var merged []auditField
	var at map[string]int // argument name -> index in merged, made on the first piece
	for _, r := range recs {
		if r.typ != "EXECVE" {
			continue
		}
		for _, f := range r.fields {
			v := auditValue("EXECVE", f)
			base, piece := argPiece(f.key)
			if !piece {
				merged = append(merged, auditField{key: f.key, val: v})
				continue
			}
			if at == nil {
				at = map[string]int{}
			}
			if j, ok := at[base]; ok {
				merged[j].val += v
				continue
			}
			at[base] = len(merged)
			merged = append(merged, auditField{key: base, val: v})
		}
	}
	for _, f := range merged {
		o.str(f.key, f.val)
	}
}
