package source

// csvDoubt decides, for a row that went over several lines and ended with
// its quotes closed but the wrong number of fields, whether it was one row
// or a stray quote closed by another some rows later. The row's first line
// is given up and its other lines read again, in case they are rows; the
// errors of what starts on them are held back meanwhile. A row read whole
// among them says the quote was a stray one, and what was held is
// reported. None says they were the lines of a multi-line cell (Log
// Analytics writes JSON cells pretty-printed, and messages with their line
// breaks): the row was reported at its first line, with its reason, and
// what was held is dropped, so that it is not reported again at each line
// of its cell as a bare quote.
type csvDoubt struct {
	fr    *fileReader
	until int // the doubted row's last line; 0: no doubt
	held  []csvHeld
}

// csvHeld is an error held back at the line it was found.
type csvHeld struct {
	line int
	err  error
}

// doubt opens a doubt over the lines up to until, the last line of the row
// just reported.
func (d *csvDoubt) doubt(until int) { d.until = until }

// fail reports err at line, or holds it while the line is doubted.
func (d *csvDoubt) fail(line int, err error) {
	if line <= d.until {
		d.held = append(d.held, csvHeld{line, err})
		return
	}
	d.settle(false)
	d.fr.fail(line, 0, err)
}

// row notes a row read whole at line: among the doubted lines, it settles
// the doubt as a stray quote; past them, as a multi-line cell.
func (d *csvDoubt) row(line int) {
	if d.until > 0 {
		d.settle(line <= d.until)
	}
}

// settle ends the doubt: what was held is reported when the quote was a
// stray one, dropped when the lines were a cell's.
func (d *csvDoubt) settle(stray bool) {
	if stray {
		for _, h := range d.held {
			d.fr.fail(h.line, 0, h.err)
		}
	}
	d.held, d.until = d.held[:0], 0
}
