package incident

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/atomicfile"
	"github.com/mamori-sec/mamori/internal/record"
)

// retailPage is one page of the Azure Retail Prices API
// (https://prices.azure.com/api/retail/prices).
type retailPage struct {
	BillingCurrency string            `json:"BillingCurrency"`
	Items           []json.RawMessage `json:"Items"` // decoded one by one, so an error names its item
	NextPageLink    *string           `json:"NextPageLink"`
}

// retailItem is the part of a price item ParseRetailPrices reads.
type retailItem struct {
	CurrencyCode         string   `json:"currencyCode"`
	RetailPrice          *float64 `json:"retailPrice"`
	UnitPrice            *float64 `json:"unitPrice"`
	ArmRegionName        string   `json:"armRegionName"`
	ArmSkuName           string   `json:"armSkuName"`
	ProductName          string   `json:"productName"`
	SkuName              string   `json:"skuName"`
	MeterName            string   `json:"meterName"`
	ServiceName          string   `json:"serviceName"`
	Type                 string   `json:"type"`
	UnitOfMeasure        string   `json:"unitOfMeasure"`
	EffectiveStartDate   string   `json:"effectiveStartDate"`
	IsPrimaryMeterRegion *bool    `json:"isPrimaryMeterRegion"`
	ReservationTerm      string   `json:"reservationTerm"`
}

// ParseRetailPrices reads pages of the Azure Retail Prices API, one or
// more JSON objects one after the other or a JSON array of them, and
// returns the Linux pay-as-you-go price of each VM size in each region,
// with its spot price where the pages have one (from the "Spot" meters,
// else the Batch "Low Priority" ones).
//
// Kept: serviceName "Virtual Machines", type "Consumption", unit "1 Hour",
// no reservation term, a productName without "Windows" (the Linux meter)
// or "Cloud Services" (the classic roles, a different product). Other
// items are skipped, as are zero prices and items without a size or
// region. Two meters for the same size, region and kind keep the primary
// meter region's, then the latest effective date, then the higher price.
//
// An item whose fields have the wrong type, a price that is negative or
// not finite, or a currency other than USD is an error, named by page and
// item index ("page 1 item 17: ...").
func ParseRetailPrices(r io.Reader) ([]Price, error) {
	pages, err := readPages(r)
	if err != nil {
		return nil, err
	}
	c := newRetailCollector()
	for p, page := range pages {
		if cur := page.BillingCurrency; cur != "" && !strings.EqualFold(cur, "USD") {
			return nil, fmt.Errorf("page %d: BillingCurrency %q: want USD (prices.azure.com without currencyCode)", p+1, cur)
		}
		for i, raw := range page.Items {
			if err := c.add(raw); err != nil {
				return nil, fmt.Errorf("page %d item %d: %w", p+1, i, err)
			}
		}
	}
	rows := c.rows()
	if len(rows) == 0 {
		return nil, errors.New("no Linux pay-as-you-go virtual machine prices in the input")
	}
	return rows, nil
}

// readPages decodes a stream of page objects, or an array of them.
func readPages(r io.Reader) ([]retailPage, error) {
	br := &peekReader{r: r}
	first, err := br.firstNonSpace()
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(br)
	if first == '[' {
		var pages []retailPage
		if err := dec.Decode(&pages); err != nil {
			return nil, fmt.Errorf("not a Retail Prices response: %w", err)
		}
		return pages, nil
	}
	var pages []retailPage
	for {
		var p retailPage
		err := dec.Decode(&p)
		if err == io.EOF && len(pages) > 0 {
			return pages, nil
		}
		if err != nil {
			return nil, fmt.Errorf("page %d: not a Retail Prices response: %w", len(pages)+1, err)
		}
		if p.Items == nil {
			return nil, fmt.Errorf("page %d: no Items: not a Retail Prices response", len(pages)+1)
		}
		pages = append(pages, p)
	}
}

// peekReader lets readPages look at the first byte and still decode it.
type peekReader struct {
	r    io.Reader
	head []byte
}

func (p *peekReader) firstNonSpace() (byte, error) {
	buf := make([]byte, 1)
	for {
		n, err := p.r.Read(buf)
		if n == 1 {
			p.head = append(p.head, buf[0])
			if c := buf[0]; c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != 0xEF && c != 0xBB && c != 0xBF {
				return c, nil
			}
			continue
		}
		if err == io.EOF {
			return 0, errors.New("empty input: not a Retail Prices response")
		}
		if err != nil {
			return 0, err
		}
	}
}

func (p *peekReader) Read(b []byte) (int, error) {
	if len(p.head) > 0 {
		// A UTF-8 byte order mark is not JSON: drop it.
		head := bytes.TrimPrefix(p.head, []byte{0xEF, 0xBB, 0xBF})
		n := copy(b, head)
		p.head = head[n:]
		if len(p.head) == 0 {
			p.head = nil
		}
		return n, nil
	}
	return p.r.Read(b)
}

// retailCollector keeps the best meter per size, region and kind.
type retailCollector struct {
	best  map[meterKey]meter
	order []meterKey
}

type meterKind uint8

const (
	payg meterKind = iota
	spot
	lowPriority
)

type meterKey struct {
	size, region string
	kind         meterKind
}

type meter struct {
	size      string
	price     float64
	primary   bool
	effective time.Time
}

func newRetailCollector() *retailCollector { return &retailCollector{best: map[meterKey]meter{}} }

