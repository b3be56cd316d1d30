package azure

import (
	"context"
	"fmt"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

// runtimePager shortens the SDK's pager type in the task tables.
type runtimePager[T any] = runtime.Pager[T]

// collect reads the tenant: the subscription list first (everything
// per-subscription depends on it), then Graph, the tenant-wide ARM reads
// and each subscription's reads, opts.Concurrency at a time.
func (c *collector) collect(ctx context.Context) error {
	subs, err := c.subscriptionIDs(ctx)
	if err != nil {
		return fmt.Errorf("azure: %s", c.tokens.redact(err.Error()))
	}
	// A probe reads one subscription unless told which: permissions can
	// differ from one to the next, and a user who names several wants
	// each judged.
	if c.probe && len(subs) > 1 && len(c.opts.Subscriptions) == 0 {
		subs = subs[:1]
	}
	tasks := c.graphTasks()
	tenant, err := c.tenantTasks()
	if err != nil {
		return fmt.Errorf("azure: %w", err)
	}
	tasks = append(tasks, tenant...)
	for _, sub := range subs {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		more, err := c.subscriptionTasks(ctx, sub)
		if err != nil {
			return fmt.Errorf("azure: subscription %s: %w", sub, err)
		}
		tasks = append(tasks, more...)
	}
	c.runAll(ctx, tasks)
	return nil
}

// runAll runs tasks on opts.Concurrency workers; the rate limiters, not
// the worker count, keep the request rate within the APIs' limits.
func (c *collector) runAll(ctx context.Context, tasks []func(context.Context)) {
	work := make(chan func(context.Context))
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for range min(c.opts.Concurrency, max(len(tasks), 1)) {
		wg.Go(func() {
			for t := range work {
				t(ctx)
				if c.opts.Progress != nil {
					mu.Lock()
					done++
					c.opts.Progress(done, len(tasks))
					mu.Unlock()
				}
			}
		})
	}
	for _, t := range tasks {
		if ctx.Err() != nil {
			break
		}
		work <- t
	}
	close(work)
	wg.Wait()
}
