package host

import (
	"bytes"
	"strconv"
	"unsafe"
)

// Reading one auditd line: "[syslog header ][node=N ]type=T
// msg=audit(SECONDS.MS:SERIAL): key=value …", and the value decoding the
// kernel's encoding of untrusted text calls for.

// argPiece splits "a1[0]" into "a1"; piece is false for any other key.
func argPiece(k string) (base string, piece bool) {
	i := 0
	for i < len(k) && k[i] != '[' {
		i++
	}
	if i == len(k) || k[len(k)-1] != ']' || !isArgKey(k[:i]) || !allDigits(k[i+1:len(k)-1]) {
		return "", false
	}
	return k[:i], true
}

// isArgKey reports an EXECVE argument name: a0, a1, ….
func isArgKey(k string) bool { return len(k) > 1 && k[0] == 'a' && allDigits(k[1:]) }

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// auditValue returns a field's value as auditd means it. The kernel writes
// untrusted text (arguments, process titles, paths, comm) in double quotes
// when it is plain and as bare hex when it holds spaces, quotes or control
// characters; a bare value of those fields that is valid hex is decoded.
func auditValue(typ string, f auditField) string {
	if f.quoted || !hexField(typ, f.key) {
		return f.val
	}
	d, ok := unhex(f.val)
	if !ok {
		return f.val
	}
	if typ == "PROCTITLE" {
		// The title is argv as laid out in memory: NUL-separated.
		d = bytes.TrimRight(d, "\x00")
		for i, c := range d {
			if c == 0 {
				d[i] = ' '
			}
		}
	}
	return string(d)
}

// hexField reports the fields auditd may hex-encode.
func hexField(typ, key string) bool {
	switch typ {
	case "EXECVE":
		_, piece := argPiece(key)
		return isArgKey(key) || piece
	case "PROCTITLE":
		return key == "proctitle"
	case "SYSCALL":
		return key == "comm" || key == "exe"
	case "CWD":
		return key == "cwd"
	case "PATH":
		return key == "name"
	}
	return false
}

// unhex decodes an even-length, non-empty hex string.
func unhex(s string) ([]byte, bool) {
	if len(s) == 0 || len(s)%2 != 0 {
		return nil, false
	}
	d := make([]byte, len(s)/2)
	for i := range d {
		h, ok1 := hexVal(s[2*i])
		l, ok2 := hexVal(s[2*i+1])
		if !ok1 || !ok2 {
			return nil, false
		}
		d[i] = h<<4 | l
	}
	return d, true
}

func hexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

// auditHead is what grouping needs of a line: the event's key and time and
// the record's type, read without the fields (parseAuditFields never
// fails, so a line whose head reads is a record).
type auditHead struct {
	prefix        []byte // before type=: a syslog header, node=
	node          []byte
	typ           []byte
	stamp, serial []byte
	sec           int64
	rest          []byte // after msg=audit(…):
}

// parseAuditHead reads "[header ][node=N ]type=T msg=audit(S.MS:SERIAL):"
// of a line; the slices point into it.
func parseAuditHead(line []byte) (auditHead, error) {
	var h auditHead
	p := typeIndex(line)
	if p < 0 {
		return h, errNotAudit
	}
	prefix, rest := line[:p], line[p+len("type="):]
	typ, rest, _ := bytes.Cut(rest, []byte(" "))
	rest = bytes.TrimLeft(rest, " ")
	if len(typ) == 0 || !bytes.HasPrefix(rest, []byte("msg=audit(")) {
		return h, errNotAudit
	}
	rest = rest[len("msg=audit("):]
	end := bytes.IndexByte(rest, ')')
	if end < 0 {
		return h, errAuditStamp
	}
	stamp, serial, ok := bytes.Cut(rest[:end], []byte(":"))
	sec, frac, _ := bytes.Cut(stamp, []byte("."))
	if !ok || len(sec) == 0 || len(sec) > 18 || !allDigits(string(sec)) || len(frac) > 9 ||
		(len(frac) > 0 && !allDigits(string(frac))) || len(serial) > 20 || !allDigits(string(serial)) {
		return h, errAuditStamp
	}
	h.sec, _ = strconv.ParseInt(string(sec), 10, 64)
	h.typ, h.stamp, h.serial = typ, stamp, serial
	h.rest = bytes.TrimPrefix(rest[end+1:], []byte(":"))
	// A node= token ends the prefix; anything before it is a syslog header.
	if i := bytes.LastIndex(prefix, []byte("node=")); i >= 0 && (i == 0 || prefix[i-1] == ' ') {
		h.node, _, _ = bytes.Cut(prefix[i+len("node="):], []byte(" "))
		prefix = prefix[:i]
	}
	h.prefix = prefix
	return h, nil
}

// parseAuditLine reads a whole line: its head, and its fields appended to
// fields (the record's fields are the part appended). Every string but the
// syslog host is a view of line, valid while line is: the builder copies
// them into the record it writes, and a string made of each was most of
// the allocations of a hunt over audit logs.
func parseAuditLine(line []byte, fields []auditField) (auditLine, []auditField, error) {
	h, err := parseAuditHead(line)
	if err != nil {
		return auditLine{}, fields, err
	}
	al := auditLine{node: view(h.node), host: syslogHost(h.prefix), stamp: view(h.stamp), serial: view(h.serial), sec: h.sec}
	// The enriched format appends interpreted fields after a 0x1d byte.
	raw, enriched, _ := bytes.Cut(h.rest, []byte{0x1d})
	al.rec.typ = view(h.typ)
	if al.rec.typ == "UNKNOWN[1327]" {
		al.rec.typ = "PROCTITLE" // how auditd before 2.4 names the record
	}
	n := len(fields)
	fields = parseAuditFields(raw, fields)
	fields = parseAuditFields(enriched, fields)
	al.rec.fields = fields[n:len(fields):len(fields)]
	return al, fields, nil
}

// view is b as a string without a copy; b must not change while it is used.
func view(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// typeIndex finds "type=" at the start of the line or after a space.
func typeIndex(line []byte) int {
	for off := 0; ; {
		i := bytes.Index(line[off:], []byte("type="))
		if i < 0 {
			return -1
		}
		i += off
		if i == 0 || line[i-1] == ' ' {
			return i
		}
		off = i + 1
	}
}

// parseAuditFields splits key=value tokens; values may be "double" or
// 'single' quoted (msg='op=… res=success' keeps its inner text). Tokens
// without '=' (the words of an AVC record) are skipped.
func parseAuditFields(s []byte, dst []auditField) []auditField {
	i := 0
	for i < len(s) {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		j := i
		for j < len(s) && s[j] != '=' && s[j] != ' ' {
			j++
		}
		if j >= len(s) || s[j] != '=' || j == i {
			i = j + 1
			continue
		}
		f := auditField{key: view(s[i:j])}
		j++
		if j < len(s) && (s[j] == '"' || s[j] == '\'') {
			q := s[j]
			k := bytes.IndexByte(s[j+1:], q)
			if k < 0 {
				k = len(s) - j - 1
			}
			f.val, f.quoted = view(s[j+1:j+1+k]), true
			i = j + 1 + k + 1
		} else {
			k := j
			for k < len(s) && s[k] != ' ' && s[k] != '\t' {
				k++
			}
			f.val = view(s[j:k])
			i = k
		}
		dst = append(dst, f)
	}
	return dst
}