func (c *retailCollector) add(raw json.RawMessage) error {
	var it retailItem
	if err := json.Unmarshal(raw, &it); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			if te.Field == "" {
				return fmt.Errorf("a JSON %s, not an object", te.Value)
			}
			return fmt.Errorf("field %s: a JSON %s where a %s was expected", te.Field, te.Value, te.Type)
		}
		return err
	}
	// A page in another currency is wrong as a whole; other products are
	// merely not ours, whatever their prices (a 3-year reservation's is
	// its total).
	if cur := strings.TrimSpace(it.CurrencyCode); cur != "" && !strings.EqualFold(cur, "USD") {
		return fmt.Errorf("currencyCode %q: want USD", it.CurrencyCode)
	}
	if !it.isLinuxConsumption() {
		return nil
	}
	price, ok, err := it.price()
	if err != nil || !ok {
		return err
	}
	size, region := strings.TrimSpace(it.ArmSkuName), record.Region(it.ArmRegionName)
	if size == "" || region == "" {
		return nil
	}
	if !validSize(size) {
		return fmt.Errorf("armSkuName %q is not a VM size name", size)
	}
	if !validRegion(region) {
		return fmt.Errorf("armRegionName %q is not a region name", it.ArmRegionName)
	}
	m := meter{size: size, price: price, primary: it.IsPrimaryMeterRegion == nil || *it.IsPrimaryMeterRegion}
	if t, err := time.Parse(time.RFC3339, it.EffectiveStartDate); err == nil {
		m.effective = t
	}
	k := meterKey{sizeKey(size), region, it.kind()}
	old, seen := c.best[k]
	if !seen {
		c.order = append(c.order, k)
	}
	if !seen || m.beats(old) {
		c.best[k] = m
	}
	return nil
}

// price validates the item's price: retailPrice, else unitPrice. ok is
// false for an item to skip (a zero price).
func (it *retailItem) price() (float64, bool, error) {
	p := it.RetailPrice
	if p == nil {
		p = it.UnitPrice
	}
	if p == nil {
		return 0, false, errors.New("no retailPrice")
	}
	v := *p
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0) || v < 0:
		return 0, false, fmt.Errorf("retailPrice %v is not a price", v)
	case v > maxUSD:
		return 0, false, fmt.Errorf("retailPrice %v per hour is not a VM price", v)
	case v == 0:
		return 0, false, nil
	}
	return v, true, nil
}

func (it *retailItem) isLinuxConsumption() bool {
	return it.ServiceName == "Virtual Machines" &&
		strings.EqualFold(it.Type, "Consumption") &&
		it.ReservationTerm == "" &&
		strings.EqualFold(strings.TrimSpace(it.UnitOfMeasure), "1 Hour") &&
		!strings.Contains(it.ProductName, "Windows") &&
		!strings.Contains(it.ProductName, "Cloud Services")
}

func (it *retailItem) kind() meterKind {
	for _, s := range []string{it.SkuName, it.MeterName} {
		switch {
		case strings.Contains(s, "Spot"):
			return spot
		case strings.Contains(s, "Low Priority"):
			return lowPriority
		}
	}
	return payg
}

// beats prefers the primary meter region, then the latest effective
// date, then the higher price (the one that will not understate a cost).
func (m meter) beats(old meter) bool {
	if m.primary != old.primary {
		return m.primary
	}
	if !m.effective.Equal(old.effective) {
		return m.effective.After(old.effective)
	}
	return m.price > old.price
}

// rows pairs each pay-as-you-go meter with its spot (or low-priority)
// price; a spot price above pay-as-you-go is not kept.
func (c *retailCollector) rows() []Price {
	var out []Price
	for _, k := range c.order {
		if k.kind != payg {
			continue
		}
		m := c.best[k]
		p := Price{Size: m.size, Region: k.region, USD: m.price, Method: "retail-api", Verified: true, Source: "retail-api"}
		for _, kind := range []meterKind{spot, lowPriority} {
			if s, ok := c.best[meterKey{k.size, k.region, kind}]; ok && s.price <= m.price {
				p.SpotUSD = s.price
				break
			}
		}
		out = append(out, p)
	}
	return out
}

// maxRetailInput bounds what UpdatePrices reads: every VM meter of every
// region is about 300 MB of JSON; a useful download (one region, or the
// GPU sizes) is a few MB.
const maxRetailInput = 512 << 20

// UpdatePrices reads Retail Prices API pages (see ParseRetailPrices) from
// src and installs them as dataDir/prices.csv, whose rows LoadPrices
// prefers to the built-in table. The file is written under a temporary
// name and renamed, so a reader never sees half of it. now dates the
// file's header.
func UpdatePrices(dataDir string, src io.Reader, now time.Time) (summary string, err error) {
	if dataDir == "" {
		return "", errors.New("no data folder: give --data-dir")
	}
	rows, err := ParseRetailPrices(io.LimitReader(src, maxRetailInput))
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return "", err
	}
	var buf bytes.Buffer
	note := "source: Azure Retail Prices API (prices.azure.com), Linux Consumption meters, installed by\n" +
		"\"mamori intel update prices\" on " + now.UTC().Format("2006-01-02") + "; these rows override the built-in table."
	if err := WritePrices(&buf, rows, note); err != nil {
		return "", err
	}
	if err := atomicfile.Write(dataDir, PricesFile, buf.Bytes(), 0o600); err != nil {
		return "", err
	}
	dst := filepath.Join(dataDir, PricesFile)
	sizes, regions, spots := map[string]bool{}, map[string]bool{}, 0
	for _, r := range rows {
		sizes[sizeKey(r.Size)] = true
		regions[r.Region] = true
		if r.SpotUSD > 0 {
			spots++
		}
	}
	return fmt.Sprintf("installed %s: %d prices (%d sizes, %d regions, %d with a spot price)",
		dst, len(rows), len(sizes), len(regions), spots), nil
}
