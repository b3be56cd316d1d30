package azure

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/posture/capture"
)

// waits records the throttle's sleeps instead of sleeping.
type waits struct {
	mu sync.Mutex
	d  []time.Duration
}

func (w *waits) sleep(ctx context.Context, d time.Duration) error {
	w.mu.Lock()
	w.d = append(w.d, d)
	w.mu.Unlock()
	return ctx.Err()
}

func (w *waits) all() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]time.Duration(nil), w.d...)
}

// onGraph wraps the Graph fixtures: h answers path first and may decline.
func onGraph(f *fakes, path string, h func(w http.ResponseWriter, r *http.Request, call int) bool) {
	base := f.graph
	var calls atomic.Int32
	f.graph = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == path && h(w, r, int(calls.Add(1))) {
			return
		}
		base.ServeHTTP(w, r)
	})
}

// throttled answers HTTP status with an optional Retry-After.
func throttled(w http.ResponseWriter, status int, retryAfter string) {
	if retryAfter != "" {
		w.Header().Set("Retry-After", retryAfter)
	}
	w.WriteHeader(status)
	io.WriteString(w, `{"error":{"code":"TooManyRequests","message":"Too many requests, retry later."}}`)
}

// collectWith runs Collect with recorded waits and real-size caps.
func collectWith(t *testing.T, f *fakes) (*capture.Capture, *waits, *router) {
	t.Helper()
	opts, rt := env(t, f)
	w := &waits{}
	opts.sleep, opts.MaxWait, opts.BaseDelay = w.sleep, time.Minute, time.Second
	c, err := Collect(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return c, w, rt
}

func TestThrottling(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// status and retryAfter are answered to the first fails calls.
		status     int
		retryAfter string
		fails      int
		wantStatus capture.Status
		wantWaits  func(t *testing.T, d []time.Duration)
		wantError  []string
	}{
		{
			name: "429 with Retry-After is honoured", status: 429, retryAfter: "2", fails: 1, wantStatus: capture.OK,
			wantWaits: exactly(2 * time.Second),
		},
		{
			name: "503 with an HTTP-date Retry-After", status: 503, retryAfter: time.Now().Add(10 * time.Second).UTC().Format(http.TimeFormat), fails: 1, wantStatus: capture.OK,
			wantWaits: func(t *testing.T, d []time.Duration) {
				if len(d) != 1 || d[0] < 8*time.Second || d[0] > 10*time.Second {
					t.Errorf("waits %v, want one of about 10s", d)
				}
			},
		},
		{
			name: "429 without Retry-After backs off exponentially with jitter", status: 429, fails: 3, wantStatus: capture.OK,
			wantWaits: func(t *testing.T, d []time.Duration) {
				if len(d) != 3 {
					t.Fatalf("waits %v, want 3", d)
				}
				for i, w := range d {
					lo, hi := time.Second<<i/2, time.Second<<i
					if w < lo || w > hi {
						t.Errorf("wait %d = %s, want within [%s, %s]", i+1, w, lo, hi)
					}
				}
			},
		},
		{
			name: "Retry-After 1200 is capped and the failure says so", status: 429, retryAfter: "1200", fails: 100, wantStatus: capture.Failed,
			wantWaits: exactly(time.Minute, time.Minute, time.Minute, time.Minute),
			wantError: []string{"HTTP 429", "20m0s", "at most 1m0s", "5 tries"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFakes(t)
			onGraph(f, "/v1.0/organization", func(w http.ResponseWriter, r *http.Request, call int) bool {
				if call > tt.fails {
					return false
				}
				throttled(w, tt.status, tt.retryAfter)
				return true
			})
			opts, _ := env(t, f)
			w := &waits{}
			opts.sleep, opts.MaxWait, opts.BaseDelay, opts.MaxRetries = w.sleep, time.Minute, time.Second, 4
			c, err := Collect(context.Background(), opts)
			if err != nil {
				t.Fatal(err)
			}
			ds := c.Datasets[capture.KeyOrganization]
			if ds.Status != tt.wantStatus {
				t.Fatalf("status %s (%s), want %s", ds.Status, ds.Error, tt.wantStatus)
			}
			if tt.wantStatus == capture.OK && (len(ds.Pages) != 1 || ds.HTTPStatus != 200) {
				t.Errorf("%d pages, HTTP %d: the throttled answers must not be kept", len(ds.Pages), ds.HTTPStatus)
			}
			tt.wantWaits(t, w.all())
			for _, s := range tt.wantError {
				if !strings.Contains(ds.Error, s) {
					t.Errorf("error %q lacks %q", ds.Error, s)
				}
			}
		})
	}
}

