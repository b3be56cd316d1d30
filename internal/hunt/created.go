package hunt

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/compact"
	"github.com/mamori-sec/mamori/internal/incident"
)

// createdMemory bounds the encoded creates a createdLog holds in memory
// before it writes them to its temporary file.
const createdMemory = 1 << 20

// createdLog keeps every compute create the engine reports
// (engine.Engine.Created), encoded, in memory up to createdMemory and in a
// temporary file past it. Only the creates of principals some alert names
// can price an incident (incident.Options.Created), and which those are
// is known only once every hit is read; a hunt over a synthetic 10 GiB
// file reported some 300,000 creates, held as incident.Created about
// 140 MB, so holding them made memory grow with the input. The file is
// the user's alone, as the engine's runs are: it holds log contents.
type createdLog struct {
	parent string // where the file goes ("": os.TempDir())
	memory int    // the bytes held before writing to the file (0: createdMemory)
	buf    []byte // creates not yet written to f
	rec    []byte // scratch: one create
	f      *os.File
	w      *bufio.Writer
	n      int
	err    error // the first failure to write; later creates are not kept
}

// add keeps c (its principals already in lower case); past
// incident.MaxCreated creates, none more. Each create is its length
// (uvarint) and its fields.
func (l *createdLog) add(c incident.Created) {
	if l.err != nil || l.n >= incident.MaxCreated {
		return
	}
	l.n++
	r := l.rec[:0]
	r = compact.AppendString(r, c.Tenant)
	r = binary.AppendVarint(r, c.Time.Unix())
	r = binary.AppendUvarint(r, uint64(c.Time.Nanosecond()))
	r = binary.AppendUvarint(r, uint64(len(c.Principals)))
	for _, p := range c.Principals {
		r = compact.AppendString(r, p)
	}
	k := &c.Compute
	for _, s := range [...]string{k.Service, k.Size, k.Region, k.Resource, k.Operation, k.CountNote, k.Cluster} {
		r = compact.AppendString(r, s)
	}
	r = binary.AppendVarint(r, int64(k.Count))
	r = append(r, boolByte(k.Spot))
	l.rec = r
	l.buf = append(binary.AppendUvarint(l.buf, uint64(len(r))), r...)
	if len(l.buf) >= cmp.Or(l.memory, createdMemory) {
		l.spill()
	}
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// spill writes the creates held in memory to the file.
func (l *createdLog) spill() {
	if l.f == nil {
		f, err := os.CreateTemp(l.parent, "mamori-created-*")
		if err != nil {
			l.err = fmt.Errorf("keeping compute creates: %w", err)
			return
		}
		l.f, l.w = f, bufio.NewWriterSize(f, 64<<10)
	}
	if _, err := l.w.Write(l.buf); err != nil {
		l.err = fmt.Errorf("keeping compute creates: %w", err)
	}
	l.buf = l.buf[:0]
}

// of returns, in the order they were added, the creates kept that one of
// whose spans holds, keyed by tenant and principal (whoseKey); nil whose:
// every create.
func (l *createdLog) of(whose map[string][]incident.Span) ([]incident.Created, error) {
	if l.err != nil {
		return nil, l.err
	}
	var out []incident.Created
	var key []byte
	pick := func(r io.ByteReader, rd io.Reader) error {
		for {
			n, err := binary.ReadUvarint(r)
			if err == io.EOF {
				return nil
			}
			if err != nil || n > 1<<20 {
				return errors.New("reading back compute creates: corrupt record")
			}
			l.rec = slices.Grow(l.rec[:0], int(n))[:n]
			if _, err := io.ReadFull(rd, l.rec); err != nil {
				return fmt.Errorf("reading back compute creates: %w", err)
			}
			c, ok := decodeCreated(l.rec, whose, &key)
			if !ok {
				return errors.New("reading back compute creates: corrupt record")
			}
			if c != nil {
				out = append(out, *c)
			}
		}
	}
	if l.f != nil {
		if err := l.w.Flush(); err != nil {
			return nil, fmt.Errorf("keeping compute creates: %w", err)
		}
		if _, err := l.f.Seek(0, io.SeekStart); err != nil {
			return nil, fmt.Errorf("reading back compute creates: %w", err)
		}
		br := bufio.NewReaderSize(l.f, 64<<10)
		if err := pick(br, br); err != nil {
			return nil, err
		}
	}
	br := bytes.NewReader(l.buf)
	if err := pick(br, br); err != nil {
		return nil, err
	}
	return out, nil
}

// whoseKey is the key of a tenant's principal in createdLog.of's whose.
func whoseKey(tenant, principal string) string { return tenant + "\x00" + principal }

// decodeCreated decodes a create add encoded: nil when no span whose
// gives one of its principals holds it; ok false when rec is corrupt. key
// is scratch.
func decodeCreated(rec []byte, whose map[string][]incident.Span, key *[]byte) (c *incident.Created, ok bool) {
	d := compact.NewReader(rec)
	tenant := d.Bytes()
	sec, nsec, np := d.Varint(), d.Uvarint(), d.Count(1)
	if d.Err() != nil {
		return nil, false
	}
	at := time.Unix(sec, int64(nsec)).UTC()
	ps := make([][]byte, np)
	wanted := whose == nil
	for i := range ps {
		ps[i] = d.Bytes()
		if !wanted && d.Err() == nil {
			*key = append(append(append((*key)[:0], tenant...), 0), ps[i]...)
			wanted = slices.ContainsFunc(whose[string(*key)], func(s incident.Span) bool { return s.Holds(at) })
		}
	}
	var fields [7][]byte
	for i := range fields {
		fields[i] = d.Bytes()
	}
	count := d.Varint()
	spot := d.Byte()
	if d.Err() != nil || d.Len() != 0 {
		return nil, false
	}
	if !wanted {
		return nil, true
	}
	c = &incident.Created{Tenant: string(tenant), Time: at, Principals: make([]string, np)}
	for i, p := range ps {
		c.Principals[i] = string(p)
	}
	c.Compute = alert.Compute{Service: string(fields[0]), Size: string(fields[1]), Region: string(fields[2]), Resource: string(fields[3]),
		Operation: string(fields[4]), CountNote: string(fields[5]), Cluster: string(fields[6]), Count: int(count), Spot: spot == 1}
	return c, true
}

// close removes the file.
func (l *createdLog) close() {
	if l.f != nil {
		l.f.Close()
		os.Remove(l.f.Name())
		l.f = nil
	}
	l.buf = nil
}

// pricedBy is createdLog.of's whose for incidents: the spans each
// tenant's principal's creates price one (incident.CreatedSpans).
func pricedBy(spans map[[2]string][]incident.Span) map[string][]incident.Span {
	whose := make(map[string][]incident.Span, len(spans))
	for k, s := range spans {
		whose[whoseKey(k[0], k[1])] = s
	}
	return whose
}
