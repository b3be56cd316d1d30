package host

import "bytes"

// Writing an audit event's record, on a hunt's workers: the lines
// GroupAuditd grouped are read in full here, and written as the synthetic
// object SplitAuditd describes.

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