func exactly(want ...time.Duration) func(t *testing.T, d []time.Duration) {
	return func(t *testing.T, d []time.Duration) {
		t.Helper()
		if fmt.Sprint(d) != fmt.Sprint(want) {
			t.Errorf("waits %v, want %v", d, want)
		}
	}
}

func TestARMThrottlingThroughTheSDKPager(t *testing.T) {
	t.Parallel()
	f := newFakes(t)
	var calls atomic.Int32
	f.intercept = func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.HasSuffix(r.URL.Path, "/locations/eastus/usages") || calls.Add(1) > 1 {
			return false
		}
		w.Header().Set("x-ms-ratelimit-remaining-subscription-reads", "0")
		throttled(w, 429, "17")
		return true
	}
	c, w, _ := collectWith(t, f)
	ds := c.Datasets[capture.Key(capture.KeyComputeUsages, testSub, "eastus")]
	if ds.Status != capture.OK || len(ds.Pages) != 1 {
		t.Errorf("eastus usages: %s, %d pages (%s)", ds.Status, len(ds.Pages), ds.Error)
	}
	exactly(17*time.Second)(t, w.all())
}

func TestRepeatingNextLinkStops(t *testing.T) {
	t.Parallel()
	f := newFakes(t)
	var calls atomic.Int32
	onGraph(f, "/v1.0/users", func(w http.ResponseWriter, r *http.Request, call int) bool {
		calls.Add(1)
		// Every page, the first included, points at the same next page.
		fmt.Fprintf(w, `{"@odata.nextLink":"https://%s/v1.0/users?$skiptoken=A","value":[{"id":"u%d"}]}`, r.Host, call)
		return true
	})
	c, _, _ := collectWith(t, f)
	ds := c.Datasets[capture.KeyUsers]
	if ds.Status != capture.Partial || len(ds.Pages) != 2 || !strings.Contains(ds.Error, "next link that was already read") {
		t.Errorf("users: %s, %d pages, %q; want partial after 2 pages with the loop named", ds.Status, len(ds.Pages), ds.Error)
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("the server was called %d times, want 2", n)
	}
}

func TestRepeatingNextLinkStopsAnARMRawListing(t *testing.T) {
	t.Parallel()
	f := newFakes(t)
	f.intercept = func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.HasSuffix(r.URL.Path, "/workspaces") {
			return false
		}
		io.WriteString(w, `{"value":[],"nextLink":"https://management.azure.com/subscriptions/`+testSub+`/providers/Microsoft.OperationalInsights/workspaces?api-version=2023-09-01&$skiptoken=same"}`)
		return true
	}
	c, _, _ := collectWith(t, f)
	ds := c.Datasets[capture.Key(capture.KeyWorkspaces, testSub)]
	if ds.Status != capture.Partial || len(ds.Pages) != 2 {
		t.Errorf("workspaces: %s, %d pages, %q", ds.Status, len(ds.Pages), ds.Error)
	}
}

func TestExpiredPagingTokenRestartsOnce(t *testing.T) {
	t.Parallel()
	for _, expiries := range []int{1, 2} {
		t.Run(fmt.Sprintf("%d expiries", expiries), func(t *testing.T) {
			t.Parallel()
			f := newFakes(t)
			var seconds atomic.Int32
			var requests atomic.Int32
			onGraph(f, "/v1.0/users", func(w http.ResponseWriter, r *http.Request, call int) bool {
				requests.Add(1)
				if r.URL.Query().Get("$skiptoken") == "" || int(seconds.Add(1)) > expiries {
					return false
				}
				w.WriteHeader(400)
				io.WriteString(w, `{"error":{"code":"Directory_ExpiredPageToken","message":"The specified page token value has expired and can no longer be included in your request."}}`)
				return true
			})
			c, _, rt := collectWith(t, f)
			ds := c.Datasets[capture.KeyUsers]
			if expiries == 1 {
				base := "https://" + rt.graphHost
				if ds.Status != capture.OK || len(ds.Pages) != 2 || string(ds.Pages[0]) != string(graphFile(t, "users-1.json", base)) {
					t.Errorf("users: %s, %d pages, %q; want the restarted listing's 2 pages only", ds.Status, len(ds.Pages), ds.Error)
				}
				if n := requests.Load(); n != 4 {
					t.Errorf("%d requests, want 4 (page 1, expired page 2, page 1, page 2)", n)
				}
				return
			}
			if ds.Status != capture.Partial || len(ds.Pages) != 1 || !strings.Contains(ds.Error, "Directory_ExpiredPageToken") || !strings.Contains(ds.Error, "restart") {
				t.Errorf("users: %s, %d pages, %q; want partial after one restart", ds.Status, len(ds.Pages), ds.Error)
			}
		})
	}
}

