package azure

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"golang.org/x/time/rate"
)

// throttle is the retry policy shared by ARM and Graph (the SDK's own is
// turned off): one rate limiter per API for the tenant being read, retries
// of 429/503 honouring Retry-After up to a cap, and exponential backoff
// with jitter for other transient failures. Its waits end with ctx.
type throttle struct {
	api        string
	limiter    *rate.Limiter
	maxRetries int
	maxWait    time.Duration
	base       time.Duration
	sleep      func(ctx context.Context, d time.Duration) error
}

// newThrottle builds the policy for one API.
func newThrottle(api string, perSecond float64, burst int, o Options) *throttle {
	return &throttle{
		api:        api,
		limiter:    rate.NewLimiter(rate.Limit(perSecond), burst),
		maxRetries: o.MaxRetries,
		maxWait:    o.MaxWait,
		base:       o.BaseDelay,
		sleep:      o.sleep,
	}
}

// Do implements policy.Policy.
func (t *throttle) Do(req *policy.Request) (*http.Response, error) {
	ctx := req.Raw().Context()
	var longestAsk, longestWait time.Duration
	for try := 0; ; try++ {
		if err := t.limiter.Wait(ctx); err != nil {
			return nil, err
		}
		resp, err := req.Clone(ctx).Next()
		if err != nil {
			if ctx.Err() != nil || !transientError(err) || try >= t.maxRetries {
				return nil, err
			}
			if err := t.sleep(ctx, t.backoff(try)); err != nil {
				return nil, err
			}
			continue
		}
		if !retryableStatus(resp.StatusCode) {
			return resp, nil
		}
		asked, hasAsk := retryAfter(resp.Header, time.Now())
		wait := t.backoff(try)
		if hasAsk {
			wait = min(asked, t.maxWait)
			longestAsk = max(longestAsk, asked)
		}
		longestWait = max(longestWait, wait)
		if try >= t.maxRetries {
			// Give up; leave the reason where the dataset will report it.
			if r := readingOf(ctx); r != nil {
				r.throttled = t.giveUpNote(resp.StatusCode, try+1, longestAsk, longestWait)
			}
			return resp, nil
		}
		runtime.Drain(resp)
		if err := t.sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// giveUpNote says what happened when retries ran out, so a Failed
// dataset's error explains a capped Retry-After instead of a bare 429.
func (t *throttle) giveUpNote(status, tries int, asked, waited time.Duration) string {
	s := fmt.Sprintf("%s answered HTTP %d to all %d tries", t.api, status, tries)
	if asked > t.maxWait {
		s += fmt.Sprintf("; it asked to wait %s (Retry-After), mamori waits at most %s per try (the cap)", asked, t.maxWait)
	} else if asked > 0 {
		s += fmt.Sprintf("; it asked to wait up to %s (Retry-After)", asked)
	} else {
		s += fmt.Sprintf("; backed off up to %s between tries", waited)
	}
	return s + "; try again later or lower the request rate"
}

// backoff is the wait before retry try+1 without Retry-After: the base
// doubled per try, capped, with half of it random so that parallel readers
// do not retry in step.
func (t *throttle) backoff(try int) time.Duration {
	d := t.base << min(try, 20)
	if d <= 0 || d > t.maxWait {
		d = t.maxWait
	}
	half := d / 2
	return half + rand.N(half+1)
}

// retryableStatus: throttling, and the gateway errors ARM and Graph
// document as transient.
func retryableStatus(code int) bool {
	switch code {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable,
		http.StatusInternalServerError, http.StatusBadGateway, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// transientError reports whether a transport error is worth retrying: a
// network failure is, an ended context is not.
func transientError(err error) bool {
	// Transports mark errors a retry cannot fix (azcore's NonRetriable).
	var final interface{ NonRetriable() }
	return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) && !errors.As(err, &final)
}

// retryAfter reads the wait a response asks for: Retry-After in seconds or
// as an HTTP date, or the millisecond headers ARM and Graph also send.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	for _, name := range []string{"Retry-After-Ms", "X-Ms-Retry-After-Ms"} {
		if v := h.Get(name); v != "" {
			if ms, err := strconv.ParseInt(v, 10, 64); err == nil && ms >= 0 {
				return time.Duration(min(ms, int64(24*time.Hour/time.Millisecond))) * time.Millisecond, true
			}
		}
	}
	v := h.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil && s >= 0 {
		return time.Duration(min(s, int64(24*time.Hour/time.Second))) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}
