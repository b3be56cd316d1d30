package cli

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/mamori-sec/mamori/internal/plural"
	"github.com/mamori-sec/mamori/internal/posture/azure"
	"github.com/mamori-sec/mamori/internal/posture/capture"
	"github.com/mamori-sec/mamori/internal/report"
	"github.com/mamori-sec/mamori/internal/store"
)

// serve --fetch keeps a live tenant's logs arriving with no export set
// up: every --fetch-every it reads from Azure what mamori fetch reads, for
// the time since its last read, into FOLDER/fetched/<time>/, where the
// cycle that follows finds them as any export's files.
//
// Azure writes an event into its log minutes after it happened, and at
// times hours after (Entra ID's sign-ins up to about two): an event-time
// window read once would miss what came late. So each read reaches
// --fetch-overlap before the last one's end, and keeps only the events
// it had not read (by their id), each event's bytes as the API gave
// them. An event later than that is not read.

// fetchFolder is where serve writes what it reads, under its first folder.
const fetchFolder = "fetched"

// fetchStamp names each read's folder: its end, sortable.
const fetchStamp = "20060102T150405.000Z"

// wholeMark marks the folder of a read every log took whole: where the
// next read, after a restart, goes on from.
const wholeMark = ".whole"

// fetchOf is what one of serve's fetchers reads: a tenant's logs from
// the APIs (tenant "": the credential's), or a workspace's tables
// (--fetch-workspace), signed in to the credential's tenant.
type fetchOf struct{ tenant, workspace string }

// logFetch reads the logs of what whose events fall in [since, until],
// handing each page to keep (azure.FetchLogs, or a test's).
type logFetch func(ctx context.Context, what fetchOf, since, until time.Time, keep func(log, sub string, page int, body []byte) error) ([]azure.LogRead, error)

// liveLogs reads Azure's logs for serve --fetch: what mamori fetch reads.
var liveLogs logFetch = func(ctx context.Context, what fetchOf, since, until time.Time, keep func(log, sub string, page int, body []byte) error) ([]azure.LogRead, error) {
	lo := azure.LogsOptions{}
	if what.workspace != "" {
		lo = azure.LogsOptions{Workspaces: []string{what.workspace}, WorkspacesOnly: true}
	}
	return azure.FetchLogs(ctx, azure.Options{TenantID: what.tenant}, lo, since, until, keep)
}

// fetcher is serve's reader of a live tenant's logs, or of a workspace's.
type fetcher struct {
	fetchOf
	dir     string        // FOLDER/fetched, FOLDER/fetched/TENANT or FOLDER/fetched/workspace/ID
	every   time.Duration // --fetch-every
	first   time.Duration // --fetch-since: how far the first read reaches
	overlap time.Duration // --fetch-overlap: how far each read reaches into the one before
	fetch   logFetch
	// last is the end of the last read that every log took whole (zero:
	// none; read from the folders' names after a restart); ran is when
	// the last read ran.
	last, ran time.Time
	// seen are the ids of the events of the overlap read already, and
	// their times (pruned past the overlap).
	seen map[string]time.Time
}

// newFetcher reads what it is to into folder, and finds where an earlier
// serve's reads ended, from the names of their folders.
func newFetcher(folder string, what fetchOf, every, first, overlap time.Duration, fetch logFetch) *fetcher {
	dir := filepath.Join(folder, fetchFolder)
	switch {
	case what.workspace != "":
		dir = filepath.Join(dir, "workspace", strings.ToLower(what.workspace))
	case what.tenant != "":
		dir = filepath.Join(dir, strings.ToLower(what.tenant))
	}
	f := &fetcher{fetchOf: what, dir: dir, every: every, first: first, overlap: overlap, fetch: fetch, seen: map[string]time.Time{}}
	entries, _ := os.ReadDir(f.dir)
	for _, e := range entries {
		t, err := time.Parse(fetchStamp, e.Name())
		if _, whole := os.Stat(filepath.Join(f.dir, e.Name(), wholeMark)); err == nil && whole == nil && t.After(f.last) {
			f.last = t
		}
	}
	return f
}

// fetchAll reads the tenants whose read is due, several at once (a
// tenant's logs come from APIs that throttle each tenant on its own), and
// hands each read to done.
func fetchAll(ctx context.Context, fetchers []*fetcher, stderr io.Writer, done func(store.ReadNoted)) {
	now := time.Now()
	var due []*fetcher
	for _, f := range fetchers {
		if f.due(now) {
			due = append(due, f)
		}
	}
	readAtOnce(len(due), stderr, func(i int, out io.Writer) store.ReadNoted {
		return due[i].read(ctx, time.Now(), out)
	}, done)
}

// due reports whether a read is due at now.
func (f *fetcher) due(now time.Time) bool {
	return f.ran.IsZero() || now.Sub(f.ran) >= f.every
}

