package source

import (
	"maps"
	"slices"
	"sync"
)

// FileStats is what was read from one input, for `mamori hunt --stats`.
type FileStats struct {
	File      string           `json:"file"`
	Container string           `json:"container"`         // json-lines, json-document, csv, auditd, sysmon, gzip+…
	Bytes     int64            `json:"bytes"`             // decompressed bytes read
	Records   int64            `json:"records"`           // records read, envelopes unwrapped
	Events    int64            `json:"events"`            // events decoded (flow records give one per tuple)
	Shapes    map[string]int64 `json:"shapes"`            // records per detected shape
	Ignored   map[string]int64 `json:"ignored,omitempty"` // records of tables mamori does not use, by table
	Skipped   int64            `json:"skipped"`           // records that could not be read
	Reasons   map[string]int64 `json:"skip_reasons,omitempty"`
	Errors    []string         `json:"errors,omitempty"` // the first errors in the file, verbatim
	// Incomplete counts the records read for what they hold when their
	// export lost part of them, by what was lost and which export keeps
	// it (record.Incomplete): told once per file, not as errors.
	Incomplete map[string]int64 `json:"incomplete,omitempty"`
	// Lines is, for a JSON lines input or a host's text log read to its
	// end, how many lines ended in it (newlines read): where a later read
	// of the same file numbers its lines from.
	Lines int64     `json:"lines,omitempty"`
	errAt []keptErr // where each of Errors is, in the same order
	mu    sync.Mutex
}

// keptErr is an error's text and where in its file it is.
type keptErr struct {
	line int
	off  int64
	text string
}

// before orders errors as they stand in the file (line 0, the file's
// own errors, first).
func (e keptErr) before(o keptErr) bool {
	return e.line < o.line || e.line == o.line && e.off < o.off
}

// maxKeptErrors bounds how many error texts a file keeps for --stats; the
// count of skipped records is always complete.
const maxKeptErrors = 20

func newFileStats(file string) *FileStats {
	return &FileStats{File: file, Shapes: map[string]int64{}, Ignored: map[string]int64{}, Reasons: map[string]int64{}, Incomplete: map[string]int64{}}
}

// add merges a worker's tally for one batch.
func (s *FileStats) add(t *tally) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Records += t.records
	s.Events += t.events
	s.Skipped += t.skipped
	for k, v := range t.shapes {
		s.Shapes[k] += v
	}
	for k, v := range t.ignored {
		s.Ignored[k] += v
	}
	for k, v := range t.reasons {
		s.Reasons[k] += v
	}
	for k, v := range t.incomplete {
		s.Incomplete[k] += v
	}
	for _, e := range t.errs {
		s.keep(e)
	}
}

// setLines records how many lines the input's reading ended.
func (s *FileStats) setLines(n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Lines = n
}

// keep adds e to the kept errors if it is among the first maxKeptErrors
// in the file: workers and the reader report in whatever order they run,
// and --stats should list the same errors every time.
func (s *FileStats) keep(e keptErr) {
	i := len(s.errAt)
	for i > 0 && e.before(s.errAt[i-1]) {
		i--
	}
	if i >= maxKeptErrors {
		return
	}
	s.errAt = slices.Insert(s.errAt, i, e)
	s.Errors = slices.Insert(s.Errors, i, e.text)
	if len(s.errAt) > maxKeptErrors {
		s.errAt, s.Errors = s.errAt[:maxKeptErrors], s.Errors[:maxKeptErrors]
	}
}

// ShapeNames lists the shapes seen, sorted.
func (s *FileStats) ShapeNames() []string { return slices.Sorted(maps.Keys(s.Shapes)) }

// tally counts one batch in a worker without locking.
type tally struct {
	records, events, skipped             int64
	shapes, ignored, reasons, incomplete map[string]int64
	errs                                 []keptErr // the first maxKeptErrors of the batch
}

func (t *tally) reset() {
	t.records, t.events, t.skipped = 0, 0, 0
	clear(t.shapes)
	clear(t.ignored)
	clear(t.reasons)
	clear(t.incomplete)
	t.errs = t.errs[:0]
}

func newTally() *tally {
	return &tally{shapes: map[string]int64{}, ignored: map[string]int64{}, reasons: map[string]int64{}, incomplete: map[string]int64{}}
}
