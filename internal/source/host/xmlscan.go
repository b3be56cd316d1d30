package host

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/mamori-sec/mamori/internal/record"
)

// A small reader for the XML of one Windows-style <Event>, as Sysmon writes
// it. Names, attribute values and text without references are views of the
// XML, not copies: the tree lives only while its record is written. encoding/xml cannot be used: it rejects control characters and
// invalid UTF-8, and Sysmon for Linux copies a process's command line into
// the XML raw, BEL bytes included. A miner must not hide behind one odd
// byte, so this reader keeps text verbatim and decodes only the five
// predefined entities and character references. It reads elements,
// attributes, text, CDATA, and skips comments, processing instructions and
// declarations; that is all an event holds.

// maxXMLDepth bounds element nesting (an event is three levels deep).
const maxXMLDepth = 16

var errXMLEnd = errors.New("XML ends inside an element")

// xnode is one element.
type xnode struct {
	name  string // local name, without a namespace prefix
	attrs []xattr
	text  []byte // character data directly inside the element
	kids  []*xnode
}

type xattr struct{ name, val string }

// parseXMLElement reads the first element of b (after any prolog).
func parseXMLElement(b []byte) (*xnode, error) {
	i, err := skipMisc(b, 0)
	if err != nil {
		return nil, err
	}
	if i >= len(b) || b[i] != '<' {
		return nil, errors.New("no XML element")
	}
	n, _, err := parseElem(b, i, 0)
	return n, err
}

// skipMisc skips white space, comments, processing instructions and
// declarations before an element.
func skipMisc(b []byte, i int) (int, error) {
	for {
		for i < len(b) && isXMLSpace(b[i]) {
			i++
		}
		if i+1 >= len(b) || b[i] != '<' || (b[i+1] != '?' && b[i+1] != '!') {
			return i, nil
		}
		j, err := skipMarkup(b, i)
		if err != nil {
			return i, err
		}
		i = j
	}
}

// skipMarkup skips the comment, processing instruction or declaration at
// b[i] and returns the index after it.
func skipMarkup(b []byte, i int) (int, error) {
	end := ">"
	switch {
	case bytes.HasPrefix(b[i:], []byte("<!--")):
		end = "-->"
	case bytes.HasPrefix(b[i:], []byte("<?")):
		end = "?>"
	}
	k := bytes.Index(b[i+2:], []byte(end))
	if k < 0 {
		return i, errXMLEnd
	}
	return i + 2 + k + len(end), nil
}

// parseElem reads the element starting at b[i] == '<' and returns it with
// the index after its end tag.
func parseElem(b []byte, i, depth int) (*xnode, int, error) {
	if depth > maxXMLDepth {
		return nil, i, errors.New("XML nested too deep")
	}
	i++
	j := i
	for j < len(b) && !isXMLSpace(b[j]) && b[j] != '/' && b[j] != '>' {
		j++
	}
	if j == i {
		return nil, i, fmt.Errorf("XML: empty element name at byte %d", i)
	}
	n := &xnode{name: localName(b[i:j])}
	i = j
	// Attributes, up to '>' or '/>'.
	for {
		for i < len(b) && isXMLSpace(b[i]) {
			i++
		}
		if i >= len(b) {
			return nil, i, errXMLEnd
		}
		if b[i] == '>' {
			i++
			break
		}
		if b[i] == '/' {
			if i+1 < len(b) && b[i+1] == '>' {
				return n, i + 2, nil
			}
			return nil, i, fmt.Errorf("XML: stray '/' in <%s>", record.Clip(n.name, 48))
		}
		a, k, err := parseAttr(b, i)
		if err != nil {
			return nil, k, fmt.Errorf("XML: <%s>: %w", record.Clip(n.name, 48), err)
		}
		n.attrs = append(n.attrs, a)
		i = k
	}
	// Content, up to the matching end tag.
	for {
		if i >= len(b) {
			return nil, i, errXMLEnd
		}
		if b[i] != '<' {
			k := bytes.IndexByte(b[i:], '<')
			if k < 0 {
				return nil, len(b), errXMLEnd
			}
			if seg := b[i : i+k]; n.text == nil && bytes.IndexByte(seg, '&') < 0 {
				n.text = seg[:len(seg):len(seg)] // a view: a later append copies
			} else {
				n.text = appendUnescaped(n.text, seg)
			}
			i += k
			continue
		}
		switch {
		case bytes.HasPrefix(b[i:], []byte("</")):
			k := bytes.IndexByte(b[i:], '>')
			if k < 0 {
				return nil, len(b), errXMLEnd
			}
			if end := localName(bytes.TrimSpace(b[i+2 : i+k])); end != n.name {
				return nil, i, fmt.Errorf("XML: <%s> closed by </%s>", record.Clip(n.name, 48), record.Clip(end, 48))
			}
			return n, i + k + 1, nil
		case bytes.HasPrefix(b[i:], []byte("<![CDATA[")):
			k := bytes.Index(b[i+9:], []byte("]]>"))
			if k < 0 {
				return nil, len(b), errXMLEnd
			}
			n.text = append(n.text, b[i+9:i+9+k]...)
			i += 9 + k + 3
		case i+1 < len(b) && (b[i+1] == '!' || b[i+1] == '?'):
			k, err := skipMarkup(b, i)
			if err != nil {
				return nil, k, err
			}
			i = k
		default:
			kid, k, err := parseElem(b, i, depth+1)
			if err != nil {
				return nil, k, err
			}
			n.kids = append(n.kids, kid)
			i = k
		}
	}
}

