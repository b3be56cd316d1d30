package enrich

import (
	"encoding/base64"
	"net/netip"
	"strings"
	"unicode/utf8"

	"github.com/mamori-sec/mamori/internal/event"
)

// kindRank orders match kinds, strongest first, to keep the best match of
// a command line that holds several indicators.
var kindRank = map[string]int{KindStratum: 0, KindDomain: 1, KindIP: 2, KindBinary: 3, KindCandidate: 4, KindBrowser: 5, KindPort: 6}

// maxIndicator bounds the attacker-controlled text copied into a match.
const maxIndicator = 256

// PoolCommandLine reports whether a process command line points at mining:
// a Stratum URL or its base64 form (Kind stratum; Pool names the pool when
// the URL's host is listed), a pool host or address among its arguments
// (domain, ip, candidate, browser), or a miner program run by name or path
// (binary). Words such as "pool" alone never match.
func (e *Enricher) PoolCommandLine(cmd string) (event.PoolMatch, bool) {
	p := e.pools
	if m, ok := p.stratum(cmd); ok {
		return m, true
	}
	var best event.PoolMatch
	found := false
	consider := func(m event.PoolMatch) bool {
		if !found || kindRank[m.Kind] < kindRank[best.Kind] {
			best, found = m, true
		}
		return best.Kind == KindDomain // nothing but a Stratum URL beats it
	}
	first := true
	for i := 0; i < len(cmd); {
		tok, next := nextToken(cmd, i)
		i = next
		if tok == "" {
			continue
		}
		if first || strings.ContainsAny(tok, `/\`) {
			if m, ok := p.binary(tok); ok && consider(m) {
				return best, true
			}
		}
		first = false
		if m, ok := p.token(tok); ok && consider(m) {
			return best, true
		}
	}
	return best, found
}

// isSep ends a command-line token: blanks, quotes and shell punctuation.
// A table: it is asked of every byte of every command line a hunt reads.
func isSep(c byte) bool { return sepTable[c] }

var sepTable = func() (t [256]bool) {
	for c := range ' ' + 1 {
		t[c] = true
	}
	for _, c := range []byte("\"'`=,;|&()<>[]{}") {
		t[c] = true
	}
	return t
}()

func nextToken(s string, i int) (string, int) {
	for i < len(s) && isSep(s[i]) {
		i++
	}
	j := i
	for j < len(s) && !isSep(s[j]) {
		j++
	}
	return s[i:j], j
}

// token looks one argument up as a host or address: "pool.x.com:3333",
// "tcp://user@1.2.3.4:80/path" and "[2001:db8::1]:443" all reduce to the host.
func (p *poolIntel) token(tok string) (event.PoolMatch, bool) {
	if i := strings.Index(tok, "://"); i >= 0 {
		tok = tok[i+3:]
	}
	host := hostOf(tok)
	if strings.IndexByte(host, '.') < 0 && strings.IndexByte(host, ':') < 0 {
		return event.PoolMatch{}, false
	}
	return p.host(host)
}

// host matches a bare host name or IP address against every list.
func (p *poolIntel) host(h string) (event.PoolMatch, bool) {
	if a, err := netip.ParseAddr(h); err == nil {
		if en, ok := p.ips[a.Unmap().WithZone("")]; ok {
			return event.PoolMatch{Indicator: en.indicator, Kind: KindIP, Pool: en.pool}, true
		}
		return event.PoolMatch{}, false
	}
	var buf [253]byte
	b, ok := foldHost(buf[:0], h)
	if !ok {
		return event.PoolMatch{}, false
	}
	return p.domain(b)
}

// hostOf strips user info, path and port from the authority part of a URL.
func hostOf(s string) string {
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		s = s[i+1:]
	}
	if strings.HasPrefix(s, "[") {
		if i := strings.IndexByte(s, ']'); i > 0 {
			return s[1:i]
		}
		return ""
	}
	if strings.Count(s, ":") == 1 {
		s = s[:strings.IndexByte(s, ':')]
	}
	return s
}

