package htmlreport

import (
	"fmt"
	"strings"
)

// allowedTags are the elements the report is made of; anything else in the
// output was injected.
var allowedTags = map[string]bool{
	"html": true, "head": true, "meta": true, "title": true, "style": true, "body": true,
	"header": true, "footer": true, "section": true, "h1": true, "h2": true, "h3": true,
	"p": true, "strong": true, "ul": true, "ol": true, "li": true, "span": true, "code": true, "br": true,
	"dl": true, "dt": true, "dd": true, "table": true, "thead": true, "tbody": true,
	"tr": true, "th": true, "td": true, "details": true, "summary": true, "pre": true,
	"svg": true, "text": true, "line": true, "circle": true, "rect": true,
}

var voidTags = map[string]bool{"meta": true, "br": true}

// checkHTML is a small well-formedness check standing in for an HTML
// parser (the module has none): tags balance, every tag is one the report
// uses, no attribute is an event handler or loads anything, and no '<'
// starts anything but a tag, comment or doctype. It returns how many
// elements of each name it saw.
func checkHTML(doc string) (map[string]int, error) {
	seen := map[string]int{}
	var stack []string
	for i := 0; i < len(doc); {
		if doc[i] != '<' {
			i++
			continue
		}
		rest := doc[i:]
		switch {
		case strings.HasPrefix(rest, "<!--"):
			end := strings.Index(rest, "-->")
			if end < 0 {
				return seen, fmt.Errorf("unclosed comment at %d", i)
			}
			i += end + 3
			continue
		case strings.HasPrefix(rest, "<!DOCTYPE html>"):
			i += len("<!DOCTYPE html>")
			continue
		}
		closing := strings.HasPrefix(rest, "</")
		j := 1
		if closing {
			j = 2
		}
		k := j
		for k < len(rest) && (isAlnum(rest[k]) || rest[k] == '-') {
			k++
		}
		name := strings.ToLower(rest[j:k])
		if name == "" {
			return seen, fmt.Errorf("raw '<' at %d: %.40q", i, rest)
		}
		if !allowedTags[name] {
			return seen, fmt.Errorf("unexpected element <%s> at %d", name, i)
		}
		end, attrs, err := scanTag(rest, k)
		if err != nil {
			return seen, fmt.Errorf("<%s> at %d: %w", name, i, err)
		}
		for _, a := range attrs {
			if strings.HasPrefix(a, "on") || a == "src" || a == "href" || a == "style" {
				return seen, fmt.Errorf("<%s> at %d has attribute %q", name, i, a)
			}
		}
		selfClosing := rest[end-2] == '/'
		i += end
		switch {
		case closing:
			if len(stack) == 0 || stack[len(stack)-1] != name {
				return seen, fmt.Errorf("</%s> at %d closes %v", name, i, stack)
			}
			stack = stack[:len(stack)-1]
		case name == "style":
			// Raw text: skip to its end tag.
			e := strings.Index(doc[i:], "</style>")
			if e < 0 {
				return seen, fmt.Errorf("unclosed <style>")
			}
			i += e + len("</style>")
			seen[name]++
		case selfClosing || voidTags[name]:
			seen[name]++
		default:
			seen[name]++
			stack = append(stack, name)
		}
	}
	if len(stack) > 0 {
		return seen, fmt.Errorf("unclosed %v", stack)
	}
	return seen, nil
}

// scanTag reads a tag's attributes from s[k:] to its '>', honouring quotes;
// it returns the offset after the '>' and the attribute names.
func scanTag(s string, k int) (int, []string, error) {
	var attrs []string
	for k < len(s) {
		c := s[k]
		switch {
		case c == '>':
			return k + 1, attrs, nil
		case c == ' ' || c == '/' || c == '\n':
			k++
		case c == '<' || c == '"' || c == '\'':
			return 0, nil, fmt.Errorf("bad character %q in tag", c)
		default:
			n := k
			for n < len(s) && s[n] != '=' && s[n] != ' ' && s[n] != '>' && s[n] != '/' {
				n++
			}
			attrs = append(attrs, strings.ToLower(s[k:n]))
			k = n
			if k < len(s) && s[k] == '=' {
				if k+1 >= len(s) || s[k+1] != '"' {
					return 0, nil, fmt.Errorf("unquoted value of %s", attrs[len(attrs)-1])
				}
				e := strings.IndexByte(s[k+2:], '"')
				if e < 0 {
					return 0, nil, fmt.Errorf("unclosed value of %s", attrs[len(attrs)-1])
				}
				k += 2 + e + 1
			}
		}
	}
	return 0, nil, fmt.Errorf("unclosed tag")
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
