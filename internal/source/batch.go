package source

import (
	"github.com/mamori-sec/mamori/internal/record"
	"github.com/mamori-sec/mamori/internal/slab"
)

// span is one record inside a batch's data.
type span struct {
	start, end int
	line       int
	off        int64
	hint       record.Hint
	text       uint8 // textAuditd, textSysmon: the event as written, its record built by the worker
}

// What a span holds when it is not a record yet: the host text readers'
// events, framed by the file's reader and built on the workers.
const (
	textNone   = iota
	textAuditd // an audit event's lines (host.GroupAuditd)
	textSysmon // a Sysmon event's XML (host.GroupSysmon)
)

// batch is the unit of work handed from a file's reader to the workers.
// Either data holds whole lines (JSON lines: the worker splits them, which
// keeps the reader at memory speed) or spans mark the records in data (or
// the host text a record is built from: span.text).
type batch struct {
	fs        *FileStats
	data      []byte
	spans     []span
	lines     bool
	firstLine int         // line number of data[0] when lines
	baseOff   int64       // stream offset of data[0] when lines
	last      bool        // holds the stream's final bytes (a partial last line is expected there)
	chunk     []byte      // the pooled chunk data was read into (getChunk), given back when done
	pull      *lineCutter // no data yet: the worker cuts the batch (pullLines)
}

// done gives the batch's memory back once its records are read: nothing
// may keep a reference into data afterwards.
func (b *batch) done() {
	if b.pull != nil {
		b.pull.pulls <- struct{}{}
	}
	if b.chunk != nil {
		putChunk(b.chunk)
	}
	b.data, b.chunk = nil, nil
}

// chunkCap is how far a batch of lines may reach: a batch ends at the last
// newline within it. A worker reads its batch and walks it at once: at
// 256 KiB it is still in the core's cache (the 1 GiB benchmark's hunt took
// about 9% less CPU than with 1 MiB chunks, a folder of hourly files and
// a gzip file the same). Eight fit a slab region (package slab).
const chunkCap = 256 << 10

// chunkSize is how much of a JSON lines file one batch carries: big enough
// to amortise the hand-off, small enough that two workers stay busy.
const chunkSize = chunkCap - 64<<10

// chunks holds the chunks, outside the collector's heap (package slab says
// why).
var chunks = slab.For(chunkCap)

// getChunk returns an empty buffer of exactly chunkCap bytes' capacity, so
// that where batches end does not depend on what the pool held. Give it
// back with putChunk, whole (not a slice of it, nor what an append grew
// it into): the batch that reads into it keeps it as its chunk.
func getChunk() []byte { return chunks.Get() }

func putChunk(b []byte) { chunks.Put(b) }
