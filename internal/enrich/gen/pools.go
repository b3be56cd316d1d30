package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Upstream tags written in the sources column of pools.csv.
const (
	srcAdamYoung = "adamyoung71"
	srcFalco     = "falco"
	srcSigma     = "sigmahq"
)

// entry is one row of pools.csv being assembled from several sources.
type entry struct {
	indicator  string
	suffix     bool
	ports      map[int]bool
	pools      map[string]int // pool name -> how many upstream rows give it
	confidence string
	sources    map[string]bool
}

func newEntry(ind, confidence string) *entry {
	return &entry{indicator: ind, confidence: confidence, ports: map[int]bool{}, pools: map[string]int{}, sources: map[string]bool{}}
}

func runPools(args []string) error {
	fs := newFlags("pools")
	intel := fs.String("intel", "../shared/data/intel", "folder holding the upstream pool lists")
	sigma := fs.String("sigma", "../shared/data/sigmahq/rules/windows/network_connection/net_connection_win_domain_crypto_mining_pools.yml", "the SigmaHQ mining-pool rule")
	out := fs.String("out", "data", "the repository's data folder")
	_ = fs.Parse(args)

	parents, err := readParents(filepath.Join(*out, "mining", "shared_parents.csv"))
	if err != nil {
		return err
	}
	reviewedPorts := filepath.Join(*out, "mining", "pool_ports.csv")
	poolPorts, err := readPoolPorts(reviewedPorts)
	if err != nil {
		return err
	}
	ay, err := readAdamYoung(filepath.Join(*intel, "adamyoung71_mining_pool_domains.csv"))
	if err != nil {
		return err
	}
	if err := checkWatchlist(filepath.Join(*intel, "adamyoung71_mining_pool_watchlist.json"), ay); err != nil {
		return err
	}
	fal, err := readFalco(filepath.Join(*intel, "falco_miner_lists.json"))
	if err != nil {
		return err
	}
	sig, err := readSigma(*sigma)
	if err != nil {
		return err
	}

	rows := buildPools(ay, fal, sig, parents)
	dir := filepath.Join(*out, "mining")
	if err := writePools(filepath.Join(dir, "pools.csv"), rows); err != nil {
		return err
	}
	if err := writeBrowser(filepath.Join(*intel, "nocoin_hosts.txt"), filepath.Join(dir, "browser_mining.txt"), parents); err != nil {
		return err
	}
	ports, err := mergePorts(fal.Ports, poolPorts, reviewedPorts)
	if err != nil {
		return err
	}
	if err := writePorts(filepath.Join(dir, "ports.csv"), ports); err != nil {
		return err
	}
	if err := writeList(filepath.Join(dir, "miners.txt"), minersHeader, fal.Binaries); err != nil {
		return err
	}
	return writeList(filepath.Join(dir, "stratum.txt"), stratumHeader, stratumSchemes(fal.Markers))
}

// ayRow is one row of AdamYoung71's mining_pool_domains.csv.
type ayRow struct {
	host, pool, confidence string
	port                   int
}

func readAdamYoung(path string) ([]ayRow, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[h] = i
	}
	for _, want := range []string{"domain", "port", "pool_name", "confidence"} {
		if _, ok := col[want]; !ok {
			return nil, fmt.Errorf("%s: no %s column", path, want)
		}
	}
	var rows []ayRow
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		port, err := strconv.Atoi(rec[col["port"]])
		if err != nil || port <= 0 || port > 65535 {
			return nil, fmt.Errorf("%s:%d: bad port %q", path, line, rec[col["port"]])
		}
		rows = append(rows, ayRow{
			host:       strings.ToLower(strings.TrimSpace(rec[col["domain"]])),
			pool:       strings.TrimSpace(rec[col["pool_name"]]),
			confidence: rec[col["confidence"]],
			port:       port,
		})
	}
}

// checkWatchlist makes sure the watchlist is the CSV's confirmed set, as
// upstream documents, so using the CSV alone loses nothing.
func checkWatchlist(path string, ay []ayRow) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var wl []struct {
		Domain     string `json:"domain"`
		Port       int    `json:"port"`
		Confidence string `json:"confidence"`
	}
	if err := json.Unmarshal(b, &wl); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	confirmed := map[string]bool{}
	for _, r := range ay {
		if r.confidence == "confirmed" {
			confirmed[r.host+":"+strconv.Itoa(r.port)] = true
		}
	}
	listed := map[string]bool{}
	for i, w := range wl {
		k := strings.ToLower(w.Domain) + ":" + strconv.Itoa(w.Port)
		if !confirmed[k] {
			return fmt.Errorf("%s: element %d (%s) is not a confirmed row of the CSV", path, i, k)
		}
		listed[k] = true
	}
	if len(listed) != len(confirmed) {
		return fmt.Errorf("%s: %d endpoints, the CSV has %d confirmed", path, len(listed), len(confirmed))
	}
	return nil
}

