package incident

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/mamori-sec/mamori"
	"github.com/mamori-sec/mamori/internal/alert"
)

// An incident whose compute costs much per hour is serious whatever its
// alerts say: a stolen account that already deploys, working in its usual
// region below mass_deployment's count, makes only low gpu_created alerts
// for 39 H100 machines ($3,834 an hour; red-team finding 1). The floor
// lifts an incident's severity to the level its cost per hour reaches;
// the thresholds are data (data/prices/severity.csv), not code. Only the
// priced part of the cost counts: an unpriced size adds nothing, and an
// estimated price is a lower bound (estimate.go), so the floor is reached
// by what the compute surely costs.

// FloorStep is one row of the severity floor: an incident whose compute
// costs at least USDPerHour is at least Severity.
type FloorStep struct {
	USDPerHour float64
	Severity   alert.Severity
}

// floorHeader is the CSV header of data/prices/severity.csv.
const floorHeader = "usd_per_hour,severity"

// builtinFloor is data/prices/severity.csv, parsed once.
var builtinFloor = sync.OnceValues(func() ([]FloorStep, error) {
	return mamori.ReadData("data/prices/severity.csv", ParseFloor)
})

// BuiltinFloor is the severity floor built into the binary.
func BuiltinFloor() ([]FloorStep, error) { return builtinFloor() }

// ParseFloor reads the severity floor's format: '#' comment lines, the
// header, then one row per threshold, the severities rising with the
// price. An error names the line and the reason.
func ParseFloor(r io.Reader) ([]FloorStep, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = 2
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	if strings.Join(head, ",") != floorHeader {
		return nil, fmt.Errorf("header %q: want %q", strings.Join(head, ","), floorHeader)
	}
	var out []FloorStep
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		line, _ := cr.FieldPos(0)
		usd, err := parseUSD(rec[0])
		if err != nil {
			return nil, fmt.Errorf("line %d: usd_per_hour: %w", line, err)
		}
		sev, ok := alert.ParseSeverity(rec[1])
		if !ok || sev <= alert.Informational {
			return nil, fmt.Errorf("line %d: severity %q: want low, medium, high or critical", line, rec[1])
		}
		if n := len(out); n > 0 && (usd <= out[n-1].USDPerHour || sev <= out[n-1].Severity) {
			return nil, fmt.Errorf("line %d: %s at $%s/h: thresholds must rise with the severity", line, rec[1], rec[0])
		}
		out = append(out, FloorStep{USDPerHour: usd, Severity: sev})
	}
	if len(out) == 0 {
		return nil, errors.New("no threshold")
	}
	return out, nil
}

// floorOf is the severity an incident costing usd per hour is at least:
// that of the highest threshold reached, informational below them all.
func floorOf(steps []FloorStep, usd float64) alert.Severity {
	s := alert.Informational
	for _, st := range slices.Backward(steps) {
		if usd >= st.USDPerHour {
			return max(s, st.Severity)
		}
	}
	return s
}

// priceFloor is floorOf for a FloorStep list given by Options, or the
// built-in one when nil (were it broken, the tests fail; a hunt then has
// no floor rather than no incidents).
func priceFloor(steps []FloorStep) []FloorStep {
	if steps != nil {
		return steps
	}
	b, _ := BuiltinFloor()
	return b
}
