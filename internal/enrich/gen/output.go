package main

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
)

func writePools(path string, rows []*entry) error {
	var b strings.Builder
	b.WriteString(poolsHeader)
	b.WriteString("indicator,match,ports,pool,confidence,sources\n")
	for _, e := range rows {
		match := "exact"
		if e.suffix {
			match = "suffix"
		}
		var ports []string
		for p := range e.ports {
			ports = append(ports, strconv.Itoa(p))
		}
		slices.SortFunc(ports, func(a, b string) int { x, _ := strconv.Atoi(a); y, _ := strconv.Atoi(b); return x - y })
		var srcs []string
		for s := range e.sources {
			srcs = append(srcs, s)
		}
		slices.Sort(srcs)
		fmt.Fprintf(&b, "%s,%s,%s,%s,%s,%s\n", e.indicator, match, strings.Join(ports, ";"), csvField(topPool(e.pools)), e.confidence, strings.Join(srcs, ";"))
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// topPool is the pool name most upstream rows give, ties broken by name.
func topPool(m map[string]int) string {
	best, n := "", 0
	for p, c := range m {
		if c > n || (c == n && p < best) {
			best, n = p, c
		}
	}
	return best
}

func csvField(s string) string {
	if strings.ContainsAny(s, ",\"\n") {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}

// writeBrowser turns NoCoin's hosts file into a list matching each host and
// its subdomains, except below shared parents, where only the host matches.
func writeBrowser(in, out string, parents map[string]string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 2 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		h := strings.ToLower(fields[1])
		if _, shared := parents[h]; shared || !validHost(h) {
			fmt.Fprintf(os.Stderr, "gen: skipping browser-mining host %q\n", h)
			continue
		}
		if !underShared(h, parents) {
			h = "*." + h
		}
		seen[h] = true
	}
	if err := sc.Err(); err != nil {
		return err
	}
	var list []string
	for h := range seen {
		list = append(list, h)
	}
	slices.SortFunc(list, func(a, b string) int {
		return strings.Compare(strings.TrimPrefix(a, "*."), strings.TrimPrefix(b, "*."))
	})
	return writeList(out, browserHeader, list)
}

// stratumSchemes is Falco's marker list completed with the +tls, +udp and
// stratum1 forms miners accept (SigmaHQ's Linux rule names +udp; the brief's
// review names +tls), normalised and sorted.
func stratumSchemes(markers []string) []string {
	set := map[string]bool{}
	for _, m := range markers {
		set[strings.ToLower(strings.TrimSuffix(m, "://"))] = true
	}
	for _, v := range []string{"stratum", "stratum1", "stratum2"} {
		for _, t := range []string{"tcp", "ssl", "tls"} {
			set[v+"+"+t] = true
		}
	}
	set["stratum+udp"] = true
	var out []string
	for s := range set {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

func writeList(path, header string, items []string) error {
	var b strings.Builder
	b.WriteString(header)
	for _, it := range items {
		b.WriteString(it)
		b.WriteByte('\n')
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
