package source

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/record"
	"github.com/mamori-sec/mamori/internal/source/activitylog"
)

// looksLikeCSV accepts a first line with several comma-separated fields of
// printable text: a Log Analytics or Advanced Hunting export's header.
func looksLikeCSV(t []byte) bool {
	line := firstLine(t)
	return csvComma(line) != 0 && isText(line)
}

// typeLine starts the line Windows PowerShell's Export-Csv and
// ConvertTo-Csv write above the header ("#TYPE
// System.Management.Automation.PSCustomObject"), unless told not to.
var typeLine = []byte("#TYPE ")

// afterTypeLine is t past its #TYPE line, or t.
func afterTypeLine(t []byte) []byte {
	if bytes.HasPrefix(t, typeLine) {
		if i := bytes.IndexByte(t, '\n'); i >= 0 {
			return t[i+1:]
		}
	}
	return t
}

func firstLine(t []byte) []byte {
	if i := bytes.IndexByte(t, '\n'); i >= 0 {
		return t[:i]
	}
	return t
}

// csvComma is the separator of the CSV whose header is line, 0 when it is
// none: a comma, or the semicolon or tab of an export opened in a
// spreadsheet and saved again (Excel saves CSV with semicolons where a
// comma is the decimal mark, and "Text" with tabs). Such a file was
// refused as unrecognised content. Column names hold none of the three.
func csvComma(line []byte) rune {
	comma, most := rune(0), 1
	for _, c := range []rune{',', ';', '\t'} {
		if n := bytes.Count(line, []byte(string(c))); n > most {
			comma, most = c, n
		}
	}
	return comma
}

// readCSV turns each row of a CSV export into an object of strings keyed
// by column name, so one decoder per table serves JSON and CSV exports.
// The portal's column labels carry a time-zone suffix ("TimeGenerated
// [UTC]") that is dropped; the table, when the export names it ($table,
// Type), becomes the hint.
//
// A row that cannot be read gives up its first line only: a quote that
// opens a field and does not close on its line makes the CSV reader take
// the lines after it (to the end of the file, when it never closes) for
// that field, so those lines are read again as rows of their own. A row
// longer than the record cap is reported and passed over, and one that
// has not ended when that much is read is given up the same way, so
// memory stays bounded. A row that went over several lines, its quotes
// closed, is reported once when it has the wrong number of fields: its
// other lines are read again too, but their errors are held until a row
// read among them shows its quote was a stray one (csvDoubt).
func (fr *fileReader) readCSV(s *stream) error {
	head, _ := s.Peek(sniffSize)
	first := 1 // the header's line
	if bytes.HasPrefix(head, typeLine) {
		// Windows PowerShell's Export-Csv names the objects' type above
		// the header: passed over.
		n := len(firstLine(head)) + 1
		if _, err := s.Discard(n); err != nil {
			return fmt.Errorf("csv header: %w", err)
		}
		head, _ = s.Peek(sniffSize)
		first = 2
	}
	t := &csvTail{s: s, line: first, max: fr.lim.MaxRecord + csvBuffer, comma: csvComma(firstLine(bytes.TrimLeft(head, " \r\n")))}
	cr := t.reader(0)
	header, err := cr.Read()
	if err != nil {
		return fmt.Errorf("csv header: %w", err)
	}
	t.done(cr.InputOffset())
	lineBase := first - 1 // the file's lines before what cr reads
	// A header refused is named by its line (under a #TYPE line, the
	// second), not by how far the reader had buffered the file.
	refuse := func(err error) error {
		line, _ := cr.FieldPos(0)
		fr.fail(lineBase+line, 0, fmt.Errorf("csv header: %w", err))
		return nil
	}
	cols := make([]string, len(header))
	tableCol := -1
	for i, h := range header {
		h = strings.TrimSpace(h)
		if j := strings.Index(h, " ["); j > 0 && strings.HasSuffix(h, "]") {
			// The portal writes a time column's zone in its label and the
			// times without one: "[UTC]" is what they are read as, and
			// any other zone would place every event wrongly, silently.
			if zone := h[j+2 : len(h)-1]; !strings.EqualFold(zone, "UTC") {
				return refuse(fmt.Errorf("column %q holds times in %s without their offset: export it in UTC (the portal's time zone setting)", h, zone))
			}
			h = h[:j]
		}
		cols[i] = h
		if h == "$table" || (tableCol < 0 && (h == "Type" || h == "TableName")) {
			tableCol = i
		}
	}
	if activitylog.IsPowerShellCSV(cols) {
		return refuse(activitylog.ErrPowerShellCSV)
	}
	cr.FieldsPerRecord = len(header)
	d := csvDoubt{fr: fr}
	tooLong := func(line int) {
		d.fail(line, fmt.Errorf("csv: row longer than %d bytes: %w (raise --max-record)", fr.lim.MaxRecord, ErrTooLarge))
	}
	var a fastjson.Arena
	var out []byte
	for {
		if t.restart() {
			lineBase = t.line - 1
			cr = t.reader(len(header))
		}
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			switch {
			case errors.As(err, &pe) && (errors.Is(pe.Err, csv.ErrFieldCount) || pe.Err == csv.ErrQuote || pe.Err == csv.ErrBareQuote):
				first, end := lineBase+pe.StartLine, cr.InputOffset()
				doubted := first <= d.until
				d.fail(first, fmt.Errorf("csv: %w", pe.Err))
				if !t.spans(end, first) {
					t.done(end)
					break
				}
				// The reader read this row to its end, quotes closed, only
				// for a wrong field count; a quote error stops where the
				// quote goes wrong, not at a row's end.
				if errors.Is(pe.Err, csv.ErrFieldCount) && !doubted {
					d.doubt(t.lastLine(end))
				}
				t.again(first)
			case errors.Is(err, errCSVTooLong):
				first := t.rowLine()
				tooLong(first)
				t.again(first)
			default:
				return err
			}
			continue
		}
		// FieldPos is valid only for a record that was read.
		line, _ := cr.FieldPos(0)
		long := cr.InputOffset()-t.off > int64(fr.lim.MaxRecord)
		t.done(cr.InputOffset())
		if long {
			tooLong(lineBase + line)
			continue
		}
		d.row(lineBase + line)
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
		fr.add(out, lineBase+line, 0, h)
		if err := fr.ctx.Err(); err != nil {
			return err
		}
	}
}

