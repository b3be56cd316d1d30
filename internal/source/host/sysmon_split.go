package host

import (
	"bytes"
	"errors"
	"io"
)

// The sysmon synthetic record. SplitSysmon turns each <Event> into one JSON
// object, for Decode with Hint.Format "sysmon" (see writeEventJSON):
//
//	{
//	  "System": {
//	    "Provider": {"Name": "Linux-Sysmon", "Guid": "{ff032593-…}"},
//	    "EventID": "1", "Version": "5", …,
//	    "TimeCreated": {"SystemTime": "2022-01-20T17:02:18.140850000Z"},
//	    "EventRecordID": "28961", "Correlation": {},
//	    "Execution": {"ProcessID": "741", "ThreadID": "741"},
//	    "Channel": "Linux-Sysmon/Operational", "Computer": "vm1",
//	    "Security": {"UserId": "0"}
//	  },
//	  "EventData": {"RuleName": "-", "UtcTime": "2022-01-20 17:02:16.949", "ProcessId": "1993", "Image": "/usr/bin/file", …}
//	}
//
// Every value is a string, kept as written (entities decoded); control
// characters and invalid UTF-8 in a command line pass through verbatim.

// maxSysmonEvent bounds one event's XML (and a one-line syslog event).
const maxSysmonEvent = 4 << 20

// Reasons SplitSysmon gives for text it cannot read.
var (
	errNotSysmon    = errors.New("not a Sysmon event (no <Event>)")
	errSysmonOpen   = errors.New("<Event> not closed by </Event>")
	errSysmonTooBig = errors.New("event XML too large")
)

// SplitSysmon reads Sysmon for Linux events: bare <Event>…</Event> XML
// (pretty-printed over many lines, several events per file, optionally
// inside <Events>) and the one-line syslog form
// "<pri>Mon DD HH:MM:SS host sysmon: <Event>…</Event>" (any header or tag
// before the event). It calls emit with the synthetic JSON object above
// and the event's first line; rec is reused once emit returns. An event
// that starts on a syslog line must end on it (syslog truncates long
// messages); a multi-line event interrupted by the start of another is
// reported as unclosed. Lines outside events that are not blank, an XML
// declaration or the <Events> wrapper, and events whose XML cannot be read,
// are passed to bad. It returns only reading errors, or the first error
// emit returns.
func SplitSysmon(r io.Reader, emit func(rec []byte, line int) error, bad func(line int, reason error)) error {
	var b SysmonBuilder
	return GroupSysmon(r, func(xml []byte, line int) error {
		rec, err := b.Build(xml)
		if err != nil {
			bad(line, err)
			return nil
		}
		return emit(rec, line)
	}, bad)
}

// GroupSysmon is SplitSysmon's first half, the part that must read the
// text in order: it frames each event and emits its XML as written (valid
// until emit returns) with its first line, for SysmonBuilder.Build, which
// a hunt runs on its workers. Framing errors go to bad; errors in an
// event's XML are Build's.
func GroupSysmon(r io.Reader, emit func(xml []byte, line int) error, bad func(line int, reason error)) error {
	s := sysmonSplitter{emit: emit, bad: bad}
	lr := newLineReader(r, maxSysmonEvent)
	for {
		line, err := lr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if lr.long {
			s.drop(errSysmonOpen)
			bad(lr.num, errLongLine(maxSysmonEvent))
			continue
		}
		if err := s.line(line, lr.num); err != nil {
			return err
		}
	}
	s.drop(errSysmonOpen)
	return nil
}

// SysmonBuilder turns the XML of one event into SplitSysmon's synthetic
// object. Its memory is reused from one Build to the next.
type SysmonBuilder struct{ out jsonObject }

// Build returns the synthetic object of one <Event>…</Event>, valid until
// the next Build, or why the XML cannot be read.
func (b *SysmonBuilder) Build(xml []byte) ([]byte, error) {
	return b.make(xml, false)
}

// BuildProcess is Build for a hunt: it returns nil, having written
// nothing, for an event that is no process start (decodeSysmon's test,
// made on the XML: its record would decode to nothing). Sysmon logs
// network connections, file writes and process ends beside the starts.
// An event whose XML does not read is an error either way.
func (b *SysmonBuilder) BuildProcess(xml []byte) ([]byte, error) {
	return b.make(xml, true)
}

func (b *SysmonBuilder) make(xml []byte, process bool) ([]byte, error) {
	ev, err := parseXMLElement(xml)
	if err == nil && ev.name != "Event" {
		err = errNotSysmon
	}
	if err != nil {
		return nil, err
	}
	if process && !sysmonStart(ev) {
		return nil, nil
	}
	writeEventJSON(&b.out, ev)
	return b.out.b, nil
}

