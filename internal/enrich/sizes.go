package enrich

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/mamori-sec/mamori"
	"github.com/mamori-sec/mamori/internal/event"
)

// sizeTable is data/vmsizes.csv keyed for case-insensitive lookup.
type sizeTable struct {
	bySize   map[string]event.SizeInfo // key: sizeKey of the name
	families map[string]string         // familyKey -> GPU model, GPU families only
}

// The table is embedded and immutable: parsed once, on first use.
var sizes struct {
	once sync.Once
	t    *sizeTable
	err  error
}

func loadSizes() (*sizeTable, error) {
	sizes.once.Do(func() {
		sizes.t, sizes.err = mamori.ReadData("data/vmsizes.csv", parseSizes)
	})
	return sizes.t, sizes.err
}

// parseSizes reads the columns size,vcpus,gpus,gpu_model,family,verified,source.
func parseSizes(r io.Reader) (*sizeTable, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = 7
	head, err := cr.Read()
	if err != nil {
		return nil, err
	}
	if strings.Join(head, ",") != "size,vcpus,gpus,gpu_model,family,verified,source" {
		return nil, fmt.Errorf("unexpected header %q", strings.Join(head, ","))
	}
	t := &sizeTable{bySize: map[string]event.SizeInfo{}, families: map[string]string{}}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return t, nil
		}
		if err != nil {
			return nil, err
		}
		line, _ := cr.FieldPos(0)
		vcpus, err := strconv.Atoi(rec[1])
		if err != nil || vcpus <= 0 {
			return nil, fmt.Errorf("line %d: bad vcpus %q", line, rec[1])
		}
		gpus, err := parseFraction(rec[2])
		if err != nil {
			return nil, fmt.Errorf("line %d: bad gpus %q", line, rec[2])
		}
		key, ok := sizeKey(rec[0])
		if !ok {
			return nil, fmt.Errorf("line %d: bad size name %q", line, rec[0])
		}
		if _, dup := t.bySize[key]; dup {
			return nil, fmt.Errorf("line %d: size %s listed twice", line, rec[0])
		}
		t.bySize[key] = event.SizeInfo{Size: rec[0], Family: rec[4], VCPUs: vcpus, GPUs: gpus, GPUModel: rec[3]}
		if gpus > 0 && rec[3] != "" {
			t.families[familyKey(rec[4])] = rec[3]
		}
	}
}

// parseFraction reads "2", "0.5" or "1/6".
func parseFraction(s string) (float64, error) {
	num, den, frac := strings.Cut(s, "/")
	n, err := strconv.ParseFloat(num, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("bad number %q", s)
	}
	if !frac {
		return n, nil
	}
	d, err := strconv.ParseFloat(den, 64)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("bad fraction %q", s)
	}
	return n / d, nil
}

// maxSizeKey bounds the stack buffer of a lookup; real names are < 48 bytes.
const maxSizeKey = 64

// sizeKey folds a size name to its table key: lower case, without the
// "standard_" prefix, spaces read as underscores, so "STANDARD_NC6S_V3",
// "Standard_NC6s_v3" and "nc6s_v3" are one key.
func sizeKey(name string) (string, bool) {
	var buf [maxSizeKey]byte
	b, ok := foldSize(buf[:0], name)
	return string(b), ok
}

func foldSize(dst []byte, name string) ([]byte, bool) {
	name = strings.TrimSpace(name)
	if len(name) >= 9 && strings.EqualFold(name[:9], "standard_") || len(name) >= 9 && strings.EqualFold(name[:9], "standard ") {
		name = name[9:]
	}
	if name == "" || len(name) > maxSizeKey {
		return dst, false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		case c == ' ':
			c = '_'
		}
		dst = append(dst, c)
	}
	return dst, true
}

// SizeOf describes an Azure VM size given in any casing, with or without
// its "Standard_" prefix, or a Container Apps workload profile type or an
// App Service plan SKU by the VM size it runs on (PlatformSize). A
// "Standard_" size the table does not know is read from its name, marked
// Estimated (estimateSize); ok is false for any other name.
func SizeOf(name string) (info event.SizeInfo, ok bool) {
	t, err := loadSizes()
	if err != nil {
		return info, false
	}
	// A profile type first: "D4" also folds to the legacy Standard_D4 (8
	// vCPUs), not the 4 of the D4 profile's VM.
	if vm := PlatformSize(name); vm != "" {
		name = vm
	}
	var buf [maxSizeKey]byte
	key, valid := foldSize(buf[:0], name)
	if !valid {
		return info, false
	}
	if info, ok = t.bySize[string(key)]; ok { // the conversion does not allocate in a map index
		return info, true
	}
	return estimateSize(name)
}

// GPUFamily reports the GPU model of a quota family, as a quota request or
// a quota failure names it ("standardNCSv3Family", "Standard NCASv3_T4
// Family", "Standard NDS Family vCPUs"); ok is false for CPU-only families.
func GPUFamily(family string) (model string, ok bool) {
	t, err := loadSizes()
	if err != nil {
		return "", false
	}
	model, ok = t.families[familyKey(family)]
	return model, ok
}

// familyKey folds the spellings of a family: lower case, no spaces, no
// trailing " vCPUs" (the Usage API's localized name).
func familyKey(s string) string {
	s = strings.ToLower(strings.ReplaceAll(s, " ", ""))
	return strings.TrimSuffix(s, "vcpus")
}
