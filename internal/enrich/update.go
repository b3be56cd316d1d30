package enrich

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/atomicfile"
)

// UpdateFlag changes how Update installs a file.
type UpdateFlag int

// Force installs Service Tags even when their changeNumber is older than,
// or their cloud differs from, the ones in use.
const Force UpdateFlag = 1

// Size limits of an update: the Public Service Tags file is about 5 MB.
const (
	maxTagsUpdate  = 64 << 20
	maxPoolsUpdate = 16 << 20
)

// Update validates an intel download and installs it in dataDir, where
// Load prefers it to the built-in data. kind is "servicetags" (Microsoft's
// "Azure IP Ranges and Service Tags" JSON: changeNumber, cloud and values[]
// whose properties.addressPrefixes all parse; it replaces the built-in
// file, and an older changeNumber or another cloud is refused unless Force
// is given) or "pools" (the pools.csv format, or a plain list of host names,
// "*.domain" entries and IP addresses, see data/mining/README.md; it adds to
// the built-in lists and replaces an earlier pools update). The file is
// written to a temporary name and renamed, so a reader never sees half of
// it. An error names the line or element at fault.
func Update(dataDir, kind string, src io.Reader, flags ...UpdateFlag) (summary string, err error) {
	force := false
	for _, f := range flags {
		force = force || f&Force != 0
	}
	if dataDir == "" {
		return "", errors.New("no data folder: give --data-dir")
	}
	switch kind {
	case "servicetags":
		b, err := readLimited(src, maxTagsUpdate)
		if err != nil {
			return "", err
		}
		return updateTags(dataDir, b, force)
	case "pools":
		b, err := readLimited(src, maxPoolsUpdate)
		if err != nil {
			return "", err
		}
		return updatePools(dataDir, b)
	}
	return "", fmt.Errorf("unknown intel kind %q (servicetags or pools)", kind)
}

func readLimited(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("larger than %d MB", limit>>20)
	}
	return b, nil
}

func updateTags(dataDir string, b []byte, force bool) (string, error) {
	t, err := parseServiceTags(b)
	if err != nil {
		return "", fmt.Errorf("not a valid Service Tags file: %w", err)
	}
	m := t.meta
	if m.Prefixes == 0 {
		return "", errors.New("not a valid Service Tags file: no address prefixes")
	}
	// The data in use: an earlier update if it still parses, else the built-in file.
	cur, err := loadTags(dataDir)
	if err != nil {
		cur, err = loadTags("")
	}
	if err != nil {
		return "", err
	}
	if !force && cur.meta.Cloud != m.Cloud {
		return "", fmt.Errorf("the file is for the %s cloud and the data in use for %s: give --force to replace it", m.Cloud, cur.meta.Cloud)
	}
	if !force && m.ChangeNumber < cur.meta.ChangeNumber {
		return "", fmt.Errorf("changeNumber %d is older than the %d in use: give --force to install it anyway", m.ChangeNumber, cur.meta.ChangeNumber)
	}
	path, err := writeAtomic(dataDir, userTagsFile, b)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("installed Azure Service Tags (cloud %s, changeNumber %d, was %d; %d tags, %d prefixes) in %s",
		m.Cloud, m.ChangeNumber, cur.meta.ChangeNumber, m.Tags, m.Prefixes, path), nil
}

func updatePools(dataDir string, b []byte) (string, error) {
	p, err := loadPools("") // for the shared-parents list
	if err != nil {
		return "", err
	}
	var rows []poolRow
	if isPoolsCSV(b) {
		rows, err = parsePoolsCSV(bytes.NewReader(b), p.parents)
	} else {
		rows, err = parsePoolsText(bytes.NewReader(b), p.parents)
	}
	if err != nil {
		return "", err
	}
	if len(rows) == 0 {
		return "", errors.New("no entries")
	}
	// Later lines win, as they would in Load; the file is written sorted.
	byInd := map[string]poolRow{}
	for _, r := range rows {
		byInd[r.indicator] = r
	}
	out, counts := formatPools(byInd)
	path, err := writeAtomic(dataDir, userPoolsFile, out)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("installed %d mining-pool indicators (%d exact names, %d domains with their subdomains, %d addresses) in %s; they add to the built-in lists",
		len(byInd), counts[0], counts[1], counts[2], path), nil
}

// isPoolsCSV tells the two update formats apart by the first data line.
func isPoolsCSV(b []byte) bool {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		return strings.HasPrefix(s, "indicator,")
	}
	return false
}

// formatPools writes rows in the pools.csv format; counts are exact names,
// suffix domains and addresses.
func formatPools(rows map[string]poolRow) ([]byte, [3]int) {
	var counts [3]int
	keys := make([]string, 0, len(rows))
	for k := range rows {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b bytes.Buffer
	fmt.Fprintf(&b, "# source: installed by \"mamori intel update pools\" on %s from a list the user supplied.\n", time.Now().UTC().Format("2006-01-02"))
	b.WriteString(poolsHeader + "\n")
	for _, k := range keys {
		r := rows[k]
		match, conf := "exact", "confirmed"
		switch {
		case r.suffix:
			match = "suffix"
			counts[1]++
		case strings.ContainsAny(k, ":") || isIPv4(k):
			counts[2]++
		default:
			counts[0]++
		}
		if r.candidate {
			conf = "candidate"
		}
		ports := make([]string, len(r.ports))
		for i, p := range r.ports {
			ports[i] = strconv.Itoa(int(p))
		}
		fmt.Fprintf(&b, "%s,%s,%s,%s,%s,user\n", k, match, strings.Join(ports, ";"), csvQuote(r.pool), conf)
	}
	return b.Bytes(), counts
}

func isIPv4(s string) bool {
	return strings.Trim(s, "0123456789.") == ""
}

func csvQuote(s string) string {
	if strings.ContainsAny(s, ",\"\r\n") {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}

// writeAtomic writes dir/name whole or not at all (atomicfile), and
// returns its path.
func writeAtomic(dir, name string, data []byte) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	if err := atomicfile.Write(dir, name, data, 0o600); err != nil {
		return "", err
	}
	return filepath.Join(dir, name), nil
}