// LooksLikeSysmon reports whether a file's first bytes hold Windows-style
// event XML: the first meaningful line (after an XML declaration, comments
// and the <Events> wrapper) opens an <Event>, bare or after a syslog
// header, and a <System> element follows.
func LooksLikeSysmon(prefix []byte) bool {
	for rest := stripBOM(prefix); len(rest) > 0; {
		var line []byte
		line, rest, _ = bytes.Cut(rest, []byte("\n"))
		if skippableSysmonLine(line) {
			continue
		}
		return eventStart(line) >= 0 && bytes.Contains(prefix, []byte("<System"))
	}
	return false
}

// sysmonSplitter gathers the lines of the event being read.
type sysmonSplitter struct {
	emit   func([]byte, int) error
	bad    func(int, error)
	in     bool   // inside an event
	syslog bool   // the event started after a syslog header
	start  int    // its first line
	buf    []byte // its XML so far
}

// line feeds one line: it may close the open event, open others, or both.
func (s *sysmonSplitter) line(line []byte, num int) error {
	rest, fresh := line, true
	for {
		if s.in && fresh {
			// A new <Event> before the open one closes means the open
			// one was cut short.
			if st := eventStart(rest); st >= 0 {
				if e := eventEnd(rest); e < 0 || st < e {
					s.drop(errSysmonOpen)
				}
			}
		}
		if !s.in {
			i := eventStart(rest)
			if i < 0 {
				if fresh && !skippableSysmonLine(rest) {
					s.bad(num, errNotSysmon)
				}
				return nil
			}
			pre := bytes.TrimSpace(rest[:i])
			s.in, s.start, s.buf = true, num, s.buf[:0]
			s.syslog = len(pre) > 0 && !bytes.HasPrefix(pre, []byte("<?xml")) && !bytes.HasPrefix(pre, []byte("<Events"))
			rest = rest[i:]
		}
		fresh = false
		e := eventEnd(rest)
		if e < 0 {
			if s.syslog {
				s.drop(errSysmonOpen)
				return nil
			}
			if len(s.buf)+len(rest) > maxSysmonEvent {
				s.drop(errSysmonTooBig)
				return nil
			}
			s.buf = append(append(s.buf, rest...), '\n')
			return nil
		}
		if len(s.buf)+e > maxSysmonEvent {
			s.drop(errSysmonTooBig)
		} else {
			s.buf = append(s.buf, rest[:e]...)
			s.in = false
			if err := s.finish(); err != nil {
				return err
			}
		}
		rest = rest[e:]
		if eventStart(rest) < 0 {
			return nil // text after </Event> on its line is no event
		}
	}
}

// finish emits the gathered event.
func (s *sysmonSplitter) finish() error { return s.emit(s.buf, s.start) }

// drop abandons the open event, if any, reporting why at its first line.
func (s *sysmonSplitter) drop(reason error) {
	if s.in {
		s.bad(s.start, reason)
		s.in = false
	}
}

// skippableSysmonLine reports lines outside events that carry nothing:
// blank lines, the XML declaration, comments and the <Events> wrapper.
func skippableSysmonLine(b []byte) bool {
	t := bytes.TrimSpace(stripBOM(b))
	for _, p := range []string{"<?xml", "<!--", "<Events", "</Events"} {
		if bytes.HasPrefix(t, []byte(p)) && eventStart(t) < 0 {
			return true
		}
	}
	return len(t) == 0
}

// eventStart finds an <Event> start tag (not <Events>, <EventID>, <EventData>).
func eventStart(b []byte) int {
	for off := 0; ; {
		i := bytes.Index(b[off:], []byte("<Event"))
		if i < 0 {
			return -1
		}
		i += off
		// At the end of a line the tag may go on with attributes below.
		if j := i + len("<Event"); j == len(b) || b[j] == '>' || isXMLSpace(b[j]) {
			return i
		}
		off = i + 1
	}
}

// eventEnd returns the index just after the first </Event> end tag, or -1.
func eventEnd(b []byte) int {
	for off := 0; ; {
		i := bytes.Index(b[off:], []byte("</Event"))
		if i < 0 {
			return -1
		}
		if j := closeTagEnd(b, off+i); j > 0 {
			return j
		}
		off += i + 1
	}
}

// closeTagEnd returns the index just after the end tag "</Event" at i
// begins when it is </Event> (spaces allowed before the >), -1 when it is
// another (</EventData>).
func closeTagEnd(b []byte, i int) int {
	j := i + len("</Event")
	for j < len(b) && isXMLSpace(b[j]) {
		j++
	}
	if j < len(b) && b[j] == '>' {
		return j + 1
	}
	return -1
}
