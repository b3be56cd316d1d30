package incident

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/mamori-sec/mamori"
	"github.com/mamori-sec/mamori/internal/enrich"
	"github.com/mamori-sec/mamori/internal/record"
)

// DefaultRegion is the region whose price stands in for a region the
// table does not list: most GPU sizes are offered there, and its prices
// are the ones Azure publishes first.
const DefaultRegion = "eastus"

// PricesFile is the name of the price table, built in under data/prices/
// and, after "mamori intel update prices", in the user's data folder.
const PricesFile = "prices.csv"

// pricesHeader is the CSV header of data/prices/prices.csv.
const pricesHeader = "size,region,usd_per_hour,spot_usd_per_hour,method,verified,source"

// Price is one row of the price table: a VM size in a region.
type Price struct {
	Size     string  `json:"size"`
	Region   string  `json:"region"`
	USD      float64 `json:"usd_per_hour"`                // Linux pay-as-you-go
	SpotUSD  float64 `json:"spot_usd_per_hour,omitempty"` // 0 when unknown
	Method   string  `json:"method"`                      // retail-api, published, estimated
	Verified bool    `json:"verified"`
	Source   string  `json:"source"`
}

// Prices is a price table keyed for look-up. The zero value has no rows.
type Prices struct {
	bySize map[string]map[string]Price // sizeKey -> region -> row
	rates  rates                       // per-vCPU prices, for sizes without a row (estimate.go)
}

// NewPrices indexes rows; a later row for the same size and region
// replaces an earlier one, which is how an update overrides the built-in
// table.
func NewPrices(rows []Price) *Prices {
	p := &Prices{bySize: map[string]map[string]Price{}}
	for _, r := range rows {
		k := sizeKey(r.Size)
		if p.bySize[k] == nil {
			p.bySize[k] = map[string]Price{}
		}
		p.bySize[k][record.Region(r.Region)] = r
	}
	// Rates from the rows that stand (an update's override, not the row
	// it replaced).
	for _, m := range p.bySize {
		for _, r := range m {
			p.rates.learn(r)
		}
	}
	return p
}

// Len is the number of rows.
func (p *Prices) Len() int {
	n := 0
	if p != nil {
		for _, m := range p.bySize {
			n += len(m)
		}
	}
	return n
}

// Basis says where a price came from.
type Basis string

// How Lookup found a price.
const (
	BasisExact    Basis = "exact"           // the size in the region asked for
	BasisFallback Basis = "region-fallback" // the default region, or the cheapest listed one
	BasisUnknown  Basis = "unknown"         // no row for the size
)

// Lookup returns the price of size (any casing, with or without its
// "Standard_" prefix; a Container Apps profile type or an App Service plan
// SKU, its VM's, an estimate: the table holds no App Service meters) in
// region: the row of that region, else the
// DefaultRegion row, else the cheapest region listed (a lower bound,
// first by name among equals); a size without a row is estimated from
// its vCPUs (estimate.go), its method "estimated".
func (p *Prices) Lookup(size, region string) (Price, Basis) {
	if p == nil {
		return Price{}, BasisUnknown
	}
	// A profile or a plan is priced as the VM it runs on, before any size
	// its type folds to ("D4" is also the legacy Standard_D4).
	if vm := enrich.PlatformSize(size); vm != "" {
		size = vm
	}
	regions := p.bySize[sizeKey(size)]
	if len(regions) == 0 {
		if est, basis, ok := p.rates.estimate(size, record.Region(region)); ok {
			return est, basis
		}
		return Price{}, BasisUnknown
	}
	if r, ok := regions[record.Region(region)]; ok {
		return r, BasisExact
	}
	if r, ok := regions[DefaultRegion]; ok {
		return r, BasisFallback
	}
	names := make([]string, 0, len(regions))
	for name := range regions {
		names = append(names, name)
	}
	slices.Sort(names)
	best := regions[names[0]]
	for _, name := range names[1:] {
		if r := regions[name]; r.USD < best.USD {
			best = r
		}
	}
	return best, BasisFallback
}

// builtin is data/prices/prices.csv, parsed once.
var builtin = sync.OnceValues(func() (*Prices, error) {
	rows, err := readEmbeddedPrices()
	if err != nil {
		return nil, err
	}
	return NewPrices(rows), nil
})

func readEmbeddedPrices() ([]Price, error) {
	return mamori.ReadData("data/prices/"+PricesFile, ParsePrices)
}

// BuiltinPrices is the price table built into the binary.
func BuiltinPrices() (*Prices, error) { return builtin() }

