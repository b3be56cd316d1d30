package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/mamori-sec/mamori/internal/metrics"
	"github.com/mamori-sec/mamori/internal/serve"
)

// listen serves the service's /healthz and /metrics on addr, and its
// dashboard at / when dash is not nil, and says where on stderr (":0"
// picks a port). stop closes it.
func listen(addr string, m *metrics.Service, dash http.Handler, stderr io.Writer) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	h := m.Handler()
	if dash != nil {
		mux := http.NewServeMux()
		mux.Handle("GET /{$}", dash)
		mux.Handle("/", h)
		h = mux
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(stderr, "mamori serve: --listen:", err)
		}
	}()
	fmt.Fprintf(stderr, "mamori serve: health on http://%s/healthz, metrics on http://%s/metrics\n", ln.Addr(), ln.Addr())
	if dash != nil {
		fmt.Fprintf(stderr, "mamori serve: the dashboard on http://%s/\n", ln.Addr())
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}, nil
}

// countCycle counts a cycle that ended in the service's metrics (none
// without --listen).
func countCycle(m *metrics.Service, res *serve.Result, err error, start time.Time, told notified) {
	if m == nil {
		return
	}
	c := metrics.Cycle{End: time.Now(), Err: err}
	c.Took = c.End.Sub(start)
	if res != nil {
		c.Records, c.Skipped = readCounts(res)
		for _, a := range res.Fresh {
			if a.Suppressed == nil {
				c.Alerts = append(c.Alerts, a.Severity)
			}
		}
		c.Revised, c.Quiet, c.Held, c.Unsized = len(res.Revised), len(res.Health.Quiet), res.Health.NotifyHeld, res.Health.Unsized.Unsized
		c.Waiting, c.News = res.Health.NotifyWaiting, res.Health.NewsHeld
		if told.counted {
			c.Held, c.Waiting, c.News = told.held, told.waiting, told.news // the store's counts were read before the posts
		}
	}
	m.Cycle(c)
	for i := range told.posts {
		m.Notified(i < told.ok)
	}
}

// readCounts is how many records a cycle read, and how many it could not.
func readCounts(res *serve.Result) (records, skipped int64) {
	for _, fs := range res.Files {
		records += fs.Records
		skipped += fs.Skipped
	}
	return records, skipped
}
