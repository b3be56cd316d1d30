package enrich

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/mamori-sec/mamori"
)

// The files "intel update" writes into the user's data folder.
const (
	userTagsFile  = "servicetags.json"
	userPoolsFile = "pools.csv"
)

// poolIntel is every mining-pool list, ready for look-ups. Read-only once built.
type poolIntel struct {
	confirmed, candidates, browser domainList
	ips                            map[netip.Addr]poolEntry
	ports                          map[uint16]poolEntry // strong miner ports: the port as text, the pools that publish it
	miners                         []string
	schemes                        map[string]bool
	b64                            []b64Marker
	parents                        sharedParents
	credits                        map[string]string // indicator -> attribution its licence requires
}

// The built-in Service Tags take tens of milliseconds to parse and never
// change: parse them once per process.
var embeddedTags struct {
	once sync.Once
	t    *tagTable
	err  error
}

// loadTags prefers the user's servicetags.json to the built-in file.
func loadTags(dataDir string) (*tagTable, error) {
	if dataDir != "" {
		path := filepath.Join(dataDir, userTagsFile)
		b, err := os.ReadFile(path)
		switch {
		case err == nil:
			t, err := parseServiceTags(b)
			if err != nil {
				return nil, fmt.Errorf("%s: %w (reinstall it with mamori intel update, or delete it)", path, err)
			}
			return t, nil
		case !errors.Is(err, fs.ErrNotExist):
			return nil, err
		}
	}
	embeddedTags.once.Do(func() {
		name, gz, err := embeddedTagsFile()
		if err == nil {
			embeddedTags.t, err = builtinTags(compactTags, name, gz)
		}
		if err != nil {
			embeddedTags.err = fmt.Errorf("%s: %w", name, err)
		}
	})
	return embeddedTags.t, embeddedTags.err
}

// builtinTags returns the table of the built-in file name (gzip bytes gz):
// the compact table when it was made from this very file, else the parse.
func builtinTags(compact []byte, name string, gz []byte) (*tagTable, error) {
	if t, src, sum, err := decodeTags(compact); err == nil && src == name && sum == checksum(gz) {
		return t, nil
	}
	b, err := gunzip(gz)
	if err != nil {
		return nil, err
	}
	return parseServiceTags(b)
}

// embeddedTagsFile returns the newest built-in Service Tags file as stored:
// the names carry their date (ServiceTags_Public_YYYYMMDD.json.gz), so the
// last in sorted order is the newest.
func embeddedTagsFile() (string, []byte, error) {
	names, err := fs.Glob(mamori.Data, "data/servicetags/ServiceTags_Public_*.json.gz")
	if err != nil || len(names) == 0 {
		return "data/servicetags", nil, fmt.Errorf("no ServiceTags_Public_*.json.gz built in")
	}
	name := names[len(names)-1]
	gz, err := fs.ReadFile(mamori.Data, name)
	return name, gz, err
}

func gunzip(gz []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

// loadPools reads the built-in lists, then the user's pools.csv, whose rows
// add to the built-in ones and win where both list an indicator.
func loadPools(dataDir string) (*poolIntel, error) {
	p := &poolIntel{
		confirmed: newDomainList(), candidates: newDomainList(), browser: newDomainList(),
		ips: map[netip.Addr]poolEntry{}, credits: map[string]string{},
	}
	var err error
	if p.parents, err = mamori.ReadData("data/mining/shared_parents.csv", parseParents); err != nil {
		return nil, err
	}
	withParents := func(f func(io.Reader, sharedParents) ([]poolRow, error)) func(io.Reader) ([]poolRow, error) {
		return func(r io.Reader) ([]poolRow, error) { return f(r, p.parents) }
	}
	rows, err := mamori.ReadData("data/mining/pools.csv", withParents(parsePoolsCSV))
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		p.addRow(r)
	}
	browser, err := mamori.ReadData("data/mining/browser_mining.txt", withParents(parsePoolsText))
	if err != nil {
		return nil, err
	}
	for _, r := range browser {
		p.browser.add(r.indicator, r.suffix, poolEntry{indicator: r.indicator})
	}
	strong, err := mamori.ReadData("data/mining/ports.csv", parsePorts)
	if err != nil {
		return nil, err
	}
	p.ports = strong
	if p.miners, err = mamori.ReadData("data/mining/miners.txt", parseList); err != nil {
		return nil, err
	}
	schemes, err := mamori.ReadData("data/mining/stratum.txt", parseSchemes)
	if err != nil {
		return nil, err
	}
	p.schemes = map[string]bool{}
	for _, s := range schemes {
		p.schemes[s] = true
	}
	p.b64 = b64Markers(schemes)
	if dataDir == "" {
		return p, nil
	}
	path := filepath.Join(dataDir, userPoolsFile)
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return p, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	user, err := parsePoolsCSV(f, p.parents)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for _, r := range user {
		p.addRow(r)
	}
	return p, nil
}

