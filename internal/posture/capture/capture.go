// Package capture keeps the Azure API responses a posture run read, exactly
// as the APIs returned them (every page), and saves and loads them in the
// folder layout docs/posture.md documents. It is the boundary between the
// collector, which talks to Azure, and the snapshot the checks read: a run
// over live APIs and a run over a saved folder build the snapshot from the
// same bytes, which is why `--save` then `--from` gives the same findings.
package capture

import "time"

// Status says how reading one dataset ended.
type Status string

// The dataset statuses.
const (
	OK      Status = "ok"      // every page was read
	Denied  Status = "denied"  // 401/403: the identity lacks Permission
	Absent  Status = "absent"  // 404 or not applicable (e.g. no Entra ID P1 for conditional access)
	Failed  Status = "failed"  // any other error, after retries
	Partial Status = "partial" // some pages were read, then an error stopped paging
)

// ProbeFirstPage is the Error of a Partial dataset that a probe (mamori
// doctor) stopped after its first page on purpose: nothing went wrong.
const ProbeFirstPage = "probe: first page only"

// Dataset is one logical API read: a list (all its pages) or a single GET.
type Dataset struct {
	// Key names the dataset; see the Key* constants and their {placeholders}.
	Key string `json:"key"`
	// Status says how the read ended; only OK datasets are complete.
	Status Status `json:"status"`
	// URL is the first request's URL without query secrets (never a token).
	URL string `json:"url,omitempty"`
	// Permission is what the identity lacked when Status is Denied, such as
	// "Microsoft Graph UserAuthenticationMethod.Read.All" or
	// "Microsoft.Authorization/roleAssignments/read".
	Permission string `json:"permission,omitempty"`
	// Error is the reason for Failed/Partial/Denied, free of secrets.
	Error string `json:"error,omitempty"`
	// HTTPStatus is the last response's status code.
	HTTPStatus int `json:"httpStatus,omitempty"`
	// Pages are the response bodies in the order read, byte for byte.
	Pages [][]byte `json:"-"`
}

// Capture is every dataset one run read from one tenant.
type Capture struct {
	TenantID  string    `json:"tenantId"`
	Collected time.Time `json:"collected"`
	// Datasets by Key.
	Datasets map[string]*Dataset `json:"-"`
}