// parseAttr reads name="value" or name='value' at b[i].
func parseAttr(b []byte, i int) (xattr, int, error) {
	j := i
	for j < len(b) && b[j] != '=' && !isXMLSpace(b[j]) && b[j] != '>' && b[j] != '/' {
		j++
	}
	if j == i {
		return xattr{}, j + 1, fmt.Errorf("bad attribute at byte %d", i)
	}
	a := xattr{name: localName(b[i:j])}
	for j < len(b) && isXMLSpace(b[j]) {
		j++
	}
	if j >= len(b) || b[j] != '=' {
		return xattr{}, j, fmt.Errorf("attribute %s has no value", record.Clip(a.name, 48))
	}
	j++
	for j < len(b) && isXMLSpace(b[j]) {
		j++
	}
	if j >= len(b) || (b[j] != '"' && b[j] != '\'') {
		return xattr{}, j, fmt.Errorf("attribute %s value not quoted", record.Clip(a.name, 48))
	}
	k := bytes.IndexByte(b[j+1:], b[j])
	if k < 0 {
		return xattr{}, len(b), errXMLEnd
	}
	if v := b[j+1 : j+1+k]; bytes.IndexByte(v, '&') < 0 {
		a.val = view(v)
	} else {
		a.val = string(appendUnescaped(nil, v))
	}
	return a, j + 1 + k + 1, nil
}

// appendUnescaped appends s with entity and character references decoded.
// A reference it does not know is kept as written.
func appendUnescaped(dst, s []byte) []byte {
	for {
		i := bytes.IndexByte(s, '&')
		if i < 0 {
			return append(dst, s...)
		}
		dst = append(dst, s[:i]...)
		s = s[i:]
		k := bytes.IndexByte(s, ';')
		if k < 0 || k > 12 {
			dst = append(dst, '&')
			s = s[1:]
			continue
		}
		if r, ok := entity(s[1:k]); ok {
			dst = utf8.AppendRune(dst, r)
			s = s[k+1:]
			continue
		}
		dst = append(dst, '&')
		s = s[1:]
	}
}

// entity decodes the name of a reference (between '&' and ';').
func entity(e []byte) (rune, bool) {
	switch string(e) {
	case "lt":
		return '<', true
	case "gt":
		return '>', true
	case "amp":
		return '&', true
	case "quot":
		return '"', true
	case "apos":
		return '\'', true
	}
	if len(e) < 2 || e[0] != '#' {
		return 0, false
	}
	base, digits := 10, e[1:]
	if digits[0] == 'x' || digits[0] == 'X' {
		base, digits = 16, digits[1:]
	}
	v, err := strconv.ParseUint(string(digits), base, 32)
	if err != nil || len(digits) == 0 || v > utf8.MaxRune || (v >= 0xD800 && v <= 0xDFFF) {
		return 0, false
	}
	return rune(v), true
}

// localName drops a namespace prefix.
func localName(b []byte) string {
	if i := bytes.LastIndexByte(b, ':'); i >= 0 {
		b = b[i+1:]
	}
	return view(b)
}

func isXMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// attr returns the value of the named attribute.
func (n *xnode) attr(name string) (string, bool) {
	for _, a := range n.attrs {
		if a.name == name {
			return a.val, true
		}
	}
	return "", false
}

// writeEventJSON writes an <Event> as the synthetic object of the sysmon
// shape: each child element is a member; an element with neither
// attributes nor children is its text; otherwise an object of its
// attributes and children, with non-blank text under "#text". A <Data
// Name="X"> element is the member X holding its text, so EventData becomes
// {"UtcTime": "…", "Image": "…", …} (as eventDataXML writes an Event
// table row's <EventData> alone).
func writeEventJSON(o *jsonObject, ev *xnode) {
	o.reset()
	o.open('{')
	writeMembers(o, ev)
	o.close('}')
}

func writeMembers(o *jsonObject, n *xnode) {
	for _, a := range n.attrs {
		o.str(a.name, a.val)
	}
	for _, k := range n.kids {
		if name, ok := k.attr("Name"); ok && k.name == "Data" {
			o.str(name, string(k.text))
			continue
		}
		if len(k.attrs) == 0 && len(k.kids) == 0 {
			o.str(k.name, string(k.text))
			continue
		}
		o.key(k.name)
		o.open('{')
		writeMembers(o, k)
		o.close('}')
	}
	if len(n.kids) > 0 || len(n.attrs) > 0 {
		if t := bytes.TrimSpace(n.text); len(t) > 0 {
			o.str("#text", string(t))
		}
	}
}
