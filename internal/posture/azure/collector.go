package azure

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/mamori-sec/mamori/internal/posture/capture"
)

// moduleName and moduleVersion identify mamori in the User-Agent.
const (
	moduleName    = "mamori"
	moduleVersion = "v0.0.0"
)

// collector holds one run's clients and the capture being filled.
type collector struct {
	opts    Options
	probe   bool
	armOpts *arm.ClientOptions
	armRaw  *arm.Client // raw GETs for operations no SDK client offers
	graph   runtime.Pipeline
	graphV1 string
	la      runtime.Pipeline // a workspace's query API (fetch's workspaces)
	laBase  string

	tokens *tokenMemory

	mu  sync.Mutex
	out *capture.Capture
}

// newCollector builds the ARM client options and the Graph and Log
// Analytics pipelines, each with the capture policy outermost and its
// API's throttle below it.
func newCollector(o Options, probe bool) (*collector, error) {
	tokens := &tokenMemory{TokenCredential: o.Credential}
	o.Credential = tokens
	armHost, err := hostOf(o.ARMEndpoint)
	if err != nil {
		return nil, err
	}
	armOpts := &arm.ClientOptions{
		ClientOptions: policy.ClientOptions{
			Cloud: cloud.Configuration{
				ActiveDirectoryAuthorityHost: cloud.AzurePublic.ActiveDirectoryAuthorityHost,
				Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
					cloud.ResourceManager: {Endpoint: o.ARMEndpoint, Audience: "https://management.core.windows.net/"},
				},
			},
			Transport:       o.Transport,
			PerCallPolicies: []policy.Policy{capturePolicy{host: armHost}, newThrottle("Azure Resource Manager", o.ARMRate, o.ARMBurst, o)},
			// Our throttle retries; the SDK's own retry would multiply tries.
			Retry: policy.RetryOptions{MaxRetries: -1},
		},
		// Registering a resource provider is a write; posture only reads.
		DisableRPRegistration: true,
	}
	armRaw, err := arm.NewClient(moduleName+".posture", moduleVersion, o.Credential, armOpts)
	if err != nil {
		return nil, fmt.Errorf("azure: %w", err)
	}
	graph, err := rawPipeline(o, "Microsoft Graph", o.GraphEndpoint)
	if err != nil {
		return nil, err
	}
	la, err := rawPipeline(o, "Log Analytics", o.LogAnalyticsEndpoint)
	if err != nil {
		return nil, err
	}
	return &collector{
		opts: o, probe: probe, armOpts: armOpts, armRaw: armRaw, tokens: tokens,
		graph: graph, graphV1: strings.TrimRight(o.GraphEndpoint, "/") + "/v1.0",
		la: la, laBase: strings.TrimRight(o.LogAnalyticsEndpoint, "/"),
		out: &capture.Capture{TenantID: o.TenantID, Collected: o.now().UTC(), Datasets: map[string]*capture.Dataset{}},
	}, nil
}

// rawPipeline is a pipeline to an API no SDK client of ours offers
// (Graph, a workspace's query API), signed in for endpoint, with the
// capture policy outermost (it holds requests to endpoint's host) and the
// API's throttle below it, at Graph's rates.
func rawPipeline(o Options, api, endpoint string) (runtime.Pipeline, error) {
	host, err := hostOf(endpoint)
	if err != nil {
		return runtime.Pipeline{}, err
	}
	return runtime.NewPipeline(moduleName+".posture", moduleVersion, runtime.PipelineOptions{
		PerRetry: []policy.Policy{runtime.NewBearerTokenPolicy(o.Credential, []string{strings.TrimRight(endpoint, "/") + "/.default"}, nil)},
	}, &policy.ClientOptions{
		Transport:       o.Transport,
		PerCallPolicies: []policy.Policy{capturePolicy{host: host}, newThrottle(api, o.GraphRate, o.GraphBurst, o)},
		Retry:           policy.RetryOptions{MaxRetries: -1},
	}), nil
}

// lister reads one dataset from its first page to its last; the pages
// themselves reach the dataset through the capture policy.
type lister func(ctx context.Context) error

