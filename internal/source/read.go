// Package source reads log files and streams in every envelope defenders
// have them in (JSON documents, JSON lines, {"records":[…]} and
// {"value":[…]} envelopes, arrays, Log Analytics CSV exports, auditd and
// Sysmon text, gzip or not), recognises each record's family from its
// content, and decodes it once into an event.Event. Bad input is reported
// with file, line and reason and counted; it never stops the rest.
package source

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/mamori-sec/mamori/internal/event"
)

// Options tune a read.
type Options struct {
	Limits  Limits
	Workers int               // parsing goroutines; default GOMAXPROCS
	OnError func(*ParseError) // every record not read, from any goroutine
	// Progress, when set, is updated as the read goes on.
	Progress *Progress
	// Wants, when set, lets decoders read only briefly (event.Brief) the
	// records nothing in the hunt can use.
	Wants event.Wants
	// KeyLevels, when set, gives each worker the levels at which its
	// handler samples the records' keys (event.KeyLevels): a brief event
	// whose key would hold its time gets none past them. The handler
	// changes them on the worker's own goroutine.
	KeyLevels func(worker int) *event.KeyLevels
	// KeyHash, when set, gives each worker the KeyHash its readers make
	// keys with (nil: the hunt's own keys).
	KeyHash func(worker int) *event.KeyHash
}

// Progress counts what has been read so far, for a progress line.
type Progress struct {
	Bytes     atomic.Int64
	Events    atomic.Int64
	FilesDone atomic.Int64
	Files     int64
}

// Read reads every input and calls h for each event, from Workers
// goroutines at once. It returns per-input statistics in input order.
// Files are read several at a time; a large JSON lines file is cut into
// chunks that all workers share, so one big file uses every core.
func Read(ctx context.Context, inputs []Input, opt Options, h Handler) []*FileStats {
	if opt.Limits.MaxRecord <= 0 {
		opt.Limits = DefaultLimits()
	}
	n := opt.Workers
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	stats := make([]*FileStats, len(inputs))
	for i, in := range inputs {
		stats[i] = newFileStats(in.Name)
	}
	if opt.Progress != nil {
		opt.Progress.Files = int64(len(inputs))
	}
	ch := make(chan *batch, 2*n)
	go func() {
		defer close(ch)
		sem := make(chan struct{}, n)
		var wg sync.WaitGroup
		for i, in := range inputs {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				wg.Wait()
				return
			}
			wg.Go(func() {
				defer func() { <-sem }()
				fr := &fileReader{ctx: ctx, in: in, fs: stats[i], lim: opt.Limits, out: ch, onErr: opt.OnError, pulls: n}
				fr.run()
				if opt.Progress != nil {
					opt.Progress.FilesDone.Add(1)
				}
			})
		}
		wg.Wait()
	}()
	var wg sync.WaitGroup
	for i := range n {
		w := &worker{id: i, t: newTally(), h: h, onErr: opt.OnError, prog: opt.Progress}
		w.sc.Wants = opt.Wants
		if opt.KeyLevels != nil {
			w.sc.Keys = opt.KeyLevels(i)
		}
		if opt.KeyHash != nil {
			w.sc.KeyHash = opt.KeyHash(i)
		}
		wg.Go(func() {
			for b := range ch {
				if ctx.Err() != nil {
					b.done()
					continue // drain so the readers can finish
				}
				w.do(b)
			}
		})
	}
	wg.Wait()
	return stats
}
