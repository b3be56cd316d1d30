package host

// appendJSONString appends s as a JSON string. Quotes, backslashes and
// control characters are escaped; every other byte, including invalid UTF-8,
// is written as it is, so the text a process ran with reaches the event
// verbatim (fastjson hands string bytes back unchanged).
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// jsonObject writes the members of one JSON object into a buffer, adding
// the commas, so the splitters can build their synthetic records without
// maps or reflection.
type jsonObject struct {
	b []byte
	n []int // members written at each open nesting level
}

// reset starts a new object. The buffer of a huge one (a hostile or broken
// log) is let go rather than held by a worker for the rest of the hunt.
func (o *jsonObject) reset() {
	if cap(o.b) > maxKeptObject {
		o.b = nil
	}
	o.b, o.n = o.b[:0], o.n[:0]
}

// maxKeptObject is the largest buffer reset keeps.
const maxKeptObject = 1 << 20

// open starts an object ('{') or array ('[') as the next value.
func (o *jsonObject) open(c byte) {
	o.b = append(o.b, c)
	o.n = append(o.n, 0)
}

func (o *jsonObject) close(c byte) {
	o.b = append(o.b, c)
	o.n = o.n[:len(o.n)-1]
}

// key writes the separator and the member name; the value follows.
func (o *jsonObject) key(k string) {
	o.sep()
	o.b = appendJSONString(o.b, k)
	o.b = append(o.b, ':')
}

// sep writes the comma before every member or element but the first.
func (o *jsonObject) sep() {
	top := len(o.n) - 1
	if o.n[top] > 0 {
		o.b = append(o.b, ',')
	}
	o.n[top]++
}

// str writes a string member.
func (o *jsonObject) str(k, v string) {
	o.key(k)
	o.b = appendJSONString(o.b, v)
}

// elem writes a string array element.
func (o *jsonObject) elem(v string) {
	o.sep()
	o.b = appendJSONString(o.b, v)
}
