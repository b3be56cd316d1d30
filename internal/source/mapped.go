package source

import (
	"bytes"
	"os"
	"runtime/debug"
	"sync"
)

// A plain JSON lines file is read in place: mapped into memory, its lines
// go to the workers as slices of the mapping, with no copy into a buffer
// (the copy by read(2) was a sixth of a hunt's time). As batches are
// done, in whatever order the workers finish them, the pages before the
// first one not done leave the process (they stay in the page cache), so
// memory stays flat however large the file; the mapping goes when its
// last batch is done. Gzip, pipes, standard input and sections of files
// are read as before, as is any file that cannot be mapped.

// minMapped is the smallest file worth mapping: below it the read costs
// less than setting the mapping up.
const minMapped = 4 << 20

// A page touched maps its neighbours in the page cache as well: the
// kernel's fault-around (64 KiB, aligned) and its large folios (up to 2
// MiB of a file at once). Pages already dropped may so come back when the
// pages after them are first read; each drop therefore starts dropAgain
// before the last one ended, and ends on a multiple of dropAlign.
const (
	dropAlign = 1 << 20
	dropAgain = 4 << 20
)

// pageSize is what dropPages works in.
var pageSize = int64(os.Getpagesize())

// mapping is one mapped file, shared by its batches.
type mapping struct {
	data     []byte
	mu       sync.Mutex
	pending  int             // batches not done, plus one while the reader cuts
	next     int64           // every batch before this offset is done
	early    map[int64]int64 // batches done beyond next: start → end
	released int64           // every page before this offset is dropped
	drop     func([]byte)    // dropPages (tests map memory of their own)
	unmap    func([]byte)    // unmapFile
}

// mapInput maps the file s was opened from, when it is a plain regular
// file of a worthwhile size; nil otherwise.
func mapInput(in Input, s *stream) *mapping {
	f, ok := s.closer.(*os.File)
	if !ok || !in.plain || s.compressed {
		return nil
	}
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() || st.Size() < minMapped || int64(int(st.Size())) != st.Size() {
		return nil
	}
	data, err := mapFile(f, st.Size())
	if err != nil {
		return nil
	}
	return &mapping{data: data, pending: 1, early: map[int64]int64{}, drop: dropPages, unmap: unmapFile}
}

// finish notes that the batch of bytes [start, end) is done.
func (m *mapping) finish(start, end int64) {
	// Its own pages go at once, so that a batch read slowly does not hold
	// those of the batches after it; the pages it shares with its
	// neighbours go once all before them are done.
	if lo, hi := (start+pageSize-1)/pageSize*pageSize, end/pageSize*pageSize; lo < hi {
		m.drop(m.data[lo:hi])
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if start != m.next {
		m.early[start] = end
	} else {
		m.next = end
		for e, ok := m.early[m.next]; ok; e, ok = m.early[m.next] {
			delete(m.early, m.next)
			m.next = e
		}
		if r := m.next / dropAlign * dropAlign; r > m.released {
			m.drop(m.data[max(m.released-dropAgain, 0):r])
			m.released = r
		}
	}
	m.release()
}

// release drops one hold on the mapping, unmapping it after the last.
// The caller holds m.mu.
func (m *mapping) release() {
	if m.pending--; m.pending == 0 {
		m.unmap(m.data)
		m.data = nil
	}
}

// readInPlace reads a mapped file of JSON lines and returns its size.
func (fr *fileReader) readInPlace(m *mapping) int64 {
	skip := 0
	if bytes.HasPrefix(m.data, utf8BOM) {
		skip = len(utf8BOM) // as sniff drops it
	}
	size := len(m.data) // m.data goes when the workers are done
	fr.readMapped(m, skip)
	return int64(size)
}

// readMapped cuts the mapped file into batches as readLines cuts a stream,
// from skip (past a byte-order mark). It returns when every batch is sent;
// the workers finish them.
func (fr *fileReader) readMapped(m *mapping, skip int) {
	data := m.data
	defer func() {
		m.mu.Lock()
		m.release()
		m.mu.Unlock()
	}()
	// The file may shrink as it is read: see linesInPlace.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			if !isFault(r, data) {
				panic(r)
			}
			fr.fail(0, 0, errChanged)
		}
	}()
	n := len(data)
	// The bytes before skip count as done, so pages can be dropped.
	m.next = int64(skip)
	line, off := 1, skip
	for off < n {
		end := off + fr.batchReach()
		if end > n {
			fr.sendMapped(m, off, n, line, true)
			return
		}
		if i := bytes.LastIndexByte(data[off:end], '\n'); i >= 0 {
			fr.sendMapped(m, off, off+i+1, line, false)
			line += bytes.Count(data[off:off+i+1], nl)
			off += i + 1
			continue
		}
		// A line of at least a chunk: a batch of its own up to the cap.
		lim := min(off+fr.lim.MaxRecord, n)
		if end < lim {
			if j := bytes.IndexByte(data[end:lim], '\n'); j >= 0 {
				fr.sendMapped(m, off, end+j+1, line, false)
				off, line = end+j+1, line+1
				continue
			}
		}
		if n-off < fr.lim.MaxRecord { // the last line, within the cap
			fr.sendMapped(m, off, n, line, true)
			return
		}
		fr.tooLong(line, int64(off))
		j := bytes.IndexByte(data[max(end, lim):], '\n')
		if j < 0 {
			return
		}
		// The skipped line's bytes count as a done batch.
		fr.skipMapped(m, off, max(end, lim)+j+1)
		off, line = max(end, lim)+j+1, line+1
	}
}

// sendMapped hands the bytes [start, end) of the mapping to the workers as
// a batch of lines. Offsets are the file's, a byte-order mark counted,
// so that a record can be found again where its offset says.
func (fr *fileReader) sendMapped(m *mapping, start, end, line int, last bool) {
	m.mu.Lock()
	m.pending++
	m.mu.Unlock()
	b := &batch{fs: fr.fs, data: m.data[start:end], lines: true, firstLine: line, baseOff: int64(start), last: last, mapped: m, mapAt: int64(start)}
	if !fr.send(b) {
		b.done()
	}
}

// skipMapped marks bytes [start, end) done without reading them.
func (fr *fileReader) skipMapped(m *mapping, start, end int) {
	m.mu.Lock()
	m.pending++
	m.mu.Unlock()
	m.finish(int64(start), int64(end))
}