// falco holds the list items of falcosecurity/rules' miner lists.
type falco struct {
	Ports    []int    `json:"miner_ports"`
	Domains  []string `json:"miner_domains"`
	HTTPS    []string `json:"https_miner_domains"`
	HTTP     []string `json:"http_miner_domains"`
	Binaries []string `json:"miner_binaries"`
	Markers  []string `json:"stratum_cmdline_markers"`
}

func readFalco(path string) (*falco, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f falco
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &f, nil
}

// readSigma takes the quoted list items under DestinationHostname: of the
// SigmaHQ rule. A line scanner is enough for this one flat list.
func readSigma(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var hosts []string
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		t := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(t, "DestinationHostname"):
			in = true
		case in && strings.HasPrefix(t, "- "):
			hosts = append(hosts, strings.ToLower(strings.Trim(strings.TrimPrefix(t, "- "), `'"`)))
		case in:
			in = false
		}
	}
	if len(hosts) == 0 {
		return nil, fmt.Errorf("%s: no DestinationHostname list", path)
	}
	return hosts, sc.Err()
}

// buildPools merges the sources into rows keyed by indicator. Confirmed
// hosts come from every source but AdamYoung71's candidates; a registrable
// domain becomes a suffix row when a source lists it itself or lists two
// hosts below it, and it is not a shared (dyn-DNS, hosting) parent.
func buildPools(ay []ayRow, fal *falco, sig []string, parents map[string]string) []*entry {
	rows := map[string]*entry{}
	add := func(host, confidence, src, pool string, port int) {
		if !validHost(host) && !isAddr(host) {
			fmt.Fprintf(os.Stderr, "gen: skipping %q from %s: not a host name\n", host, src)
			return
		}
		if _, shared := parents[host]; shared {
			fmt.Fprintf(os.Stderr, "gen: skipping %q from %s: a shared parent domain\n", host, src)
			return
		}
		e := rows[host]
		if e == nil {
			e = newEntry(host, confidence)
			rows[host] = e
		}
		if confidence == "confirmed" {
			e.confidence = confidence
		}
		e.sources[src] = true
		if pool != "" && pool != host {
			e.pools[pool]++
		}
		if port > 0 {
			e.ports[port] = true
		}
	}
	for _, r := range ay {
		if a, err := netip.ParseAddr(r.host); err == nil {
			if !publicAddr(a) {
				fmt.Fprintf(os.Stderr, "gen: skipping %s from %s: not a public address\n", r.host, srcAdamYoung)
				continue
			}
			add(a.String(), r.confidence, srcAdamYoung, r.pool, r.port)
			continue
		}
		add(r.host, r.confidence, srcAdamYoung, r.pool, r.port)
	}
	for _, list := range [][]string{fal.Domains, fal.HTTPS, fal.HTTP} {
		for _, h := range list {
			add(strings.ToLower(h), "confirmed", srcFalco, "", 0)
		}
	}
	for _, h := range sig {
		add(h, "confirmed", srcSigma, "", 0)
	}
	promoteSuffixes(rows, parents)
	dropCovered(rows, parents)

	out := make([]*entry, 0, len(rows))
	for _, e := range rows {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].indicator < out[j].indicator })
	return out
}

// promoteSuffixes adds or marks the suffix rows for pool-owned registrable domains.
func promoteSuffixes(rows map[string]*entry, parents map[string]string) {
	below := map[string][]*entry{}
	for h, e := range rows {
		if e.confidence != "confirmed" || isAddr(h) || underShared(h, parents) {
			continue
		}
		below[registrable(h, parents)] = append(below[registrable(h, parents)], e)
	}
	for reg, kids := range below {
		self := rows[reg]
		if (self == nil || self.confidence != "confirmed") && len(kids) < 2 {
			continue
		}
		if self == nil {
			self = newEntry(reg, "confirmed")
			rows[reg] = self
		}
		self.confidence = "confirmed"
		self.suffix = true
		for _, k := range kids {
			for s := range k.sources {
				self.sources[s] = true
			}
			for p, n := range k.pools {
				if k != self {
					self.pools[p] += n
				}
			}
		}
	}
}

// dropCovered removes candidates a confirmed suffix row already matches.
func dropCovered(rows map[string]*entry, parents map[string]string) {
	for h, e := range rows {
		if e.confidence == "confirmed" || isAddr(h) {
			continue
		}
		for p := parent(h); p != ""; p = parent(p) {
			if s := rows[p]; s != nil && s.suffix && s.confidence == "confirmed" {
				delete(rows, h)
				break
			}
		}
	}
}