// parsePorts returns the strong ports of ports.csv
// (port,strength,pools,note), each with the pools that publish it ("A,
// B"; none for a port only Falco's list gives).
func parsePorts(r io.Reader) (map[uint16]poolEntry, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = 4
	recs, err := cr.ReadAll()
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 || strings.Join(recs[0], ",") != "port,strength,pools,note" {
		return nil, fmt.Errorf("want header port,strength,pools,note")
	}
	strong := map[uint16]poolEntry{}
	for _, rec := range recs[1:] {
		p, err := strconv.ParseUint(rec[0], 10, 16)
		if err != nil || p == 0 {
			return nil, fmt.Errorf("bad port %q", rec[0])
		}
		switch rec[1] {
		case "strong":
			strong[uint16(p)] = poolEntry{indicator: strconv.Itoa(int(p)), pool: strings.ReplaceAll(rec[2], ";", ", ")}
		case "weak":
		default:
			return nil, fmt.Errorf("port %d: strength must be strong or weak, not %q", p, rec[1])
		}
	}
	return strong, nil
}

// parseList reads a text list: one lower-case item per line, "#" comments.
func parseList(r io.Reader) ([]string, error) {
	var out []string
	ls := newListScanner(r)
	for ls.Scan() {
		s := ls.text
		if s != strings.ToLower(s) {
			return nil, fmt.Errorf("line %d: %q is not lower case", ls.line, s)
		}
		out = append(out, s)
	}
	return out, ls.Err()
}

// listScanner reads a list file line by line, stopping only at lines that
// hold something once a "#" comment (whole-line or trailing) and the
// surrounding space are cut.
type listScanner struct {
	sc   *bufio.Scanner
	line int    // number of the last line read, counting every line
	text string // the current line, comment and space cut
}

func newListScanner(r io.Reader) *listScanner {
	return &listScanner{sc: bufio.NewScanner(r)}
}

// Scan advances to the next line with content, reporting false at the end
// of r or on a read error (see Err).
func (l *listScanner) Scan() bool {
	for l.sc.Scan() {
		l.line++
		s := l.sc.Text()
		if i := strings.IndexByte(s, '#'); i >= 0 {
			s = s[:i]
		}
		if s = strings.TrimSpace(s); s != "" {
			l.text = s
			return true
		}
	}
	return false
}

// Err is the read error that ended Scan, if any.
func (l *listScanner) Err() error { return l.sc.Err() }

// parseSchemes reads stratum.txt and checks each entry is a Stratum scheme
// the scanner can find: "stratum", optional digits, "+", a transport.
func parseSchemes(r io.Reader) ([]string, error) {
	list, err := parseList(r)
	if err != nil {
		return nil, err
	}
	for _, s := range list {
		rest, ok := strings.CutPrefix(s, "stratum")
		rest = strings.TrimLeft(rest, "0123456789")
		transport, plus := strings.CutPrefix(rest, "+")
		if !ok || !plus || transport == "" || len(s) > 16 || strings.Trim(transport, "abcdefghijklmnopqrstuvwxyz0123456789") != "" {
			return nil, fmt.Errorf("%q is not a stratum scheme", s)
		}
	}
	return list, nil
}
