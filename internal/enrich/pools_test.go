package enrich

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/mamori-sec/mamori/internal/event"
)

func TestPoolDomain(t *testing.T) {
	t.Parallel()
	e := loadBuiltin(t)
	tests := []struct {
		name, query, kind, indicator string
	}{
		{"exact confirmed host", "pool.supportxmr.com", KindDomain, "pool.supportxmr.com"},
		{"listed subdomain of a pool domain", "xmr-eu1.nanopool.org", KindDomain, "xmr-eu1.nanopool.org"},
		{"unlisted subdomain of a pool domain", "new-region.nanopool.org", KindDomain, "nanopool.org"},
		{"pool domain itself", "nanopool.org", KindDomain, "nanopool.org"},
		{"upper case and trailing dot", "XMR-EU1.NanoPool.org.", KindDomain, "xmr-eu1.nanopool.org"},
		{"deep subdomain of a pool domain", "a.b.c.2miners.com", KindDomain, "2miners.com"},
		{"pool host below a dyn-DNS parent, exactly", "d1pool.ddns.net", KindDomain, "d1pool.ddns.net"},
		{"pool host below a Synology DDNS parent, exactly", "byw.dscloud.me", KindDomain, "byw.dscloud.me"},
		{"candidate host", "acc-pool.pw", KindCandidate, "acc-pool.pw"},
		{"browser-mining host and its subdomains", "ws1.authedmine.com", KindBrowser, "authedmine.com"},
		{"browser-mining host below a hosting parent, exactly", "jqcdn01.herokuapp.com", KindBrowser, "jqcdn01.herokuapp.com"},
		{"dyn-DNS parent itself", "ddns.net", "", ""},
		{"sibling of a pool host under a dyn-DNS parent", "mycamera.ddns.net", "", ""},
		{"child of a pool host under a dyn-DNS parent", "x.d1pool.ddns.net", "", ""},
		{"sibling under a hosting parent", "myapp.herokuapp.com", "", ""},
		{"NTP pool is not a mining pool", "pool.ntp.org", "", ""},
		{"a pool domain as a label of another domain", "nanopool.org.evil.example", "", ""},
		{"a pool domain's name inside a longer label", "evilnanopool.org", "", ""},
		{"Microsoft", "login.microsoftonline.com", "", ""},
		{"empty", "", "", ""},
		{"single label", "localhost", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, ok := e.PoolDomain(tt.query)
			if ok != (tt.kind != "") || m.Kind != tt.kind || m.Indicator != tt.indicator {
				t.Errorf("PoolDomain(%q) = %+v, %v; want kind %q indicator %q", tt.query, m, ok, tt.kind, tt.indicator)
			}
		})
	}
}

func TestPoolCommandLine(t *testing.T) {
	t.Parallel()
	e := loadBuiltin(t)
	tests := []struct {
		name, cmd, kind, indicator, pool string
	}{
		{"xmrig with a stratum URL to an unlisted host", "./xmrig -o stratum+tcp://mine.example.net:3333 -u 4Abc -p x", KindStratum, "stratum+tcp://mine.example.net:3333", ""},
		{"stratum URL to a listed pool names the pool", "xmrig --url=stratum+ssl://pool.supportxmr.com:443 --tls", KindStratum, "stratum+ssl://pool.supportxmr.com:443", "pool.supportxmr.com"},
		{"upper-case scheme", `C:\ProgramData\svc.exe -o STRATUM+TCP://1.2.3.4:5555`, KindStratum, "STRATUM+TCP://1.2.3.4:5555", ""},
		{"stratum2 over tls", "miner --pool stratum2+tls://eu.example.org:4444", KindStratum, "stratum2+tls://eu.example.org:4444", ""},
		{"stratum URL in quotes", `sh -c "nohup ./x -o 'stratum+tcp://h.example:80' &"`, KindStratum, "stratum+tcp://h.example:80", ""},
		{"base64-encoded stratum URL", "echo c3RyYXR1bSt0Y3A6Ly9wb29sLmV4YW1wbGU6MzMzMw== | base64 -d | sh", KindStratum, "base64(stratum+tcp://)", ""},
		{"pool host as an argument", "/usr/bin/java -jar m.jar -o pool.minexmr.com:4444", KindDomain, "pool.minexmr.com", ""},
		{"unlisted host of a pool domain as an argument", "./m --url new.moneroocean.stream:10128", KindDomain, "moneroocean.stream", ""},
		{"pool host with a user in a plain URL", "curl -s tcp://wallet.worker@xmr.2miners.com:2222", KindDomain, "xmr.2miners.com", ""},
		{"pool address as an argument", "./m -o 65.108.57.232:3052", KindIP, "65.108.57.232", "Sigmanauts Pool"},
		{"miner binary by path", "/tmp/.cache/xmrig-6.21.0 --donate-level 1 --threads 8", KindBinary, "xmrig", ""},
		{"miner binary, Windows, .exe", `C:\Users\Public\XMRig.exe --background`, KindBinary, "xmrig", ""},
		{"miner binary after nohup by path", "nohup ./cpuminer-sse2 -a yescrypt &", KindBinary, "cpuminer", ""},
		{"a pool host beats the binary", "./xmrig -o pool.hashvault.pro:80", KindDomain, "pool.hashvault.pro", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, ok := e.PoolCommandLine(tt.cmd)
			if !ok || m.Kind != tt.kind || m.Indicator != tt.indicator || m.Pool != tt.pool {
				t.Errorf("PoolCommandLine(%q) = %+v, %v; want %s %q pool %q", tt.cmd, m, ok, tt.kind, tt.indicator, tt.pool)
			}
		})
	}
}

