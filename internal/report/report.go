// Package report writes alerts for people and for machines: a terminal
// table, JSON lines, a JSON array, CSV and OCSF Detection Findings.
//
// Alerts carry text an attacker chose (principal names, resource names,
// summaries built from record values). Every format here neutralises it for
// its reader: the table escapes control and bidi characters (Terminal), the
// JSON formats escape them as \u sequences, and CSV escapes them as the
// table does (so that each alert is one line) and defuses spreadsheet
// formulas.
package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/incident"
)

// Format names an output format.
type Format string

// The output formats.
const (
	Table Format = "table" // aligned columns for a terminal
	JSONL Format = "jsonl" // one alert.Alert JSON object per line
	JSON  Format = "json"  // one indented JSON array of alert.Alert
	CSV   Format = "csv"   // header and one row per alert
	OCSF  Format = "ocsf"  // one OCSF Detection Finding JSON object per line
)

// formats lists the valid formats in the order error messages show them.
var formats = []Format{Table, JSONL, JSON, CSV, OCSF}

// ParseFormat reads a format name (any case, surrounding spaces ignored).
func ParseFormat(s string) (Format, error) {
	name := strings.ToLower(strings.TrimSpace(s))
	for _, f := range formats {
		if name == string(f) {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown format %q (valid: %s)", s, formatNames())
}

func formatNames() string {
	names := make([]string, len(formats))
	for i, f := range formats {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}

// ProductInfo names the program that produced the alerts; OCSF records it
// in metadata.product.
type ProductInfo struct {
	Name    string
	Version string
}

// Options tune the output.
type Options struct {
	Color   bool        // table: colour the severity with ANSI escapes
	Width   int         // table: terminal width in cells; 0 means 120
	Product ProductInfo // ocsf: metadata.product
	// Incidents, for the table: each is printed with its alerts under it.
	Incidents []incident.Incident
	// Brief, for the table: incidents below high get one line each, without
	// their alerts (the demo's view; a hunt shows everything).
	Brief bool
	// Formerly, for the table: by incident id, the ids serve wrote and
	// told an incident under before its id changed (mamori alerts).
	Formerly map[string][]string
	// Collected, for posture OCSF: when the tenant was read (the finding's
	// time); zero means now.
	Collected time.Time
	// Responses, for ocsf: each rule's response note (what to check, what
	// to do), by rule name: a finding's remediation.
	Responses map[string]string
}

// Write writes alerts in format f to w, in the order given.
func Write(w io.Writer, f Format, alerts []alert.Alert, opts Options) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	var err error
	switch f {
	case Table:
		if len(opts.Incidents) > 0 {
			err = writeIncidentTable(bw, alerts, opts)
		} else {
			err = writeTable(bw, alerts, opts)
		}
	case JSONL:
		err = writeJSONL(bw, alerts)
	case JSON:
		err = writeJSON(bw, alerts)
	case CSV:
		err = writeCSV(bw, alerts)
	case OCSF:
		err = writeOCSF(bw, alerts, opts.Product, opts.Responses)
	default:
		return fmt.Errorf("unknown format %q (valid: %s)", string(f), formatNames())
	}
	if err != nil {
		return err
	}
	return bw.Flush()
}
