package serve

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"sync"
	"time"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/source"
	"github.com/mamori-sec/mamori/internal/store"
)

// Each cycle hunts only what is new, so a window of a count or temporal
// correlation open at the cycle's edge would lose what came before it.
// The records such correlations read (few: creates, grants, quota
// changes; never the bulk of a log) are noted by file and offset, and
// read again with the next cycle's records for as long as a window can
// reach back (correlate.Set.Reach). Their own alerts come out with the
// ids they had, so the store does not count them twice.

// carrier collects, during a hunt, the records to carry: those that can
// be found again by offset, one JSON object on a line of a plain file
// (JSON lines, and arrays written a record a line as Log Analytics
// exports them).
type carrier struct {
	mu    sync.Mutex
	plain map[string]bool // paths not compressed
	got   []store.Carried
}

func (c *carrier) add(tenant string, t time.Time, loc event.Location) {
	if loc.Line == 0 || !c.plain[loc.File] {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.got = append(c.got, store.Carried{Path: loc.File, Offset: loc.Offset, Line: loc.Line, Tenant: tenant, Time: t})
}

// drops says, per tenant, which carried records are now too old for any
// window: older than reach before the tenant's latest one.
func drops(all []store.Carried, reach time.Duration) map[string]time.Time {
	latest := map[string]time.Time{}
	for _, c := range all {
		if c.Time.After(latest[c.Tenant]) {
			latest[c.Tenant] = c.Time
		}
	}
	for k, t := range latest {
		latest[k] = t.Add(-reach)
	}
	return latest
}

// carriedInputs reads where each carried line ends and makes it an input
// of its own, numbered as in its file so evidence points there. Records
// whose file is gone or changed under them are returned as lost.
func carriedInputs(cs []store.Carried, maxRecord int) (ins []source.Input, lost []store.Carried) {
	var f *os.File
	var path string
	defer func() {
		if f != nil {
			f.Close()
		}
	}()
	buf := make([]byte, 64<<10)
	for _, c := range cs {
		if c.Path != path {
			if f != nil {
				f.Close()
			}
			path = c.Path
			var err error
			if f, err = os.Open(path); err != nil {
				f = nil
			}
		}
		end, ok := int64(0), false
		if f != nil {
			end, ok = lineEnd(f, c.Offset, buf, maxRecord)
		}
		if !ok {
			lost = append(lost, c)
			continue
		}
		ins = append(ins, source.FileSection(c.Path, c.Offset, end, c.Line))
	}
	return ins, lost
}

// lineEnd finds the end of the JSON object that starts at off and ends
// its line (an array's element may be followed by "," or "]").
func lineEnd(f *os.File, off int64, buf []byte, maxRecord int) (int64, bool) {
	var line []byte
	for pos := off; pos-off < int64(maxRecord); {
		n, err := f.ReadAt(buf, pos)
		if i := bytes.IndexByte(buf[:n], '\n'); i >= 0 {
			line = append(line, buf[:i]...)
			obj := bytes.TrimRight(line, " \t\r,]")
			if len(obj) == 0 || obj[0] != '{' || !json.Valid(obj) {
				return 0, false
			}
			return off + int64(len(obj)), true
		}
		line = append(line, buf[:n]...)
		pos += int64(n)
		if err != nil {
			// The file's last line, without a newline, or a read error.
			obj := bytes.TrimRight(line, " \t\r,]")
			if errors.Is(err, io.EOF) && len(obj) > 0 && obj[0] == '{' && json.Valid(obj) {
				return off + int64(len(obj)), true
			}
			return 0, false
		}
	}
	return 0, false
}
