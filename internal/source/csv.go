package source

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/record"
)

// looksLikeCSV accepts a first line with several comma-separated fields of
// printable text: a Log Analytics or Advanced Hunting export's header.
func looksLikeCSV(t []byte) bool {
	line := t
	if i := bytes.IndexByte(t, '\n'); i >= 0 {
		line = t[:i]
	}
	return bytes.Count(line, []byte{','}) >= 2 && isText(line)
}

// readCSV turns each row of a CSV export into an object of strings keyed
// by column name, so one decoder per table serves JSON and CSV exports.
// The portal's column labels carry a time-zone suffix ("TimeGenerated
// [UTC]") that is dropped; the table, when the export names it ($table,
// Type), becomes the hint.
func (fr *fileReader) readCSV(s *stream) error {
	cr := csv.NewReader(s)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return fmt.Errorf("csv header: %w", err)
	}
	cols := make([]string, len(header))
	tableCol := -1
	for i, h := range header {
		h = strings.TrimSpace(h)
		if j := strings.Index(h, " ["); j > 0 && strings.HasSuffix(h, "]") {
			h = h[:j]
		}
		cols[i] = h
		if h == "$table" || (tableCol < 0 && (h == "Type" || h == "TableName")) {
			tableCol = i
		}
	}
	cr.FieldsPerRecord = len(header)
	var a fastjson.Arena
	var out []byte
	for {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				fr.fail(pe.StartLine, 0, fmt.Errorf("csv: %w", pe.Err))
				if errors.Is(pe.Err, csv.ErrFieldCount) {
					continue
				}
				if pe.Err == csv.ErrQuote || pe.Err == csv.ErrBareQuote {
					continue
				}
			}
			return err
		}
		// FieldPos is valid only for a record that was read.
		line, _ := cr.FieldPos(0)
		a.Reset()
		o := a.NewObject()
		h := record.Hint{Format: "csv"}
		for i, v := range row {
			if cols[i] == "" || v == "" {
				continue // the pandas index column; empty cells are absent fields
			}
			o.Set(cols[i], a.NewString(v))
			if i == tableCol {
				h.Table = v
			}
		}
		out = o.MarshalTo(out[:0])
		fr.add(out, line, 0, h)
		if err := fr.ctx.Err(); err != nil {
			return err
		}
	}
}
