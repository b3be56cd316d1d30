package source

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/jsonwalk"
	"github.com/mamori-sec/mamori/internal/record"
	"github.com/mamori-sec/mamori/internal/source/host"
)

// fileReader frames one input into batches for the workers.
type fileReader struct {
	ctx   context.Context
	in    Input
	fs    *FileStats
	lim   Limits
	out   chan<- *batch
	onErr func(*ParseError)
	cur   *batch // batch being filled with spans
	reach int    // how far a batch of lines may reach; 0: chunkCap (tests make it small)
	pulls int    // a regular file's batches the workers may be cutting at once; 0: cut here
}

// batchReach is how far a batch of lines may reach: never past the record
// cap, so that a line longer than the cap but shorter than a chunk goes the
// long-line way and is reported, as a longer one is.
func (fr *fileReader) batchReach() int {
	r := chunkCap
	if fr.reach > 0 {
		r = min(fr.reach, r)
	}
	if fr.lim.MaxRecord > 0 {
		r = min(r, fr.lim.MaxRecord)
	}
	return r
}

// send hands a batch to the workers, or reports false when the hunt is
// over.
func (fr *fileReader) send(b *batch) bool {
	select {
	case fr.out <- b:
		return true
	case <-fr.ctx.Done():
		return false
	}
}

// fail records a record-level failure found while framing.
func (fr *fileReader) fail(line int, off int64, err error) {
	pe := &ParseError{File: fr.in.Name, Line: line, Offset: off, Err: err}
	t := newTally()
	t.skipped = 1
	t.reasons[reasonOf(err)] = 1
	t.errs = append(t.errs, keptErr{line: line, off: off, text: pe.Error()})
	fr.fs.add(t)
	if fr.onErr != nil {
		fr.onErr(pe)
	}
}

// add appends one framed record to the current batch.
func (fr *fileReader) add(b []byte, line int, off int64, h record.Hint) {
	fr.put(b, span{line: line, off: off, hint: h})
}

// put adds the record b to the current batch, where sp (its offsets
// aside) says what it is.
func (fr *fileReader) put(b []byte, sp span) {
	if fr.cur == nil {
		c := getChunk()
		fr.cur = &batch{fs: fr.fs, data: c, chunk: c}
	}
	c := fr.cur
	sp.start = len(c.data)
	c.data = append(c.data, b...)
	sp.end = len(c.data)
	c.spans = append(c.spans, sp)
	if len(c.data) >= chunkSize {
		fr.flush()
	}
}

func (fr *fileReader) flush() {
	if fr.cur != nil && (len(fr.cur.spans) == 0 || !fr.send(fr.cur)) {
		fr.cur.done() // not handed on (the hunt is over): its chunk goes back
	}
	fr.cur = nil
}

// run reads the whole input. Errors that end the input early (cannot
// open, truncated gzip) are reported as a ParseError for the file; the
// records before them have been used.
func (fr *fileReader) run() {
	s, err := openStream(fr.in, fr.lim)
	if err != nil {
		fr.fs.Container = "unreadable"
		fr.fail(0, 0, err)
		return
	}
	defer s.Close()
	defer func() { fr.fs.Bytes = s.counted.n }()
	if s.gz != nil {
		// A damaged member read past is said where its text was cut.
		s.gz.onDamage(func(off int64, err error) { fr.fail(0, off, err) })
	}
	kind, err := sniff(s)
	if fr.in.kind != "" && kind != "empty" {
		// Known (the rest of a file serve has read): broken first lines
		// are reported one by one, not taken for another format.
		kind, err = fr.in.kind, nil
	}
	fr.fs.Container = kind
	if s.utf16 {
		fr.fs.Container = "utf16+" + kind
	}
	if s.compressed {
		fr.fs.Container = "gzip+" + fr.fs.Container
	}
	if err != nil {
		fr.fail(0, 0, err)
		return
	}
	switch kind {
	case "json-lines":
		err = fr.readLines(s)
	case "json-document":
		err = fr.readDocument(s)
	case "csv":
		err = fr.readCSV(s)
	case "avro":
		err = fr.readAvro(s)
	case "auditd":
		// Framed here, built into records on the workers (span.text).
		nl := &newlines{r: s}
		err = host.GroupAuditd(nl, fr.textEmit("auditd", textAuditd), fr.textBad)
		fr.fs.setLines(nl.n)
	case "sysmon":
		nl := &newlines{r: s}
		err = host.GroupSysmon(nl, fr.textEmit("sysmon", textSysmon), fr.textBad)
		fr.fs.setLines(nl.n)
	case "empty":
		return
	case containerOwnHTML, containerOwnTable, containerOwnPostureTable, containerOwnStore:
		// One record, mamori's own output: nothing in it is a log.
		fr.fs.mu.Lock()
		fr.fs.Records++
		fr.fs.Ignored[ownContainers[kind]]++
		fr.fs.mu.Unlock()
		return
	}
	fr.flush()
	if err != nil {
		fr.fail(0, s.counted.n, err)
	}
}