// LoadPrices is the built-in table with the rows of dataDir/prices.csv
// (written by UpdatePrices) taking precedence. A missing file is not an
// error; an unreadable or invalid one is.
func LoadPrices(dataDir string) (*Prices, error) {
	rows, err := readEmbeddedPrices()
	if err != nil {
		return nil, err
	}
	if dataDir != "" {
		name := filepath.Join(dataDir, PricesFile)
		f, err := os.Open(name)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return nil, err
		default:
			defer f.Close()
			more, err := ParsePrices(f)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			rows = append(rows, more...)
		}
	}
	return NewPrices(rows), nil
}

// ParsePrices reads the price table format (see data/prices/README.md):
// '#' comment lines, the header, then one row per size and region. An
// error names the line and the reason.
func ParsePrices(r io.Reader) ([]Price, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = 7
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	if strings.Join(head, ",") != pricesHeader {
		return nil, fmt.Errorf("header %q: want %q", strings.Join(head, ","), pricesHeader)
	}
	type key struct{ size, region string }
	seen := map[key]bool{}
	var out []Price
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		line, _ := cr.FieldPos(0)
		p, err := parsePriceRow(rec)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		k := key{sizeKey(p.Size), p.Region}
		if seen[k] {
			return nil, fmt.Errorf("line %d: %s in %s listed twice", line, p.Size, p.Region)
		}
		seen[k] = true
		out = append(out, p)
	}
}

func parsePriceRow(rec []string) (Price, error) {
	p := Price{Size: rec[0], Region: rec[1], Method: rec[4], Source: rec[6]}
	if !validSize(p.Size) {
		return p, fmt.Errorf("bad size %q", p.Size)
	}
	if !validRegion(p.Region) {
		return p, fmt.Errorf("bad region %q (want an ARM region name such as eastus)", p.Region)
	}
	usd, err := parseUSD(rec[2])
	if err != nil {
		return p, fmt.Errorf("usd_per_hour: %w", err)
	}
	p.USD = usd
	if rec[3] != "" {
		spot, err := parseUSD(rec[3])
		if err != nil {
			return p, fmt.Errorf("spot_usd_per_hour: %w", err)
		}
		if spot > usd {
			return p, fmt.Errorf("spot price %s above the pay-as-you-go price %s", rec[3], rec[2])
		}
		p.SpotUSD = spot
	}
	switch p.Method {
	case "retail-api", "published", "estimated":
	default:
		return p, fmt.Errorf("method %q: want retail-api, published or estimated", p.Method)
	}
	switch rec[5] {
	case "true":
		p.Verified = true
	case "false":
	default:
		return p, fmt.Errorf("verified %q: want true or false", rec[5])
	}
	if p.Source == "" {
		return p, errors.New("no source")
	}
	return p, nil
}

// maxUSD bounds an hourly price: the dearest Azure VM costs a few hundred
// dollars an hour, so anything near this is a unit or parsing mistake.
const maxUSD = 100000

func parseUSD(s string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("bad number %q", s)
	}
	if v <= 0 || v > maxUSD {
		return 0, fmt.Errorf("%s is not a price per hour", s)
	}
	return v, nil
}

// WritePrices writes rows in the price table format, sorted by size and
// region, after note as '#' comment lines (the first should start with
// "source:").
func WritePrices(w io.Writer, rows []Price, note string) error {
	for l := range strings.Lines(note) {
		if _, err := fmt.Fprintf(w, "# %s\n", strings.TrimRight(l, "\r\n")); err != nil {
			return err
		}
	}
	sorted := slices.Clone(rows)
	slices.SortFunc(sorted, func(a, b Price) int {
		if c := strings.Compare(sizeKey(a.Size), sizeKey(b.Size)); c != 0 {
			return c
		}
		return strings.Compare(a.Region, b.Region)
	})
	cw := csv.NewWriter(w)
	if err := cw.Write(strings.Split(pricesHeader, ",")); err != nil {
		return err
	}
	for _, p := range sorted {
		spot := ""
		if p.SpotUSD > 0 {
			spot = formatUSD(p.SpotUSD)
		}
		if err := cw.Write([]string{p.Size, p.Region, formatUSD(p.USD), spot, p.Method, strconv.FormatBool(p.Verified), p.Source}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func formatUSD(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// sizeKey folds a size name the way enrich.SizeOf does: lower case,
// without the "standard_" prefix, spaces read as underscores.
func sizeKey(name string) string {
	name = strings.ToLower(strings.TrimSpace(name))
	name = strings.TrimPrefix(name, "standard_")
	return strings.ReplaceAll(name, " ", "_")
}

// validSize accepts what Azure names sizes with: letters, digits, '_' and
// '-' (Standard_HB120-16rs_v3), at most 64 bytes.
func validSize(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// validRegion accepts ARM region names: lower-case letters and digits.
func validRegion(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
