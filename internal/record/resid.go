package record

import "strings"

// SubscriptionOf returns the subscription id in an ARM resource id (the
// segment after "/subscriptions/", matched in any case; its own case
// kept), or "" for a tenant-level id (/providers/Microsoft.Authorization,
// management groups). The readers and the posture snapshot all derive a
// record's or a scope's subscription so.
func SubscriptionOf(id string) string {
	const p = "/subscriptions/"
	// Most ids begin with it (in the diagnostic settings' upper case);
	// others are most often lower-cased already.
	i := 0
	if len(id) < len(p) || !EqualFold(id[:len(p)], p) {
		if i = strings.Index(id, p); i < 0 {
			if i = indexFold(id, p); i < 0 {
				return ""
			}
		}
	}
	s := id[i+len(p):]
	if j := strings.IndexByte(s, '/'); j >= 0 {
		s = s[:j]
	}
	return strings.TrimSpace(s)
}

// indexFold is strings.Index for a lower-case ASCII needle starting with
// '/', ignoring the case of s.
func indexFold(s, needle string) int {
	for i := strings.IndexByte(s, '/'); i >= 0 && i+len(needle) <= len(s); {
		if EqualFold(s[i:i+len(needle)], needle) {
			return i
		}
		j := strings.IndexByte(s[i+1:], '/')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return -1
}

// Subscription is SubscriptionOf(id) lower-cased and shared with earlier
// calls; ok is false when it is not plain ASCII (whose case folding
// readers would have to agree on). An id that begins with a subscription
// met before is answered by one look-up, without a search or an
// allocation: an export holds a few, or a few dozen, subscriptions'
// records.
func (s *Scratch) Subscription(id string) (sub string, ok bool) {
	const p, guid = "/subscriptions/", 36
	head := len(id) > len(p)+guid && id[len(p)+guid] == '/' && EqualFold(id[:len(p)], p)
	if head {
		if sub, ok := s.subs[id[len(p):len(p)+guid]]; ok {
			return sub, true
		}
	}
	raw := SubscriptionOf(id)
	if sub, ok = s.LowerASCII(raw); !ok {
		return "", false
	}
	if head && len(raw) == guid {
		if s.subs == nil || len(s.subs) >= 4096 { // a bound, should ids be made up
			s.subs = make(map[string]string)
		}
		s.subs[strings.Clone(raw)] = sub
	}
	return sub, true
}

// ComputeName is the name, lower case, of the VM or scale set an ARM id
// is or lies under (a scale set's instance, a VM's extension), and
// whether it is a scale set; "" for any other resource. A machine's
// computer name is its VM's name unless set otherwise, and a scale set's
// instances are named by the set's name and six base-36 characters
// (ScaleSetPrefix).
func ComputeName(id string) (name string, scaleSet bool) {
	parts := strings.Split(strings.Trim(strings.ToLower(strings.TrimSpace(id)), "/"), "/")
	for i := 0; i+3 < len(parts); i++ {
		if parts[i] != "providers" || parts[i+1] != "microsoft.compute" {
			continue
		}
		switch parts[i+2] {
		case "virtualmachines":
			return parts[i+3], false
		case "virtualmachinescalesets":
			return parts[i+3], true
		}
		return "", false
	}
	return "", false
}