func TestPoolCommandLineBenign(t *testing.T) {
	t.Parallel()
	e := loadBuiltin(t)
	for _, cmd := range []string{
		"ntpdate -u pool.ntp.org",
		"python3 -c 'from multiprocessing import Pool; Pool(4)'",
		"az batch pool create --id gpu-pool --vm-size Standard_NC6s_v3",
		"java -Dhikari.pool.size=10 -Dthreadpool.max=64 -jar app.jar",
		"kubectl get pods -n mining-pool-exporter",
		"grep -ri xmrig /var/log/syslog",
		"systemctl restart minerd-monitor.service",
		"/usr/bin/stratum-client --config /etc/stratum.conf",
		"echo stratum+ not a url",
		"apt-get install -y python3-pool",
		"",
		strings.Repeat("stratum", 1000),
	} {
		if m, ok := e.PoolCommandLine(cmd); ok {
			t.Errorf("PoolCommandLine(%q) = %+v, want no match", cmd, m)
		}
	}
}

func TestPoolEndpoint(t *testing.T) {
	t.Parallel()
	e, err := Load(Options{OwnedIPs: []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24")}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, ip string
		port     uint16
		kind     string
	}{
		{"listed pool address", "65.108.57.232", 443, KindIP},
		{"strong miner port on a public non-Azure peer", "203.0.113.50", 3333, KindPort},
		{"a strong port only Falco's list gives", "203.0.113.50", 4444, KindPort},
		{"strong port 14444 on IPv6", "2001:4860::8888", 14444, KindPort},
		{"strong port on an Azure address", "40.71.0.1", 3333, ""},
		{"strong port on a private address", "10.0.0.5", 3333, ""},
		{"strong port on CGNAT space", "100.64.1.1", 3333, ""},
		{"strong port on the tenant's own address", "198.51.100.9", 3333, ""},
		{"weak miner port", "203.0.113.50", 8080, ""},
		// The ports the large Monero pools publish (pool_ports.csv).
		{"MoneroOcean's usual difficulty port", "203.0.113.50", 10128, KindPort},
		{"MoneroOcean's 10032", "203.0.113.50", 10032, KindPort},
		{"MoneroOcean over TLS", "203.0.113.50", 20128, KindPort},
		{"Nanopool's XMR port", "203.0.113.50", 10300, KindPort},
		{"2Miners' XMR TLS port", "203.0.113.50", 12222, KindPort},
		{"C3Pool's port", "203.0.113.50", 15555, KindPort},
		{"MoneroOcean's 10128 on an Azure address", "40.71.0.1", 10128, ""},
		// Published by a pool, but an ordinary service's too: never alone.
		{"2Miners' 2222, SSH's alternate port", "203.0.113.50", 2222, ""},
		{"SupportXMR's 9000, MinIO's and PHP-FPM's", "203.0.113.50", 9000, ""},
		{"MoneroOcean's 10001, Lantronix's tunnel port", "203.0.113.50", 10001, ""},
		{"C3Pool's 17777, SolarWinds Orion's", "203.0.113.50", 17777, ""},
		{"a high port no pool publishes", "203.0.113.50", 10129, ""},
		{"HTTPS", "203.0.113.50", 443, ""},
		{"invalid address", "", 3333, ""},
	}
	portPools := map[uint16]string{3333: "SupportXMR, HashVault", 4444: "", 14444: "Nanopool", 10128: "MoneroOcean", 10032: "MoneroOcean",
		20128: "MoneroOcean", 10300: "Nanopool", 12222: "2Miners", 15555: "C3Pool"}
	for _, tt := range tests {
		var a netip.Addr
		if tt.ip != "" {
			a = netip.MustParseAddr(tt.ip)
		}
		m, ok := e.PoolEndpoint(a, tt.port)
		if ok != (tt.kind != "") || m.Kind != tt.kind {
			t.Errorf("%s: PoolEndpoint(%s, %d) = %+v, %v; want %q", tt.name, tt.ip, tt.port, m, ok, tt.kind)
		}
		// A port match names the pools that publish the port (none for
		// one only Falco's list gives).
		if want, ok := portPools[tt.port]; tt.kind == KindPort && (!ok || m.Pool != want || m.Indicator != strconv.Itoa(int(tt.port))) {
			t.Errorf("%s: port %d matched as %q of pools %q; want pools %q", tt.name, tt.port, m.Indicator, m.Pool, want)
		}
	}
}

func TestPoolCredit(t *testing.T) {
	t.Parallel()
	e := loadBuiltin(t)
	m, ok := e.PoolDomain("byw.dscloud.me") // listed only by the SigmaHQ rule
	if !ok {
		t.Fatal("no match")
	}
	if c := e.PoolCredit(m); !strings.Contains(c, "Florian Roth") || !strings.Contains(c, "Detection Rule License") {
		t.Errorf("PoolCredit = %q", c)
	}
	m, _ = e.PoolDomain("acc-pool.pw") // AdamYoung71 only
	if c := e.PoolCredit(m); c != "" {
		t.Errorf("PoolCredit(%+v) = %q, want none", m, c)
	}
}

func TestB64Markers(t *testing.T) {
	t.Parallel()
	got := map[string]bool{}
	for _, m := range b64Markers([]string{"stratum+tcp"}) {
		got[m.text] = true
	}
	// The three alignments SigmaHQ's Linux mining rule lists for stratum+tcp://.
	for _, want := range []string{"c3RyYXR1bSt0Y3A6Ly", "N0cmF0dW0rdGNwOi8v", "zdHJhdHVtK3RjcDovL"} {
		if !got[want] {
			t.Errorf("marker %s missing from %v", want, got)
		}
	}
}

func TestApply(t *testing.T) {
	t.Parallel()
	e := loadBuiltin(t)
	tests := []struct {
		name                 string
		ev                   event.Event
		size, srcTag, dstTag string
		pool                 string // kind
	}{
		{
			name: "VM create of an NC24s_v3 from an eastus address gets size and caller facts",
			ev:   event.Event{Kind: event.KindActivity, SourceIP: netip.MustParseAddr("40.71.0.9"), Compute: &event.Compute{Service: "vm", Size: "STANDARD_NC24S_V3"}},
			size: "Standard_NC24s_v3", srcTag: "AzureCloud.eastus",
		},
		{
			name: "outbound flow to a strong port on the Internet",
			ev:   event.Event{Kind: event.KindFlow, Flow: &event.Flow{Src: netip.MustParseAddr("10.0.0.4"), Dst: netip.MustParseAddr("203.0.113.7"), DstPort: 3333, Direction: "outbound"}},
			pool: KindPort,
		},
		{
			name: "inbound flow to port 3333 is a listening service",
			ev:   event.Event{Kind: event.KindFlow, Flow: &event.Flow{Src: netip.MustParseAddr("203.0.113.7"), Dst: netip.MustParseAddr("10.0.0.4"), DstPort: 3333, Direction: "inbound"}},
		},
		{
			name:   "flow to Azure storage",
			ev:     event.Event{Kind: event.KindFlow, Flow: &event.Flow{Src: netip.MustParseAddr("10.0.0.4"), Dst: netip.MustParseAddr("20.38.98.1"), DstPort: 443, Direction: "outbound"}},
			dstTag: "Storage.EastUS",
		},
		{
			name: "DNS query for a pool",
			ev:   event.Event{Kind: event.KindDNS, DNS: &event.DNS{Query: "xmr.2miners.com", Client: netip.MustParseAddr("10.0.0.4")}},
			pool: KindDomain,
		},
		{
			name: "process with a stratum URL",
			ev:   event.Event{Kind: event.KindProcess, Process: &event.Process{Image: "/tmp/kworker", CommandLine: "/tmp/kworker -o stratum+tcp://x.example:3333"}},
			pool: KindStratum,
		},
		{
			name: "process named like a miner with a harmless command line",
			ev:   event.Event{Kind: event.KindProcess, Process: &event.Process{Image: "/opt/x/xmrig", CommandLine: "--version"}},
			pool: KindBinary,
		},
		{
			name: "unknown size and no addresses",
			ev:   event.Event{Kind: event.KindActivity, Compute: &event.Compute{Service: "vm", Size: "Standard_Nope"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ev := tt.ev
			e.Apply(&ev)
			en := ev.Enrich
			if got := ""; en.Size != nil {
				got = en.Size.Size
				if got != tt.size {
					t.Errorf("size %q, want %q", got, tt.size)
				}
			} else if tt.size != "" {
				t.Errorf("no size, want %q", tt.size)
			}
			if tt.srcTag != "" && (en.SrcIP == nil || en.SrcIP.ServiceTag != tt.srcTag) {
				t.Errorf("src %+v, want tag %q", en.SrcIP, tt.srcTag)
			}
			if tt.dstTag != "" && (en.DstIP == nil || en.DstIP.ServiceTag != tt.dstTag) {
				t.Errorf("dst %+v, want tag %q", en.DstIP, tt.dstTag)
			}
			switch {
			case tt.pool == "" && en.Pool != nil:
				t.Errorf("pool %+v, want none", en.Pool)
			case tt.pool != "" && (en.Pool == nil || en.Pool.Kind != tt.pool):
				t.Errorf("pool %+v, want kind %q", en.Pool, tt.pool)
			}
		})
	}
}

// FuzzPoolCommandLine feeds attacker-controlled command lines and DNS
// names to the matchers: no panic, bounded indicators, known kinds only.
func FuzzPoolCommandLine(f *testing.F) {
	for _, s := range []string{
		"./xmrig -o stratum+tcp://pool.supportxmr.com:3333 -u x", "STRATUM2+TLS://[2001:db8::1]:443",
		"echo c3RyYXR1bSt0Y3A6Ly9wb29sLmV4YW1wbGU6MzMzMw== | base64 -d", `C:\x\XMRig.exe`, "stratum+",
		"curl tcp://a@b@xmr.2miners.com:1/x?y#z", "ntpdate pool.ntp.org", "\xff\x00stratum9+\xff://", "[::1", "a..b.nanopool.org",
	} {
		f.Add(s)
	}
	e, err := builtin()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, call := range []func(string) (event.PoolMatch, bool){e.PoolCommandLine, e.PoolDomain} {
			m, ok := call(s)
			if !ok {
				if m != (event.PoolMatch{}) {
					t.Errorf("no match but %+v", m)
				}
				continue
			}
			if _, known := kindRank[m.Kind]; !known || m.Indicator == "" || len(m.Indicator) > maxIndicator {
				t.Errorf("match %+v from %q", m, s)
			}
		}
	})
}

