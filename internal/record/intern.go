package record

import "strings"

// maxInterned bounds the lower-case cache of one Scratch: enough for the
// operations, subscriptions, tenants and resource types of a large tenant.
const maxInterned = 16384

// Lower returns s in lower case. Values that repeat record after record
// (operation names, subscription ids, resource types) are lowered once and
// then shared, which saves an allocation and a pass per record; once the
// cache is full, further values are lowered without being kept.
func (s *Scratch) Lower(v string) string {
	if x, ok := s.lower[v]; ok {
		return x
	}
	l := strings.ToLower(v)
	if s.lower == nil {
		s.lower = make(map[string]string, 256)
	}
	if len(s.lower) < maxInterned {
		s.lower[v] = l
	}
	return l
}
