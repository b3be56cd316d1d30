package enrich

import (
	"encoding/csv"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
)

// This file reads and checks the pool list formats: pools.csv (built in,
// or installed by "intel update"), the plain list of an update and
// browser_mining.txt, and shared_parents.csv, which guards them.

// sharedParents are domains under which unrelated people get names
// (data/mining/shared_parents.csv): dyn-DNS and hosting parents, whose
// children may only be listed for exact matching, and public suffixes.
type sharedParents map[string]string

// under returns the dyn-DNS or hosting parent h lies below, if any.
func (sp sharedParents) under(h string) (string, bool) {
	for p := parentDomain(h); p != ""; p = parentDomain(p) {
		if k := sp[p]; k == "dyndns" || k == "hosting" {
			return p, true
		}
	}
	return "", false
}

// check refuses rows that would match names of unrelated owners: a shared
// parent itself, or a suffix entry below a dyn-DNS or hosting parent.
func (sp sharedParents) check(r poolRow) error {
	if k, ok := sp[r.indicator]; ok {
		return fmt.Errorf("%s is a shared parent domain (%s): list full host names below it instead", r.indicator, k)
	}
	if r.suffix {
		if p, ok := sp.under(r.indicator); ok {
			return fmt.Errorf("%s is below the %s parent %s: it can only match exactly", r.indicator, sp[p], p)
		}
	}
	return nil
}

func parseParents(r io.Reader) (sharedParents, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = 2
	recs, err := cr.ReadAll()
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 || recs[0][0] != "domain" || recs[0][1] != "kind" {
		return nil, fmt.Errorf("want header domain,kind")
	}
	sp := sharedParents{}
	for _, rec := range recs[1:] {
		switch rec[1] {
		case "dyndns", "hosting", "suffix":
		default:
			return nil, fmt.Errorf("%s: unknown kind %q", rec[0], rec[1])
		}
		sp[strings.ToLower(rec[0])] = rec[1]
	}
	return sp, nil
}

// poolsHeader is the column list of pools.csv.
const poolsHeader = "indicator,match,ports,pool,confidence,sources"

// parsePoolsCSV reads pools.csv. Every row is checked; an error names the line.
func parsePoolsCSV(r io.Reader, sp sharedParents) ([]poolRow, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = -1 // counted below, so the error can say what is expected
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	if strings.Join(head, ",") != poolsHeader {
		return nil, fmt.Errorf("want header %s", poolsHeader)
	}
	var rows []poolRow
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, err
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != 6 {
			return nil, fmt.Errorf("line %d: %d columns, want 6 (%s)", line, len(rec), poolsHeader)
		}
		row, err := poolFromCSV(rec, sp)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		rows = append(rows, row)
	}
}

func poolFromCSV(rec []string, sp sharedParents) (poolRow, error) {
	row := poolRow{pool: rec[3]}
	if rec[5] != "" {
		row.sources = strings.Split(rec[5], ";")
	}
	switch rec[1] {
	case "exact":
	case "suffix":
		row.suffix = true
	default:
		return row, fmt.Errorf("match must be exact or suffix, not %q", rec[1])
	}
	switch rec[4] {
	case "confirmed":
	case "candidate":
		row.candidate = true
	default:
		return row, fmt.Errorf("confidence must be confirmed or candidate, not %q", rec[4])
	}
	if rec[2] != "" {
		for _, ps := range strings.Split(rec[2], ";") {
			p, err := strconv.ParseUint(ps, 10, 16)
			if err != nil || p == 0 {
				return row, fmt.Errorf("bad port %q", ps)
			}
			row.ports = append(row.ports, uint16(p))
		}
	}
	ind, err := normIndicator(rec[0], row.suffix)
	if err != nil {
		return row, err
	}
	row.indicator = ind
	return row, sp.check(row)
}

// parsePoolsText reads the plain list format: one host name, "*.domain"
// (the domain and every name below it) or IP address per line, "#"
// comments. Entries are confirmed; an error names the line.
func parsePoolsText(r io.Reader, sp sharedParents) ([]poolRow, error) {
	var rows []poolRow
	ls := newListScanner(r)
	for ls.Scan() {
		s := ls.text
		row := poolRow{}
		if rest, ok := strings.CutPrefix(s, "*."); ok {
			s, row.suffix = rest, true
		}
		ind, err := normIndicator(s, row.suffix)
		if err == nil {
			row.indicator = ind
			err = sp.check(row)
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", ls.line, err)
		}
		rows = append(rows, row)
	}
	if err := ls.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", ls.line+1, err)
	}
	return rows, nil
}

// normIndicator accepts an IP address (exact only) or a host name of two or
// more labels, returned in lower case.
func normIndicator(s string, suffix bool) (string, error) {
	if a, err := netip.ParseAddr(s); err == nil {
		if suffix {
			return "", fmt.Errorf("%q: an IP address cannot be a suffix", s)
		}
		if a.Zone() != "" || !a.IsGlobalUnicast() || a.IsPrivate() {
			return "", fmt.Errorf("%q: not a public unicast address", s)
		}
		return a.Unmap().String(), nil
	}
	h := strings.ToLower(strings.TrimSuffix(s, "."))
	if !validHost(h) {
		return "", fmt.Errorf("%q is not a host name of two or more labels", s)
	}
	return h, nil
}

// validHost accepts lower-case DNS names of at least two labels.
func validHost(h string) bool {
	if len(h) < 3 || len(h) > 253 || strings.IndexByte(h, '.') < 0 {
		return false
	}
	label := 0
	for i := 0; i <= len(h); i++ {
		if i == len(h) || h[i] == '.' {
			if label == 0 || label > 63 || h[i-1] == '-' || h[i-label] == '-' {
				return false
			}
			label = 0
			continue
		}
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
		label++
	}
	return true
}
