// Package azure reads a tenant's posture data from Azure Resource Manager
// and Microsoft Graph into a capture.Capture, keeping every response body
// exactly as the API returned it. It is the only posture code that talks to
// Azure; everything after it works from the capture.
//
// Reads are read-only (the SDK's resource-provider auto-registration, a
// write, is turned off), throttled per API by a client-side rate limiter,
// retried on 429/503 with Retry-After honoured up to a cap, guarded
// against next links that repeat or leave the API's host, and restarted
// once from the first page when a paging token expires.
package azure

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/mamori-sec/mamori/internal/posture/capture"
)

// Default endpoints of the public cloud.
const (
	DefaultARMEndpoint   = "https://management.azure.com"
	DefaultGraphEndpoint = "https://graph.microsoft.com"
)

// Options configures one collection. The zero value reads the signed-in
// identity's tenant and every subscription it can read.
type Options struct {
	// TenantID is the tenant to read (`--tenant`); empty means the
	// credential's home tenant.
	TenantID string
	// Subscriptions limits the per-subscription reads to these IDs; empty
	// means every subscription the identity can read in the tenant.
	Subscriptions []string
	// Regions limits compute usages and quotas to these regions; empty
	// means every physical region the subscription offers.
	Regions []string
	// Credential signs requests; nil means azidentity's
	// DefaultAzureCredential for TenantID (environment, workload identity,
	// managed identity, Azure CLI).
	Credential azcore.TokenCredential
	// ARMEndpoint and GraphEndpoint override the public cloud's endpoints
	// (sovereign clouds, tests). GraphEndpoint has no version suffix.
	ARMEndpoint   string
	GraphEndpoint string
	// LogAnalyticsEndpoint overrides the Log Analytics query API's
	// (fetch's workspaces).
	LogAnalyticsEndpoint string
	// Transport overrides the HTTP client (tests route it to fakes).
	Transport policy.Transporter
	// ARMRate and GraphRate are the client-side request rates (per second)
	// for this tenant; ARMBurst and GraphBurst the bursts. Defaults stay
	// well under ARM's and Graph's documented per-tenant limits.
	ARMRate, GraphRate   float64
	ARMBurst, GraphBurst int
	// MaxRetries is how often a throttled (429/503) or failed (5xx,
	// network) request is retried; default 4.
	MaxRetries int
	// MaxWait caps one wait between tries, however long Retry-After asks
	// for; default 60 s.
	MaxWait time.Duration
	// BaseDelay is the first backoff step when there is no Retry-After;
	// default 1 s, doubled per try, with jitter.
	BaseDelay time.Duration
	// Concurrency is how many datasets are read at once; default 4.
	Concurrency int
	// MaxPages stops a listing that keeps returning new next links; default 10000.
	MaxPages int
	// Progress, when set, is called after each dataset is read, with how
	// many are done of how many are planned (from any goroutine, one call
	// at a time), so a terminal can show that a large tenant is moving.
	Progress func(done, total int)

	// sleep waits between tries; tests replace it to record the waits.
	sleep func(ctx context.Context, d time.Duration) error
	// now stamps the capture; tests replace it.
	now func() time.Time
}

// withDefaults fills the zero fields.
func (o Options) withDefaults() Options {
	if o.ARMEndpoint == "" {
		o.ARMEndpoint = DefaultARMEndpoint
	}
	if o.GraphEndpoint == "" {
		o.GraphEndpoint = DefaultGraphEndpoint
	}
	if o.LogAnalyticsEndpoint == "" {
		o.LogAnalyticsEndpoint = DefaultLogAnalyticsEndpoint
	}
	if o.ARMRate <= 0 {
		o.ARMRate = 10
	}
	if o.ARMBurst <= 0 {
		o.ARMBurst = 20
	}
	if o.GraphRate <= 0 {
		o.GraphRate = 5
	}
	if o.GraphBurst <= 0 {
		o.GraphBurst = 10
	}
	if o.MaxRetries <= 0 {
		o.MaxRetries = 4
	}
	if o.MaxWait <= 0 {
		o.MaxWait = 60 * time.Second
	}
	if o.BaseDelay <= 0 {
		o.BaseDelay = time.Second
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.MaxPages <= 0 {
		o.MaxPages = 10000
	}
	if o.sleep == nil {
		o.sleep = sleepCtx
	}
	if o.now == nil {
		o.now = time.Now
	}
	return o
}

// Collect reads every posture dataset (capture/keys.go) of the tenant and
// its subscriptions. A dataset that could not be read is kept with its
// status (Denied, Absent, Failed, Partial) and reason; Collect itself fails
// only when no credential can be built or ctx ends.
func Collect(ctx context.Context, opts Options) (*capture.Capture, error) {
	return run(ctx, opts, false)
}

// Probe reads only the first page of each kind of dataset, in one
// subscription (each of Options.Subscriptions when given) and one region,
// so `mamori doctor` can tell which reads the granted permissions allow
// without reading the whole tenant. A dataset
// with more pages than the first is marked Partial ("probe: first page
// only"); Denied and Absent mean the same as in Collect.
func Probe(ctx context.Context, opts Options) (*capture.Capture, error) {
	return run(ctx, opts, true)
}

// run builds the collector and reads the tenant.
func run(ctx context.Context, opts Options, probe bool) (*capture.Capture, error) {
	c, err := connect(ctx, opts, probe, "; to judge saved responses use --from DIR")
	if err != nil {
		return nil, err
	}
	if err := c.collect(ctx); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("azure: collection stopped: %w", err)
	}
	return c.out, nil
}

// connect fills opts' defaults and credential, signs in (hint ends the
// advice when that fails) and builds the collector.
func connect(ctx context.Context, opts Options, probe bool, hint string) (*collector, error) {
	opts = opts.withDefaults()
	if opts.Credential == nil {
		cred, err := NewCredential(opts.TenantID)
		if err != nil {
			return nil, err
		}
		opts.Credential = cred
	}
	if err := signIn(ctx, opts, hint); err != nil {
		return nil, err
	}
	return newCollector(opts, probe)
}

// NewCredential is azidentity's DefaultAzureCredential for the tenant
// (environment, workload identity, managed identity, Azure CLI).
func NewCredential(tenant string) (azcore.TokenCredential, error) {
	cred, err := azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{TenantID: tenant})
	if err != nil {
		return nil, fmt.Errorf("azure: no credential: %w", err)
	}
	return cred, nil
}

// signIn gets one ARM token before anything is read: with no working
// credential every dataset would fail the same way, and one clear error
// that says how to sign in serves better than a table of failures; hint
// ends its advice (posture's --from).
func signIn(ctx context.Context, opts Options, hint string) error {
	_, err := opts.Credential.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{strings.TrimSuffix(opts.ARMEndpoint, "/") + "/.default"}})
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("azure: sign-in stopped: %w", ctx.Err())
	}
	// azidentity lists every credential it tried, over many lines; one
	// line, clipped, keeps the cause readable. It names no secret.
	var words []string
	for _, w := range strings.Fields(err.Error()) {
		if strings.Trim(w, "-=") != "" { // the rules azidentity draws between sections
			words = append(words, w)
		}
	}
	msg := strings.Join(words, " ")
	if r := []rune(msg); len(r) > 400 {
		msg = string(r[:400]) + "…"
	}
	return fmt.Errorf("azure: cannot sign in: sign in with `az login`, or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or use a workload or managed identity)%s. Cause: %s", hint, msg)
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// errStopped marks a listing the collector stopped on purpose.
var errStopped = errors.New("stopped")
