package host

import "bytes"

// WholeEnd is for a host log still being written (a service reading on
// from where it stopped): given b, the last bytes read of the log, ending
// at the end of a line, it returns how much of b holds only whole events,
// so that the next read begins with an event, not inside one. 0 when none
// can be told whole yet (or kind is not a host text log).
//
// A Sysmon event is whole at its </Event>. An auditd event has no end of
// its own (auditd does not write EOE records to its log): as GroupAuditd
// does, an event is taken as whole once a record more than auditWindow
// seconds newer follows it, so the records of the last auditWindow seconds
// wait for the next read, or for the log to stop changing.
func WholeEnd(kind string, b []byte) int {
	switch kind {
	case "auditd":
		return auditWholeEnd(b)
	case "sysmon":
		return sysmonWholeEnd(b)
	}
	return 0
}

// auditWholeEnd walks b's lines backwards from the newest record to the
// first one more than auditWindow seconds older, and ends after it.
func auditWholeEnd(b []byte) int {
	newest, seen := int64(0), false
	for hi := len(b); hi > 0; {
		lo := bytes.LastIndexByte(b[:hi-1], '\n') + 1
		if h, err := parseAuditHead(bytes.TrimRight(b[lo:hi], "\r\n")); err == nil {
			switch {
			case !seen:
				newest, seen = h.sec, true
			case h.sec < newest-auditWindow:
				return hi
			}
		}
		hi = lo
	}
	return 0
}

// sysmonWholeEnd ends after the line of b's last </Event>.
func sysmonWholeEnd(b []byte) int {
	for hi := len(b); ; {
		i := bytes.LastIndex(b[:hi], []byte("</Event"))
		if i < 0 {
			return 0
		}
		if j := closeTagEnd(b, i); j > 0 { // not </EventData>
			if k := bytes.IndexByte(b[j:], '\n'); k >= 0 {
				return j + k + 1
			}
			return len(b)
		}
		hi = i
	}
}