// read runs one dataset and stores it. pattern is the key's pattern (for
// the permission table), values its placeholders. A paging token that
// expires mid-listing restarts the listing once, dropping the failed
// window's pages.
func (c *collector) read(ctx context.Context, pattern string, list lister, values ...string) {
	ds := &capture.Dataset{Key: capture.Key(pattern, values...)}
	r := &reading{}
	restarted := false
	for {
		r.reset()
		err := list(withReading(ctx, r))
		if err == nil || errors.Is(err, errStopped) {
			ds.Status = capture.OK
			if r.more {
				ds.Status, ds.Error = capture.Partial, capture.ProbeFirstPage
			}
			break
		}
		if !restarted && len(r.pages) > 0 && expiredToken(r) && ctx.Err() == nil {
			restarted = true
			continue
		}
		c.classify(ds, pattern, r, err)
		if restarted {
			ds.Error += " (after one restart of the listing for an expired paging token)"
		}
		break
	}
	ds.URL, ds.HTTPStatus, ds.Pages = r.firstURL, r.status, r.pages
	c.mu.Lock()
	c.out.Add(ds)
	c.mu.Unlock()
}

// expiredToken recognises the answer to a next link whose paging token
// has expired: Graph's Directory_ExpiredPageToken (400) and similar 400/410
// answers from ARM.
func expiredToken(r *reading) bool {
	if r.status != 400 && r.status != 410 {
		return false
	}
	text := strings.ToLower(r.code + " " + r.message)
	return strings.Contains(text, "expiredpagetoken") ||
		(strings.Contains(text, "token") && (strings.Contains(text, "expired") || strings.Contains(text, "invalid")))
}

// classify sets the status and reason of a dataset whose listing failed.
func (c *collector) classify(ds *capture.Dataset, pattern string, r *reading, err error) {
	reason := r.describe(err)
	switch {
	case errors.Is(err, errRepeatedLink):
		ds.Status = partialOr(r.read(), capture.Failed)
	case unreadableCodes[r.code] != "":
		ds.Status = capture.Failed
		reason = unreadableCodes[r.code] + ": " + reason
	case absentCodes[r.code] != "":
		ds.Status = capture.Absent
		reason = absentCodes[r.code] + ": " + reason
	case r.status == 401 || r.status == 403:
		ds.Status, ds.Permission = capture.Denied, capture.Permission(pattern)
	case r.status == 404:
		ds.Status = capture.Absent
	default:
		ds.Status = partialOr(r.read(), capture.Failed)
	}
	ds.Error = c.tokens.redact(reason)
}

// partialOr is Partial when some pages were read (pages), else
// otherwise.
func partialOr(pages int, otherwise capture.Status) capture.Status {
	if pages > 0 {
		return capture.Partial
	}
	return otherwise
}

// describe renders why a read failed from what the API answered, never
// from the SDK's error text (which quotes whole URLs and bodies).
func (r *reading) describe(err error) string {
	var parts []string
	if r.status >= 400 {
		s := fmt.Sprintf("HTTP %d", r.status)
		if r.code != "" {
			s += " " + clip(r.code, 100)
		}
		if r.message != "" {
			s += ": " + clip(r.message, 300)
		}
		parts = append(parts, s)
	}
	if r.throttled != "" {
		parts = append(parts, r.throttled)
	}
	var respErr *azcore.ResponseError
	if r.status < 400 || !errors.As(err, &respErr) {
		parts = append(parts, safeError(err))
	}
	if n := r.read(); n > 0 {
		parts = append(parts, fmt.Sprintf("after %d page(s)", n))
	}
	return strings.Join(parts, "; ")
}

// safeError renders an error that did not come from an HTTP answer
// (network, decoding, our own guards) without any URL query it may quote.
func safeError(err error) string {
	s := err.Error()
	// url.Error and the SDK quote the request URL; drop queries (paging
	// tokens) from anything URL-shaped.
	fields := strings.Fields(s)
	for i, f := range fields {
		if j := strings.IndexByte(f, '?'); j > 0 && strings.Contains(f[:j], "://") {
			fields[i] = f[:j]
		}
	}
	return clip(strings.Join(fields, " "), 400)
}

// clip shortens server-supplied text and drops control characters, which
// could rewrite a terminal when the error is printed.
func clip(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	if r := []rune(s); len(r) > n {
		s = string(r[:n]) + "…"
	}
	return s
}