// binary matches a program by file name: the name itself, or the name
// followed by - _ . or a digit ("xmrig-6.21.0", "cpuminer-sse2"), with any
// directory and a ".exe" extension ignored.
func (p *poolIntel) binary(path string) (event.PoolMatch, bool) {
	base := path
	if i := strings.LastIndexAny(base, `/\`); i >= 0 {
		base = base[i+1:]
	}
	if len(base) >= 4 && strings.EqualFold(base[len(base)-4:], ".exe") {
		base = base[:len(base)-4]
	}
	for _, name := range p.miners {
		if len(base) < len(name) || !strings.EqualFold(base[:len(name)], name) {
			continue
		}
		if len(base) == len(name) || strings.IndexByte("-_.0123456789", base[len(name)]) >= 0 {
			return event.PoolMatch{Indicator: name, Kind: KindBinary}, true
		}
	}
	return event.PoolMatch{}, false
}

// stratum finds a Stratum URL ("stratum+tcp://host:port", any case) or a
// base64-encoded scheme, as droppers hide it, in s.
func (p *poolIntel) stratum(s string) (event.PoolMatch, bool) {
	for i := 0; i < len(s); {
		j := indexFoldStratum(s[i:])
		if j < 0 {
			break
		}
		start := i + j
		k := start + len("stratum")
		for k < len(s) && s[k] >= '0' && s[k] <= '9' {
			k++
		}
		if k < len(s) && s[k] == '+' {
			k++
			for k < len(s) && (s[k] >= 'a' && s[k] <= 'z' || s[k] >= 'A' && s[k] <= 'Z' || s[k] >= '0' && s[k] <= '9') {
				k++
			}
			if strings.HasPrefix(s[k:], "://") && p.knownScheme(s[start:k]) {
				end := k + 3
				for end < len(s) && !isSep(s[end]) {
					end++
				}
				m := event.PoolMatch{Indicator: clip(s[start:end]), Kind: KindStratum}
				if hm, ok := p.host(hostOf(s[k+3 : end])); ok {
					m.Pool = hm.Pool
					if m.Pool == "" {
						m.Pool = hm.Indicator
					}
				}
				return m, true
			}
		}
		i = start + len("stratum")
	}
	if len(s) >= 16 {
		for _, mk := range p.b64 {
			if strings.Contains(s, mk.text) {
				return event.PoolMatch{Indicator: mk.indicator, Kind: KindStratum}, true
			}
		}
	}
	return event.PoolMatch{}, false
}

// indexFoldStratum is strings.Index for "stratum" in any ASCII case.
func indexFoldStratum(s string) int {
	for i := 0; i+7 <= len(s); {
		j := strings.IndexAny(s[i:], "sS")
		if j < 0 || i+j+7 > len(s) {
			return -1
		}
		if strings.EqualFold(s[i+j:i+j+7], "stratum") {
			return i + j
		}
		i += j + 1
	}
	return -1
}

func (p *poolIntel) knownScheme(s string) bool {
	var buf [16]byte
	if len(s) > len(buf) {
		return false
	}
	b := buf[:0]
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return p.schemes[string(b)]
}

// clip bounds an indicator to maxIndicator bytes without splitting a rune.
func clip(s string) string {
	if len(s) <= maxIndicator {
		return s
	}
	n := maxIndicator
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// b64Marker is a scheme's "://"-terminated URL prefix as it appears inside
// base64 text at one of the three possible byte alignments.
type b64Marker struct {
	text, indicator string
}

// b64Markers keeps, for each alignment, only the base64 characters fully
// determined by the marker's bytes (the neighbours are unknown), the way
// Sigma's mining rules list "c3RyYXR1bSt0Y3A6Ly" for stratum+tcp://.
func b64Markers(schemes []string) []b64Marker {
	var out []b64Marker
	for _, sc := range schemes {
		m := sc + "://"
		for off := 0; off < 3; off++ {
			enc := base64.StdEncoding.EncodeToString(append(make([]byte, off), m...))
			skip := [3]int{0, 2, 3}[off]
			n := off + len(m)
			keep := n/3*4 + n%3 // whole groups, then one char per byte of a partial group
			out = append(out, b64Marker{text: enc[skip:keep], indicator: "base64(" + m + ")"})
		}
	}
	return out
}