// The separator table says what its definition says, for every byte.
func TestSepTableIsBlanksQuotesAndShellPunctuation(t *testing.T) {
	t.Parallel()
	for c := range 256 {
		want := c <= ' ' || strings.IndexByte("\"'`=,;|&()<>[]{}", byte(c)) >= 0
		if isSep(byte(c)) != want {
			t.Errorf("isSep(%q) = %v", byte(c), !want)
		}
	}
}

// slowMatch is domainList.match without the tail check: what the check
// must never change.
func slowMatch(l *domainList, h []byte) (poolEntry, bool) {
	if e, ok := l.exact[string(h)]; ok {
		return e, true
	}
	for len(h) > 0 {
		if e, ok := l.suffix[string(h)]; ok {
			return e, true
		}
		i := strings.IndexByte(string(h), '.')
		if i < 0 {
			break
		}
		h = h[i+1:]
	}
	return poolEntry{}, false
}

// TestTailCheckChangesNoMatch compares each built-in list's match with
// and without the tail check on every entry, its parents and children,
// look-alikes, and a one-label entry added for the case.
func TestTailCheckChangesNoMatch(t *testing.T) {
	t.Parallel()
	e := loadBuiltin(t)
	p := e.pools
	one := newDomainList()
	one.add("onion", true, poolEntry{indicator: "onion"})
	one.add("a..b", false, poolEntry{indicator: "a..b"})
	lists := map[string]*domainList{"confirmed": &p.confirmed, "candidates": &p.candidates, "browser": &p.browser, "one label": &one}
	matched := 0
	for name, l := range lists {
		var hosts []string
		for _, m := range []map[string]poolEntry{l.exact, l.suffix} {
			for h := range m {
				hosts = append(hosts, h, "x."+h, "a.b."+h, "x"+h, h+".evil", parentOf(h), "pool."+parentOf(h), strings.ToUpper(h))
			}
		}
		hosts = append(hosts, "", ".", "..", "a..b", "x.a..b", "tor.onion", "onion", "download.pytorch.org", "localhost")
		for _, h := range hosts {
			want, wok := slowMatch(l, []byte(h))
			got, ok := l.match([]byte(h))
			if ok != wok || got != want {
				t.Fatalf("%s: match(%q) = %+v, %v; without the tail check %+v, %v", name, h, got, ok, want, wok)
			}
			if ok {
				matched++
			}
		}
	}
	if matched < 100 {
		t.Errorf("only %d names matched: the comparison saw too few matches", matched)
	}
}

func parentOf(h string) string {
	if i := strings.IndexByte(h, '.'); i >= 0 {
		return h[i+1:]
	}
	return ""
}