// csvBuffer is the CSV reader's buffer (bufio's smallest): it reads at
// most that far past the row it is on, so a row not yet ended when the
// record cap and this much more are read is longer than the cap.
const csvBuffer = 4 << 10

var errCSVTooLong = errors.New("csv row longer than the record cap")

// csvTail is what the CSV reader reads: the bytes given back to be read
// again (back), then the stream. It keeps what it handed out since the
// start of the row being read (kept, which begins at the file's line
// line), so that a row given up can be passed over by its first line and
// what follows read again.
type csvTail struct {
	s     *stream
	back  []byte
	kept  []byte
	off   int64 // the CSV reader's offset of kept[0]
	line  int
	max   int  // more kept than this: the row is longer than the cap
	comma rune // the separator (csvComma)
	full  bool // errCSVTooLong was handed out: bufio keeps it, cr is spent
	redo  bool // what is kept is to be read again, by a new reader
}

func (t *csvTail) Read(p []byte) (n int, err error) {
	if len(t.back) > 0 {
		n = copy(p, t.back)
		t.back = t.back[n:]
	} else {
		n, err = t.s.Read(p)
	}
	t.kept = append(t.kept, p[:n]...)
	if len(t.kept) > t.max {
		t.full = true
		return n, errCSVTooLong
	}
	return n, err
}

// reader returns a CSV reader of what is left, expecting fields per row
// (0: any, for the header).
func (t *csvTail) reader(fields int) *csv.Reader {
	cr := csv.NewReader(bufio.NewReaderSize(t, csvBuffer))
	cr.Comma = t.comma
	cr.ReuseRecord = true
	cr.FieldsPerRecord = fields
	t.off, t.full, t.redo = 0, false, false
	return cr
}

// restart reports whether the CSV reader must be replaced: a row was given
// up, or the reader holds errCSVTooLong for a row it went on to finish
// from its buffer. What it read past its last row is read again.
func (t *csvTail) restart() bool {
	if !t.full && !t.redo {
		return false
	}
	t.back = slices.Concat(t.kept, t.back)
	t.kept = nil
	return true
}

// done drops what the CSV reader has read up to off, a row's end.
func (t *csvTail) done(off int64) {
	n := int(off - t.off)
	t.line += bytes.Count(t.kept[:n], nl)
	t.kept, t.off = t.kept[n:], off
}

// spans reports whether the row that starts at line first and ends at off
// went on past its first line.
func (t *csvTail) spans(off int64, first int) bool {
	return len(t.after(t.kept[:off-t.off], first)) > 0
}

// lastLine is the line that the row ending at off, being read, ends on.
func (t *csvTail) lastLine(off int64) int {
	n := int(off - t.off)
	return t.line + bytes.Count(t.kept[:max(n-1, 0)], nl)
}

// rowLine is the line the row being read starts at: the first that is not
// blank (the CSV reader passes over blank lines).
func (t *csvTail) rowLine() int {
	l, b := t.line, t.kept
	for {
		switch {
		case bytes.HasPrefix(b, []byte("\n")):
			b = b[1:]
		case bytes.HasPrefix(b, []byte("\r\n")):
			b = b[2:]
		default:
			return l
		}
		l++
	}
}

// after returns what of b, kept bytes, comes after line n, or nil when b
// ends before line n does.
func (t *csvTail) after(b []byte, n int) []byte {
	for l := t.line; l <= n; l++ {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return nil
		}
		b = b[i+1:]
	}
	return b
}

// again gives up the row whose first line is first: what was read after
// that line is to be read again, from line first+1. When the line goes on
// past what was read, the rest of it is passed over.
func (t *csvTail) again(first int) {
	rest := t.after(t.kept, first)
	if rest == nil {
		if i := bytes.IndexByte(t.back, '\n'); i >= 0 {
			t.back = t.back[i+1:]
		} else {
			t.back = nil
			skipLine(t.s)
		}
	}
	t.kept, t.line, t.redo = rest, first+1, true
}
