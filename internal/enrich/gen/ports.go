package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

// weakPorts are Falco's miner ports that ordinary services also use: a
// connection to one of them is no evidence on its own.
var weakPorts = map[int]string{
	25: "SMTP", 8000: "HTTP alternate", 8001: "HTTP alternate", 8008: "HTTP alternate", 8080: "HTTP proxy",
	8118: "Privoxy", 8333: "Bitcoin peer-to-peer (a node, not a pool)", 8888: "HTTP alternate, Jupyter",
	8899: "HTTP alternate", 9999: "common application port",
}

// poolPort is one reviewed row of pool_ports.csv.
type poolPort struct {
	strong bool
	pools  string // the pools that publish it, ";" between names
	note   string // how they publish it, and what else uses it
}

// portRow is one row of the generated ports.csv.
type portRow struct {
	port   int
	strong bool
	pools  string
	note   string
}

// readPoolPorts loads pool_ports.csv, the hand-reviewed ports the large
// Monero pools publish (port,strength,pools,note). A row that names no
// pool says nothing of who publishes the port, so it is refused; every
// problem is reported with its line, all at once.
func readPoolPorts(path string) (map[int]poolPort, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parsePoolPorts(f, path)
}

func parsePoolPorts(r io.Reader, name string) (map[int]poolPort, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = 4
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if strings.Join(head, ",") != "port,strength,pools,note" {
		line, _ := cr.FieldPos(0)
		return nil, fmt.Errorf("%s:%d: want header port,strength,pools,note", name, line)
	}
	out := map[int]poolPort{}
	var errs []error
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			// csv.ParseError names the line already.
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		bad := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf("%s:%d: %s", name, line, fmt.Sprintf(format, args...)))
		}
		p, err := strconv.Atoi(rec[0])
		if err != nil || p <= 0 || p > 65535 {
			bad("bad port %q", rec[0])
			continue
		}
		if rec[1] != "strong" && rec[1] != "weak" {
			bad("port %d: strength must be strong or weak, not %q", p, rec[1])
			continue
		}
		if slices.Contains(strings.Split(rec[2], ";"), "") || strings.TrimSpace(rec[2]) != rec[2] {
			bad("port %d: pools %q: the names of the pools that publish it, \";\" between them", p, rec[2])
			continue
		}
		if _, dup := out[p]; dup {
			bad("port %d listed twice", p)
			continue
		}
		out[p] = poolPort{strong: rec[1] == "strong", pools: rec[2], note: rec[3]}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// mergePorts joins Falco's miner ports with the reviewed pool ports. A port
// either review calls shared with an ordinary service is weak. The two
// reviews must not contradict each other: a pool port marked strong that
// weakPorts knows an ordinary service for is an error to resolve by hand.
// The rows come sorted by port, so the output does not depend on map order.
func mergePorts(falco []int, reviewed map[int]poolPort, reviewedName string) ([]portRow, error) {
	ports := slices.Clone(falco)
	for p := range reviewed {
		ports = append(ports, p)
	}
	slices.Sort(ports)
	var rows []portRow
	var errs []error
	for _, p := range slices.Compact(ports) {
		shared, weak := weakPorts[p]
		r, ok := reviewed[p]
		if ok && r.strong && weak {
			errs = append(errs, fmt.Errorf("%s: port %d is marked strong, but %s shares it", reviewedName, p, shared))
			continue
		}
		row := portRow{port: p, strong: !weak && (!ok || r.strong), note: shared}
		if ok {
			row.pools, row.note = r.pools, r.note
		}
		rows = append(rows, row)
	}
	return rows, errors.Join(errs...)
}

func writePorts(path string, rows []portRow) error {
	var b strings.Builder
	b.WriteString(portsHeader)
	b.WriteString("port,strength,pools,note\n")
	for _, r := range rows {
		strength := "weak"
		if r.strong {
			strength = "strong"
		}
		fmt.Fprintf(&b, "%d,%s,%s,%s\n", r.port, strength, csvField(r.pools), csvField(r.note))
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