func TestCancellationEndsAWait(t *testing.T) {
	t.Parallel()
	f := newFakes(t)
	onGraph(f, "/v1.0/organization", func(w http.ResponseWriter, r *http.Request, call int) bool {
		throttled(w, 429, "30")
		return true
	})
	// The SDK's fake servers can panic when a request's context ends while
	// they answer (they close their result channel early), so ARM gets
	// plain empty lists here; the wait under test is Graph's.
	f.intercept = func(w http.ResponseWriter, r *http.Request) bool {
		io.WriteString(w, `{"value":[]}`)
		return true
	}
	opts, _ := env(t, f)
	opts.MaxWait = time.Minute // real sleeps: only cancellation can end them early
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Collect(ctx, opts)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the context's deadline", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Collect took %s after its context ended", d)
	}
}

func TestNextLinkToAnotherHostIsNotFollowed(t *testing.T) {
	t.Parallel()
	f := newFakes(t)
	onGraph(f, "/v1.0/users", func(w http.ResponseWriter, r *http.Request, call int) bool {
		io.WriteString(w, `{"@odata.nextLink":"https://collector.example.net/v1.0/users?$skiptoken=A","value":[]}`)
		return true
	})
	c, _, rt := collectWith(t, f)
	ds := c.Datasets[capture.KeyUsers]
	if ds.Status != capture.Partial || !strings.Contains(ds.Error, "collector.example.net") {
		t.Errorf("users: %s %q; want partial naming the refused host", ds.Status, ds.Error)
	}
	for _, s := range rt.responses() {
		if strings.Contains(s.url, "collector.example.net") {
			t.Errorf("a request went to %s", s.url)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		header http.Header
		want   time.Duration
		ok     bool
	}{
		{"seconds", http.Header{"Retry-After": {"7"}}, 7 * time.Second, true},
		{"date", http.Header{"Retry-After": {now.Add(90 * time.Second).Format(http.TimeFormat)}}, 90 * time.Second, true},
		{"date in the past", http.Header{"Retry-After": {now.Add(-time.Hour).Format(http.TimeFormat)}}, 0, true},
		{"milliseconds win", http.Header{"Retry-After": {"7"}, "Retry-After-Ms": {"1500"}}, 1500 * time.Millisecond, true},
		{"x-ms milliseconds", http.Header{"X-Ms-Retry-After-Ms": {"250"}}, 250 * time.Millisecond, true},
		{"absurd value is bounded", http.Header{"Retry-After": {"99999999999999"}}, 24 * time.Hour, true},
		{"garbage", http.Header{"Retry-After": {"soon"}}, 0, false},
		{"negative", http.Header{"Retry-After": {"-5"}}, 0, false},
		{"none", http.Header{}, 0, false},
	}
	for _, tt := range tests {
		got, ok := retryAfter(tt.header, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s: retryAfter = %s, %v; want %s, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

func TestExpiredARMTokenRestartsTheSDKPager(t *testing.T) {
	t.Parallel()
	f := newFakes(t)
	var requests, expired atomic.Int32
	f.intercept = func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.HasSuffix(r.URL.Path, "/locations/eastus/usages") {
			return false
		}
		requests.Add(1)
		if r.URL.Query().Get("$skiptoken") == "" {
			fmt.Fprintf(w, `{"value":[{"unit":"Count","currentValue":1,"limit":10,"name":{"value":"cores","localizedValue":"Total Regional vCPUs"}}],"nextLink":"https://%s%s?api-version=2024-11-01&$skiptoken=p2"}`, r.Host, r.URL.Path)
			return true
		}
		if expired.Add(1) == 1 {
			w.WriteHeader(410)
			io.WriteString(w, `{"error":{"code":"ExpiredSkipToken","message":"The skip token has expired. Restart the listing."}}`)
			return true
		}
		io.WriteString(w, `{"value":[{"unit":"Count","currentValue":0,"limit":24,"name":{"value":"standardNCFamily","localizedValue":"Standard NC Family vCPUs"}}]}`)
		return true
	}
	c, _, _ := collectWith(t, f)
	ds := c.Datasets[capture.Key(capture.KeyComputeUsages, testSub, "eastus")]
	if ds.Status != capture.OK || len(ds.Pages) != 2 || strings.Contains(string(ds.Pages[0]), "expired") {
		t.Errorf("eastus usages: %s, %d pages, %q; want the restarted listing's 2 pages", ds.Status, len(ds.Pages), ds.Error)
	}
	if n := requests.Load(); n != 4 {
		t.Errorf("%d requests, want 4", n)
	}
}
