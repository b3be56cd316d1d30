package azure

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

// pages drains an SDK pager made fresh by newPager (a restart needs a new
// one). The SDK follows the next links; the capture policy keeps the bytes.
func pages[T any](c *collector, newPager func() *runtime.Pager[T]) lister {
	return func(ctx context.Context) error {
		p := newPager()
		for n := 0; p.More(); n++ {
			if err := c.mayRead(ctx, n); err != nil {
				return err
			}
			if _, err := p.NextPage(ctx); err != nil {
				return err
			}
		}
		return nil
	}
}

// mayRead says whether a listing may go on to page n (from 0): a probe
// stops after the first page, marking the dataset as having more, and no
// listing reads more than MaxPages.
func (c *collector) mayRead(ctx context.Context, n int) error {
	if n > 0 && c.probe {
		readingOf(ctx).more = true
		return errStopped
	}
	if n >= c.opts.MaxPages {
		return fmt.Errorf("stopped after %d pages: the listing kept returning next links", n)
	}
	return nil
}

// single wraps one SDK GET (no paging).
func single[T any](get func(ctx context.Context) (T, error)) lister {
	return func(ctx context.Context) error {
		_, err := get(ctx)
		return err
	}
}

// rawList reads a listing with the pipeline directly, for operations no SDK
// client offers (Graph, some tenant-level ARM reads), following the next
// link named nextField ("@odata.nextLink" for Graph, "nextLink" for ARM).
func (c *collector) rawList(pl runtime.Pipeline, first, nextField string) lister {
	return func(ctx context.Context) error {
		next := first
		for n := 0; next != ""; n++ {
			if err := c.mayRead(ctx, n); err != nil {
				return err
			}
			req, err := runtime.NewRequest(ctx, http.MethodGet, next)
			if err != nil {
				return err
			}
			req.Raw().Header.Set("Accept", "application/json")
			resp, err := pl.Do(req)
			if err != nil {
				return err
			}
			if !runtime.HasStatusCode(resp, http.StatusOK) {
				return runtime.NewResponseError(resp)
			}
			body, err := runtime.Payload(resp)
			if err != nil {
				return err
			}
			var page map[string]json.RawMessage
			if err := json.Unmarshal(body, &page); err != nil {
				return fmt.Errorf("page %d is not a JSON object: %w", n+1, err)
			}
			next = ""
			if raw, ok := page[nextField]; ok && string(raw) != "null" {
				if err := json.Unmarshal(raw, &next); err != nil {
					return fmt.Errorf("page %d: %s is not a string", n+1, nextField)
				}
			}
		}
		return nil
	}
}
