package azure

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

// maxBody caps one response body; no posture page comes near it, and a
// larger one means something other than the API answered.
const maxBody = 128 << 20

// reading is the state of one dataset being read. It travels in the
// request context so that the capture policy, below the SDK's pagers, can
// store each page's exact bytes in the dataset the pager belongs to.
type reading struct {
	pages     [][]byte
	seen      map[string]bool
	firstURL  string
	status    int    // last response's status code
	code      string // last error response's error code
	message   string // last error response's message
	throttled string // what the throttle policy did on the last call
	more      bool   // probe stopped with pages left
	// sink, when set, takes each page instead of pages (a log's pages,
	// too many to hold: logs.go); streamed counts them.
	sink     func(body []byte) error
	streamed int
}

// read is how many pages the listing got, kept or streamed.
func (r *reading) read() int { return len(r.pages) + r.streamed }

// reset forgets the pages of a failed window before a listing restarts.
func (r *reading) reset() {
	r.pages, r.seen, r.streamed = nil, map[string]bool{}, 0
	r.status, r.code, r.message, r.throttled, r.more = 0, "", "", "", false
}

type readingKey struct{}

// withReading puts r in ctx for the capture policy.
func withReading(ctx context.Context, r *reading) context.Context {
	return context.WithValue(ctx, readingKey{}, r)
}

// readingOf returns the dataset state carried by ctx, or nil.
func readingOf(ctx context.Context) *reading {
	r, _ := ctx.Value(readingKey{}).(*reading)
	return r
}

// errRepeatedLink stops a listing whose next link points at a page already
// read: following it would loop for ever.
var errRepeatedLink = errors.New("the API returned a next link that was already read; paging stopped to avoid a loop")

// capturePolicy sits above the retries, so it sees each call's final
// response once. It keeps the body byte for byte in the dataset being read
// and hands the SDK a body it can still decode.
type capturePolicy struct {
	host string // the only host the API's requests may go to
}

// Do implements policy.Policy.
func (p capturePolicy) Do(req *policy.Request) (*http.Response, error) {
	raw := req.Raw()
	// A next link is server-supplied; never send our bearer token to
	// another host because a page said so.
	if !strings.EqualFold(raw.URL.Host, p.host) {
		return nil, fmt.Errorf("refusing a request to host %q: only %q is expected", raw.URL.Host, p.host)
	}
	r := readingOf(raw.Context())
	if r == nil {
		return req.Next()
	}
	u := raw.URL.String()
	if r.seen[u] {
		return nil, errRepeatedLink
	}
	r.seen[u] = true
	if r.firstURL == "" {
		r.firstURL = cleanURL(raw.URL)
	}
	resp, err := req.Next()
	if err != nil {
		// Some transports (the SDK's fakes) report an HTTP error as an error.
		var re *azcore.ResponseError
		if errors.As(err, &re) {
			r.status, r.code, r.message = re.StatusCode, re.ErrorCode, ""
		}
		return resp, err
	}
	body, err := runtime.Payload(resp)
	if err != nil {
		return nil, fmt.Errorf("reading the response body: %w", err)
	}
	if len(body) > maxBody {
		return nil, fmt.Errorf("response body of %d bytes is larger than %d", len(body), maxBody)
	}
	r.status = resp.StatusCode
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		// Copy: the payload buffer belongs to the response.
		page := append([]byte(nil), body...)
		if r.sink != nil {
			if err := r.sink(page); err != nil {
				return nil, err
			}
			r.streamed++
		} else {
			r.pages = append(r.pages, page)
		}
		r.code, r.message = "", ""
	} else {
		r.code, r.message = errorDetail(body)
		if r.code == "" {
			// ARM also names the error in a header, sometimes with no body.
			r.code = resp.Header.Get("x-ms-error-code")
		}
	}
	return resp, nil
}

// errorDetail extracts the code and message of an ARM or Graph error body:
// both use {"error":{"code":..., "message":...}}.
func errorDetail(body []byte) (code, message string) {
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil {
		return "", ""
	}
	return e.Error.Code, e.Error.Message
}

// keptQuery are the query parameters a dataset's URL keeps: they say what
// was asked. Everything else (skip tokens, signatures) is dropped.
var keptQuery = map[string]bool{"api-version": true, "$select": true, "$filter": true, "$top": true, "$expand": true, "statusOnly": true}

// cleanURL renders u without user info, fragment or query parameters that
// could carry a secret.
func cleanURL(u *url.URL) string {
	c := *u
	c.User, c.Fragment = nil, ""
	q := url.Values{}
	for k, v := range u.Query() {
		if keptQuery[k] {
			q[k] = v
		}
	}
	c.RawQuery = q.Encode()
	return c.String()
}

// hostOf returns the host of an endpoint URL.
func hostOf(endpoint string) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("azure: endpoint %q is not an absolute URL", endpoint)
	}
	return u.Host, nil
}
