package enrich

import (
	"net/netip"
	"strings"

	"github.com/mamori-sec/mamori/internal/event"
)

// The kinds of PoolMatch enrichment reports, strongest evidence first.
const (
	KindStratum   = "stratum"   // a Stratum URL (or its base64 form) in a command line
	KindDomain    = "domain"    // a confirmed pool host: exact, or below a pool-owned domain
	KindIP        = "ip"        // a listed pool address
	KindBinary    = "binary"    // a miner program name
	KindCandidate = "candidate" // a lower-confidence pool host (AdamYoung71 candidates)
	KindBrowser   = "browser"   // a browser-mining (coinhive-style) host
	KindPort      = "port"      // a strong miner port on a public, non-Azure, not-owned peer: weak evidence
)

// poolRow is one row of a pools.csv file (embedded or installed by "intel update").
type poolRow struct {
	indicator string // lower-case host name, or an IP address
	suffix    bool
	ports     []uint16
	pool      string
	candidate bool
	sources   []string
}

// poolEntry is what a match reports.
type poolEntry struct {
	indicator, pool string
}

// domainList matches host names exactly or, for suffix entries, also every
// name below them.
type domainList struct {
	exact, suffix map[string]poolEntry
	// tails holds the last two labels of each entry (the whole entry when
	// it has one): a name that matches an entry ends with the entry, so
	// a name whose own tail is not here matches none. Most names a
	// firewall resolves are so ruled out by one look-up instead of one a
	// label and kind.
	tails map[string]struct{}
}

func newDomainList() domainList {
	return domainList{exact: map[string]poolEntry{}, suffix: map[string]poolEntry{}, tails: map[string]struct{}{}}
}

func (l *domainList) add(host string, suffix bool, e poolEntry) {
	l.tails[string(tail(2, []byte(host)))] = struct{}{}
	if suffix {
		l.suffix[host] = e
		return
	}
	l.exact[host] = e
}

// tail returns the last n labels of h (all of h when it has fewer).
func tail(n int, h []byte) []byte {
	for i := len(h) - 1; i >= 0; i-- {
		if h[i] == '.' {
			if n--; n == 0 {
				return h[i+1:]
			}
		}
	}
	return h
}

// mayMatch reports whether some entry could match h: h ends with the
// tail of every entry it matches, either its last two labels (an entry of
// two or more) or its last label (an entry of one).
func (l *domainList) mayMatch(h []byte) bool {
	if _, ok := l.tails[string(tail(2, h))]; ok {
		return true
	}
	_, ok := l.tails[string(tail(1, h))]
	return ok
}

// match looks up a lower-case host: exact entries, then suffix entries from
// the host itself up through its parents. It takes bytes so that callers
// folding case into a stack buffer do not allocate (a map index with
// string(b) does not copy).
func (l *domainList) match(h []byte) (poolEntry, bool) {
	if !l.mayMatch(h) {
		return poolEntry{}, false
	}
	if e, ok := l.exact[string(h)]; ok {
		return e, true
	}
	if len(l.suffix) == 0 {
		return poolEntry{}, false
	}
	for len(h) > 0 {
		if e, ok := l.suffix[string(h)]; ok {
			return e, true
		}
		i := 0
		for i < len(h) && h[i] != '.' {
			i++
		}
		if i == len(h) {
			break
		}
		h = h[i+1:]
	}
	return poolEntry{}, false
}

// parentDomain strips the leftmost label: "a.b.c" -> "b.c", "c" -> "".
func parentDomain(h string) string {
	if i := strings.IndexByte(h, '.'); i >= 0 {
		return h[i+1:]
	}
	return ""
}

// addRow files a row in the list its indicator and confidence call for.
func (p *poolIntel) addRow(r poolRow) {
	e := poolEntry{indicator: r.indicator, pool: r.pool}
	delete(p.credits, r.indicator) // a user row replaces the built-in one
	for _, s := range r.sources {
		if s == srcSigma {
			p.credits[r.indicator] = sigmaCredit
		}
	}
	if a, err := netip.ParseAddr(r.indicator); err == nil {
		p.ips[a] = e
		return
	}
	if r.candidate {
		p.candidates.add(r.indicator, r.suffix, e)
		return
	}
	p.confirmed.add(r.indicator, r.suffix, e)
}

// srcSigma tags rows taken from the SigmaHQ mining-pool rule, whose
// Detection Rule License 1.1 asks that messages based on its matches name
// the rule's authors.
const (
	srcSigma    = "sigmahq"
	sigmaCredit = `SigmaHQ rule "Network Communication With Crypto Mining Pool" (fa5b1358-b040-4403-9868-15f7d9ab6329) by Florian Roth, Nasreddine Bencherchali (Nextron Systems); Detection Rule License 1.1, https://github.com/SigmaHQ/Detection-Rule-License`
)

// PoolCredit returns the attribution an alert must show for a match whose
// indicator (or the pool host behind a Stratum URL) comes from a list that
// requires it, such as the SigmaHQ rule's pool hosts; "" when none is due.
func (e *Enricher) PoolCredit(m event.PoolMatch) string {
	if c, ok := e.pools.credits[m.Indicator]; ok {
		return c
	}
	return e.pools.credits[m.Pool]
}

// PoolDomain reports whether a DNS name is mining-pool infrastructure:
// a confirmed pool host or a name below a pool-owned domain (Kind domain),
// a lower-confidence candidate host (Kind candidate) or a browser-mining
// host (Kind browser). Names below dyn-DNS parents match only as listed.
func (e *Enricher) PoolDomain(name string) (event.PoolMatch, bool) {
	var buf [253]byte
	h, ok := foldHost(buf[:0], name)
	if !ok {
		return event.PoolMatch{}, false
	}
	return e.pools.domain(h)
}

// PoolKind is the kind of pool PoolDomain finds for a DNS name, "" for
// none: what enrichment will say of a lookup (enrich.pool.kind), for the
// engine's decision to read one briefly (engine.Engine.PoolKind).
func (e *Enricher) PoolKind(name string) string {
	m, _ := e.PoolDomain(name)
	return m.Kind
}

// domain matches a folded host name against the lists, best first. The
// result holds list strings only, so a match does not allocate.
func (p *poolIntel) domain(h []byte) (event.PoolMatch, bool) {
	if en, ok := p.confirmed.match(h); ok {
		return event.PoolMatch{Indicator: en.indicator, Kind: KindDomain, Pool: en.pool}, true
	}
	if en, ok := p.candidates.match(h); ok {
		return event.PoolMatch{Indicator: en.indicator, Kind: KindCandidate, Pool: en.pool}, true
	}
	if en, ok := p.browser.match(h); ok {
		return event.PoolMatch{Indicator: en.indicator, Kind: KindBrowser, Pool: en.pool}, true
	}
	return event.PoolMatch{}, false
}

// foldHost lower-cases a DNS name into dst and drops one trailing dot;
// ok is false for something that cannot be a host name.
func foldHost(dst []byte, s string) ([]byte, bool) {
	s = strings.TrimSuffix(strings.TrimSpace(s), ".")
	if len(s) < 3 || len(s) > cap(dst) {
		return dst, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst, true
}
