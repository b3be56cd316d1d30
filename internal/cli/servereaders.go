package cli

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/mamori-sec/mamori/internal/report"
	"github.com/mamori-sec/mamori/internal/store"
)

// serve's own readers (--eventhub's namespaces, --fetch's tenants) note
// each read in the store, for `mamori status` to say which is failing,
// since when and why: a reader that fails leaves no other trace than its
// logs going quiet a day later.

// readNoter returns the function serve notes its readers' reads with. A
// read a stop cut short is no failure of its reader, and is not noted; a
// store that cannot take a read says so, and the cycle goes on: the read
// itself was not lost.
func readNoter(ctx context.Context, st *store.Store, stderr io.Writer) func(store.ReadNoted) {
	return func(r store.ReadNoted) {
		if ctx.Err() != nil {
			return
		}
		if err := st.NoteRead(context.WithoutCancel(ctx), r); err != nil {
			fmt.Fprintln(stderr, "mamori serve: noting a read for 'mamori status':", report.Terminal(err.Error()))
		}
	}
}

// keepReaders forgets, at serve's start, the readers of an earlier serve
// that this one no longer has: a namespace or tenant dropped from the
// command line is read by nobody, and its last failure is no one's to
// mend.
func keepReaders(ctx context.Context, st *store.Store, hubs hubReaders, fetchers []*fetcher, stderr io.Writer) {
	var keep []store.ReadNoted
	for _, h := range hubs {
		keep = append(keep, store.ReadNoted{Kind: store.ReaderEventHub, Source: h.source})
	}
	for _, f := range fetchers {
		keep = append(keep, store.ReadNoted{Kind: store.ReaderFetch, Source: f.source()})
	}
	if _, err := st.KeepReaders(ctx, keep); err != nil {
		fmt.Fprintln(stderr, "mamori serve: the store's readers:", report.Terminal(err.Error()))
	}
}

// readersAtOnce bounds the readers (namespaces, tenants) serve reads at
// the same time.
const readersAtOnce = 8

// readAtOnce runs read for each of n readers, readersAtOnce at a time
// (one that does not answer holds its own read, not every read after
// it), each writing whole lines to out, and hands each result to done,
// one at a time.
func readAtOnce[T any](n int, stderr io.Writer, read func(i int, out io.Writer) T, done func(T)) {
	var mu sync.Mutex // over stderr and done
	out := &lockedWriter{mu: &mu, w: stderr}
	sem := make(chan struct{}, readersAtOnce)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			r := read(i, out)
			mu.Lock()
			defer mu.Unlock()
			done(r)
		})
	}
	wg.Wait()
}

// lockedWriter writes to w under mu: the lines of readers at work at once
// stay whole.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// readersNews are the readers serve tells of this cycle: those failing for
// longer than --failing, told once, and those of them reading again.
type readersNews struct {
	failing, mended []store.Reader
	failingNow      int // readers failing for longer than --failing, told this cycle or before
}

// readerNews finds the readers whose failing passed span before now, and
// those told failing that read whole again; it says each on stderr and
// marks it told in the store, so that a restart does not tell it again.
// Like a quiet log's, the news is found once; a receiver that did not
// take it has it held for it (servenews.go).
func readerNews(ctx context.Context, st *store.Store, span time.Duration, now time.Time, stderr io.Writer) readersNews {
	var news readersNews
	if span <= 0 || ctx.Err() != nil {
		return news
	}
	rs, err := st.Readers(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "mamori serve: the store's readers:", report.Terminal(err.Error()))
		return news
	}
	for _, r := range rs {
		past := failingPast(r, now, span)
		if past {
			news.failingNow++
		}
		switch {
		case !r.Told && past:
			fmt.Fprintln(stderr, "mamori serve: failing:", failingText(r, now))
			news.failing = append(news.failing, r)
		case r.Told && r.Failing.IsZero():
			fmt.Fprintln(stderr, "mamori serve: reading again:", readerName(r))
			news.mended = append(news.mended, r)
		default:
			continue
		}
		if err := st.MarkTold(ctx, r.Kind, r.Source, !r.Failing.IsZero()); err != nil {
			fmt.Fprintln(stderr, "mamori serve: the store's readers:", report.Terminal(err.Error()))
		}
	}
	return news
}