// textEmit adds the host text readers' events to batches as written, for
// the workers to build (span.text).
func (fr *fileReader) textEmit(format string, text uint8) func([]byte, int) error {
	h := record.Hint{Format: format}
	first := fr.firstLine()
	return func(b []byte, line int) error {
		fr.put(b, span{line: line + first, hint: h, text: text})
		return fr.ctx.Err()
	}
}

func (fr *fileReader) textBad(line int, reason error) { fr.fail(line+fr.firstLine(), 0, reason) }

// firstLine is what a section's own line numbers are moved on by to be
// the file's (0 for a whole file).
func (fr *fileReader) firstLine() int { return max(fr.in.line, 1) - 1 }

// newlines counts the newlines read through it: the lines a host text
// log's reading ended (FileStats.Lines).
type newlines struct {
	r io.Reader
	n int64
}

func (c *newlines) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(bytes.Count(p[:n], []byte{'\n'}))
	return n, err
}

// readDocument streams a multi-line JSON document's records into batches.
func (fr *fileReader) readDocument(s *stream) error {
	d := newPooledDocScanner(s, fr.lim.MaxRecord)
	defer d.close() // every record was copied into a batch (fr.add)
	h := record.Hint{Format: "json"}
	// A section's lines and offsets are the file's, as for lines.
	first := fr.firstLine()
	err := d.walk(func(b []byte, line int, off int64) {
		line, off = line+first, off+fr.in.from+int64(s.bom)
		if b == nil {
			fr.fail(line, off, fmt.Errorf("record larger than %d bytes: %w (raise --max-record)", fr.lim.MaxRecord, ErrTooLarge))
			return
		}
		fr.add(b, line, off, h)
	})
	if se, ok := err.(*errStructure); ok {
		fr.flush()
		// Reported here, at its line: returned, run would wrap it in a
		// second error naming the file again at the stream's end offset,
		// and count the file's name as the reason.
		fr.fail(se.line+first, 0, fmt.Errorf("invalid JSON, rest of file not read: %s", se.msg))
		return nil
	}
	return err
}

// isJSON reports whether b is one JSON value as fastjson.Validate finds
// it. A line without a backslash (the walk's bitmap says) or a control
// byte the walker accepts is (jsonwalk accepts nothing fastjson rejects,
// and Validate checks nothing more than it then: escapes, and control
// bytes in strings), at several times Validate's speed: a folder of
// hourly blobs has the first line of each file checked, and a flow log's
// first line is most of its file. Anything else is Validate's to say.
func isJSON(b []byte) bool {
	var words []uint64
	if w := jsonwalk.New(b, &words); w.Plain && !controlBytes(b) {
		if end := w.SkipValue(0, 0); end >= 0 && jsonwalk.SkipWS(b, end) == len(b) {
			return true
		}
	}
	return fastjson.ValidateBytes(b) == nil
}

// controlBytes reports whether b holds a byte below 0x20, eight bytes at a
// time: such a byte borrows into its own high bit when 0x20 is taken from
// it (and a byte of 0x80 or more keeps its high bit out by ^w).
func controlBytes(b []byte) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(b); i += 8 {
		if w := binary.LittleEndian.Uint64(b[i:]); (w-ones*0x20)&^w&highs != 0 {
			return true
		}
	}
	return bytes.ContainsFunc(b[i:], func(r rune) bool { return r < 0x20 })
}

// jsonMode decides between JSON lines and one multi-line document: the
// first line holding a complete value means lines; so does, when the first
// is a record cut short or broken rather than a document's opening, any
// later line of the head that holds one (a file whose first two lines are
// broken is still lines: taken for a document, none of it would be read).
// A line holding whole records joined to a cut one, or to each other
// (holdsJoined), counts as holding one: a file of one such line was taken
// for a document broken at its first record.
func jsonMode(head []byte, full bool) string {
	for i := 0; ; i++ {
		j := bytes.IndexByte(head, '\n')
		if j < 0 {
			if !full {
				if i >= 2 {
					break // a line cut by the peek, after two that are not records
				}
				return "json-lines" // a line longer than the peek: one big record per line
			}
			j = len(head)
		}
		line := bytes.TrimSpace(head[:j])
		if len(line) > 0 && (isJSON(line) || holdsJoined(line)) {
			return "json-lines"
		}
		// A first line that opens a container ("[", "{", `{"value": [`) or
		// ends mid-list is the start of a document, not a record cut short.
		if i == 0 && len(line) > 0 && bytes.IndexByte([]byte("[{,:"), line[len(line)-1]) >= 0 {
			return "json-document"
		}
		if j >= len(head) {
			break
		}
		head = bytes.TrimLeft(head[j+1:], " \t\r\n")
	}
	return "json-document"
}
