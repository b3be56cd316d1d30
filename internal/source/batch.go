package source

import (
	"sync"

	"github.com/mamori-sec/mamori/internal/record"
)

// span is one record inside a batch's data.
type span struct {
	start, end int
	line       int
	off        int64
	hint       record.Hint
}

// batch is the unit of work handed from a file's reader to the workers.
// Either data holds whole lines (JSON lines: the worker splits them, which
// keeps the reader at memory speed) or spans mark the records in data.
type batch struct {
	fs        *FileStats
	data      []byte
	spans     []span
	lines     bool
	firstLine int   // line number of data[0] when lines
	baseOff   int64 // stream offset of data[0] when lines
	last      bool  // holds the stream's final bytes (a partial last line is expected there)
	pooled    bool
}

// chunkSize is how much of a JSON lines file one batch carries: big enough
// to amortise the hand-off, small enough that two workers stay busy.
const chunkSize = 1 << 20

var chunkPool = sync.Pool{New: func() any { b := make([]byte, 0, chunkSize+64<<10); return &b }}

func getChunk() []byte { return (*chunkPool.Get().(*[]byte))[:0] }

func putChunk(b []byte) {
	if cap(b) <= 4*chunkSize {
		chunkPool.Put(&b)
	}
}