// read reads the logs since the last read (less the overlap) into a new
// folder, keeping each event once, and says on stderr what it read and
// what it could not; it returns, for the store, how many events it wrote,
// whether every log was read whole, and what it could not read.
func (f *fetcher) read(ctx context.Context, now time.Time, stderr io.Writer) store.ReadNoted {
	var events int
	f.ran = now
	since := now.Add(-f.first)
	if !f.last.IsZero() {
		since = f.last.Add(-f.overlap)
	}
	folder := filepath.Join(f.dir, now.UTC().Format(fetchStamp))
	pages := map[string]int{}
	var mu sync.Mutex // keep is called from each log's reader at once
	reads, err := f.fetch(ctx, f.fetchOf, since, now, func(log, sub string, _ int, body []byte) error {
		mu.Lock()
		defer mu.Unlock()
		var page []byte
		var n int
		var keys []string
		var err error
		if strings.HasPrefix(log, azure.LogWorkspace) {
			page, n, keys, err = f.freshRows(body)
		} else {
			page, n, keys, err = f.freshEvents(body)
		}
		if err != nil || n == 0 {
			return err
		}
		dir, err := azure.LogFolder(folder, log, sub)
		if err != nil {
			return err
		}
		pages[dir]++
		if err := azure.WritePage(dir, fmt.Sprintf("%04d.json", pages[dir]), page); err != nil {
			return err // not remembered: the next read writes them
		}
		for _, k := range keys {
			f.seen[k] = now
		}
		events += n
		return nil
	})
	prefix := "mamori serve: fetch:"
	if f.source() != "" {
		prefix = "mamori serve: " + f.name() + ":"
	}
	var said []string
	if err != nil {
		said = append(said, err.Error())
		fmt.Fprintln(stderr, prefix, report.Terminal(err.Error()))
	}
	whole := err == nil
	for _, r := range reads {
		if r.Status == capture.OK {
			continue
		}
		said = append(said, fmt.Sprintf("%s: %s: %s", fetchedName(r), r.Status, fetchWhyRaw(r)))
		fmt.Fprintf(stderr, "%s %s\n", prefix, report.Terminal(said[len(said)-1]))
		// A refused or absent log is not to be had: asking again will
		// not change it. Any other is read again, from the same start.
		whole = whole && (r.Status == capture.Denied || r.Status == capture.Absent)
	}
	if whole {
		f.last = now
		// Said in the folder too, for a serve started again: a hidden
		// file, which readers pass over.
		err := os.MkdirAll(folder, 0o750)
		if err == nil {
			err = os.WriteFile(filepath.Join(folder, wholeMark), nil, 0o640)
		}
		if err != nil {
			fmt.Fprintln(stderr, prefix, report.Terminal(err.Error()))
		}
	}
	for id, t := range f.seen {
		if t.Before(since) {
			delete(f.seen, id)
		}
	}
	fmt.Fprintf(stderr, "%s %s new from Azure, %s to %s UTC\n", prefix, plural.Count(events, "event", "events"),
		since.UTC().Format("2006-01-02 15:04"), now.UTC().Format("2006-01-02 15:04"))
	return store.ReadNoted{Kind: store.ReaderFetch, Source: f.source(), At: now, Whole: whole, Said: strings.Join(said, "; "), Items: int64(events)}
}

// source is the fetcher as the store keeps its reads: its tenant ("" for
// the credential's), or workspacePrefix and the workspace's id.
func (f fetchOf) source() string {
	if f.workspace != "" {
		return workspacePrefix + strings.ToLower(f.workspace)
	}
	return f.tenant
}

// name is the fetcher as serve's standard error and status name it.
func (f fetchOf) name() string {
	return readerName(store.Reader{Kind: store.ReaderFetch, Source: f.source()})
}

// workspacePrefix starts the source of a workspace's fetcher.
const workspacePrefix = "workspace/"

// freshEvents is a page of the events of body not read before (fresh),
// how many, and their keys.
func (f *fetcher) freshEvents(body []byte) ([]byte, int, []string, error) {
	evs, keys, err := f.fresh(body)
	if err != nil || len(evs) == 0 {
		return nil, 0, nil, err
	}
	page, err := json.Marshal(struct {
		Value []json.RawMessage `json:"value"`
	}{evs})
	return page, len(evs), keys, err
}

// freshRows is an answer of a workspace's query API ({"tables": [{"name",
// "columns", "rows"}]}) holding only the rows not read before, as the
// answer held them; how many, and the keys to remember them by once kept:
// a row's bytes, with its table's name (a row has no id of its own).
func (f *fetcher) freshRows(body []byte) ([]byte, int, []string, error) {
	type table struct {
		Name    string            `json:"name"`
		Columns json.RawMessage   `json:"columns"`
		Rows    []json.RawMessage `json:"rows"`
	}
	var a struct {
		Tables []table `json:"tables"`
	}
	if err := json.Unmarshal(body, &a); err != nil {
		return nil, 0, nil, fmt.Errorf("an answer of the query API that is not its tables: %w", err)
	}
	var keys []string
	in := map[string]bool{}
	var kept []table
	for _, t := range a.Tables {
		var rows []json.RawMessage
		for _, row := range t.Rows {
			key := t.Name + "\x00" + string(row)
			if _, ok := f.seen[key]; ok || in[key] {
				continue
			}
			in[key] = true
			rows, keys = append(rows, row), append(keys, key)
		}
		if len(rows) > 0 {
			t.Rows = rows
			kept = append(kept, t)
		}
	}
	if len(keys) == 0 {
		return nil, 0, nil, nil
	}
	a.Tables = kept
	page, err := json.Marshal(a)
	return page, len(keys), keys, err
}

// fresh are the events of a page ({"value": [...]}, as ARM and Graph give
// them) not read before, each as the page held it, and the keys to
// remember them by once kept: an event's id (eventDataId in the Activity
// Log, id in Graph's), or its bytes when it has none.
func (f *fetcher) fresh(body []byte) (out []json.RawMessage, keys []string, err error) {
	var page struct {
		Value []json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		return nil, nil, fmt.Errorf("a page that is not a list of events: %w", err)
	}
	in := map[string]bool{}
	for _, ev := range page.Value {
		var ids struct {
			EventDataID string `json:"eventDataId"`
			ID          string `json:"id"`
		}
		json.Unmarshal(ev, &ids)
		key := cmp.Or(ids.EventDataID, ids.ID, string(ev))
		if _, ok := f.seen[key]; ok || in[key] {
			continue
		}
		in[key] = true
		out, keys = append(out, ev), append(keys, key)
	}
	return out, keys, nil
}
