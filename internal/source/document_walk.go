package source

import "strings"

// walk emits every record of the document. emit gets the record's bytes
// (valid until emit returns), its first line and its offset.
func (d *docScanner) walk(emit func(b []byte, line int, off int64)) error {
	for {
		c, ok := d.peek()
		if !ok {
			return d.rerr
		}
		switch c {
		case '[':
			d.pos++
			if err := d.elements(emit); err != nil {
				return err
			}
		case '{':
			if err := d.object(emit); err != nil {
				return err
			}
		default:
			return d.bad("expected a JSON object or array, found %q", c)
		}
	}
}

// elements emits each element of an array whose '[' was consumed.
func (d *docScanner) elements(emit func(b []byte, line int, off int64)) error {
	if c, ok := d.peek(); ok && c == ']' {
		d.pos++
		return nil
	}
	for {
		if err := d.keepValue(emit); err != nil {
			return err
		}
		c, ok := d.peek()
		if !ok {
			return d.truncated()
		}
		d.pos++
		switch c {
		case ',':
		case ']':
			return nil
		default:
			return d.bad("expected ',' or ']' in array, found %q", c)
		}
	}
}

// keepValue emits the next value whole, or reports it when over the cap.
func (d *docScanner) keepValue(emit func(b []byte, line int, off int64)) error {
	if _, ok := d.peek(); !ok {
		return d.truncated()
	}
	d.mark = d.pos
	line, off := d.lineAt(d.pos), d.base+int64(d.pos)
	kept, err := d.skipValue()
	if err != nil {
		d.mark = -1
		return err
	}
	if kept && d.mark >= 0 {
		emit(d.buf[d.mark:d.pos], line, off)
	} else {
		emit(nil, line, off) // nil: over the record cap
	}
	d.mark = -1
	return nil
}

// isEnvelopeKey names the arrays that hold records: diagnostic settings'
// "records", and "value" of ARM and Graph list responses.
func isEnvelopeKey(k string) bool {
	return strings.EqualFold(k, "records") || strings.EqualFold(k, "value") || strings.EqualFold(k, "results")
}

// object reads a top-level object: an envelope, whose record array is
// streamed, or a record, which is kept whole.
func (d *docScanner) object(emit func(b []byte, line int, off int64)) error {
	d.mark = d.pos
	line, off := d.lineAt(d.pos), d.base+int64(d.pos)
	d.pos++ // '{'
	envelope := false
	for first := true; ; first = false {
		c, ok := d.peek()
		if !ok {
			d.mark = -1
			return d.truncated()
		}
		if c == '}' && first {
			d.pos++
			break
		}
		if c != '"' {
			d.mark = -1
			return d.bad("expected an object key, found %q", c)
		}
		k, err := d.readKey()
		if err != nil {
			d.mark = -1
			return err
		}
		if err := d.expect(':'); err != nil {
			d.mark = -1
			return err
		}
		if c, ok := d.peek(); ok && c == '[' && isEnvelopeKey(k) {
			// Stream the records; what came before them in the envelope
			// (nextLink, @odata.context) is not needed.
			envelope = true
			d.mark = -1
			d.pos++
			if err := d.elements(emit); err != nil {
				return err
			}
		} else if _, err := d.skipValue(); err != nil {
			d.mark = -1
			return err
		}
		c, ok = d.peek()
		if !ok {
			d.mark = -1
			return d.truncated()
		}
		d.pos++
		if c == '}' {
			break
		}
		if c != ',' {
			d.mark = -1
			return d.bad("expected ',' or '}' in object, found %q", c)
		}
	}
	if !envelope {
		if d.mark >= 0 {
			emit(d.buf[d.mark:d.pos], line, off)
		} else {
			emit(nil, line, off)
		}
	}
	d.mark = -1
	return nil
}
