package posture

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/mamori-sec/mamori/internal/posture/capture"
)

// parser turns one list item (or a single GET's body) into snapshot facts.
// vals are the key's placeholder values (subscription, region).
type parser func(s *Snapshot, vals []string, item json.RawMessage) error

// reader says how one dataset pattern is parsed.
type reader struct {
	pattern string
	parse   parser
	// single marks a GET of one resource rather than a {"value": [...]} list.
	single bool
	// absentIsEmpty marks datasets where 404 means "none configured" (no
	// diagnostic setting, no transfer policy), which is a complete answer.
	absentIsEmpty bool
}

// readers is every dataset the snapshot understands. Keys the capture holds
// but no reader knows (public IPs, locations) are recorded in Datasets and
// otherwise left to other consumers.
var readers = []reader{
	{pattern: capture.KeyOrganization, parse: parseOrganization},
	{pattern: capture.KeyUsers, parse: parseUser},
	{pattern: capture.KeySubscribedSkus, parse: parseSku},
	{pattern: capture.KeyRegistrationDetails, parse: parseRegistration},
	{pattern: capture.KeyDirectoryRoles, parse: parseDirectoryRole},
	{pattern: capture.KeyDirectoryAssignments, parse: parseDirectoryAssignment(false)},
	// No PIM (Entra ID P2) answers 404-like errors: no eligible assignments.
	{pattern: capture.KeyDirectoryEligible, parse: parseDirectoryAssignment(true), absentIsEmpty: true},
	// Without Entra ID P1 there is no conditional access at all.
	{pattern: capture.KeyConditionalAccess, parse: parseCAPolicy, absentIsEmpty: true},
	{pattern: capture.KeyEntraDiagnostics, parse: parseDiagnostic(entraDiag), absentIsEmpty: true},
	{pattern: capture.KeyTenantDiagnostics, parse: parseDiagnostic(tenantDiag), absentIsEmpty: true},
	{pattern: capture.KeyRootRoleAssignments, parse: parseRootAssignment},
	{pattern: capture.KeyTransferPolicy, parse: parseTransfer, single: true, absentIsEmpty: true},
	{pattern: capture.KeyManagementGroupEntities, parse: parseEntity},
	{pattern: capture.KeySubscriptions, parse: parseSubscription},
	{pattern: capture.KeyRoleAssignments, parse: parseRoleAssignment},
	{pattern: capture.KeyRoleDefinitions, parse: parseRoleDefinition},
	{pattern: capture.KeySecurityContacts, parse: parseSecurityContact, absentIsEmpty: true},
	{pattern: capture.KeyPricings, parse: parsePricing},
	{pattern: capture.KeyDiagnosticSettings, parse: parseDiagnostic(subDiag), absentIsEmpty: true},
	{pattern: capture.KeyActivityLogAlerts, parse: parseAlert, absentIsEmpty: true},
	{pattern: capture.KeyPolicyAssignments, parse: parsePolicyAssignment, absentIsEmpty: true},
	{pattern: capture.KeyPolicyDefinitions, parse: parsePolicyDefinition, absentIsEmpty: true},
	{pattern: capture.KeyPolicySets, parse: parsePolicyDefinition, absentIsEmpty: true},
	// A region the subscription cannot use answers 404: no quota there.
	{pattern: capture.KeyComputeUsages, parse: parseUsage, absentIsEmpty: true},
	{pattern: capture.KeyQuotas, parse: parseQuota, absentIsEmpty: true},
	{pattern: capture.KeyWorkspaces, parse: parseWorkspace, absentIsEmpty: true},
	// Microsoft.Compute never registered: no VMs at all.
	{pattern: capture.KeyVirtualMachines, parse: parseVM, absentIsEmpty: true},
	{pattern: capture.KeyVirtualMachineStatuses, parse: parseVMStatus, absentIsEmpty: true},
}

// maxBuildErrors caps the errors Build returns: a hostile capture with a
// million bad items should not produce a million-line report.
const maxBuildErrors = 200

// Build parses a capture into a Snapshot. Every page is decoded on its own:
// a malformed page or item is reported (naming the dataset key and page
// number) and the rest is still used. A nil capture gives an empty
// snapshot, on which every check reports not assessed.
func Build(c *capture.Capture) (*Snapshot, []error) {
	s := &Snapshot{
		Datasets:       map[string]DatasetState{},
		Users:          map[string]*User{},
		UserByUPN:      map[string]*User{},
		Skus:           map[string]*Sku{},
		Registration:   map[string]*Registration{},
		DirectoryRoles: map[string]*DirectoryRole{},
		Subscriptions:  map[string]*Subscription{},
		Entities:       map[string]*Entity{},
	}
	var errs []error
	if c == nil {
		return s, []error{errors.New("posture: no capture")}
	}
	s.TenantID, s.Collected = c.TenantID, c.Collected
	keys := make([]string, 0, len(c.Datasets))
	for k := range c.Datasets {
		keys = append(keys, k)
	}
	// Subscriptions first, so names are known before per-subscription data.
	sort.Slice(keys, func(i, j int) bool {
		if (keys[i] == capture.KeySubscriptions) != (keys[j] == capture.KeySubscriptions) {
			return keys[i] == capture.KeySubscriptions
		}
		return keys[i] < keys[j]
	})
	for _, key := range keys {
		ds := c.Datasets[key]
		if ds == nil {
			continue
		}
		r, vals := readerFor(key)
		st := DatasetState{Key: key, Status: ds.Status, Permission: ds.Permission, Reason: ds.Error, Pages: len(ds.Pages)}
		st.Complete = ds.Status == capture.OK || (ds.Status == capture.Absent && r != nil && r.absentIsEmpty)
		if st.Status == "" {
			st.Reason = "no status recorded"
		}
		s.Datasets[key] = st
		if r == nil {
			continue
		}
		// A per-subscription key makes the subscription known even when the
		// subscriptions list itself was not readable.
		if strings.HasPrefix(r.pattern, "arm/subscriptions/{sub}") && len(vals) > 0 {
			s.sub(vals[0])
		}
		if ds.Status != capture.OK && ds.Status != capture.Partial {
			continue
		}
		lost, first := 0, ""
		for i, page := range ds.Pages {
			for _, err := range parsePage(s, r, vals, page) {
				if lost == 0 {
					first = fmt.Sprintf("page %d does not parse: %v", i+1, err)
				}
				lost++
				errs = append(errs, fmt.Errorf("posture: dataset %s page %d: %w", key, i+1, err))
			}
		}
		// What did not parse was not read: the lost page or item may hold
		// the failure, so the dataset no longer counts as complete and a
		// check that needs it is not assessed instead of passing.
		if lost > 0 {
			if lost > 1 {
				first += fmt.Sprintf(" (and %d more parse errors)", lost-1)
			}
			if st.Reason != "" {
				first = st.Reason + "; " + first
			}
			st.Status, st.Complete, st.Reason = capture.Partial, false, first
			s.Datasets[key] = st
		}
	}
	if len(errs) > maxBuildErrors {
		n := len(errs) - maxBuildErrors
		errs = append(errs[:maxBuildErrors], fmt.Errorf("posture: %d more errors not shown", n))
	}
	return s, errs
}

// AbsentMeansNone reports whether the checks take a dataset the API
// answered as absent (404, a licence or resource provider missing) as read
// and empty, "none configured"; any other absent dataset leaves its checks
// not assessed. `mamori doctor` asks, to judge absence as posture does.
func AbsentMeansNone(key string) bool {
	r, _ := readerFor(key)
	return r != nil && r.absentIsEmpty
}

// readerFor finds the reader whose pattern fits key.
func readerFor(key string) (*reader, []string) {
	for i := range readers {
		if vals, ok := capture.Match(readers[i].pattern, key); ok {
			return &readers[i], vals
		}
	}
	return nil, nil
}

// parsePage decodes one response body and hands each item to the reader.
// It returns one error per item that failed, or one for the page itself.
func parsePage(s *Snapshot, r *reader, vals []string, page []byte) []error {
	page = bytes.TrimSpace(page)
	if r.single {
		if err := r.parse(s, vals, page); err != nil {
			return []error{err}
		}
		return nil
	}
	var list struct {
		Value *[]json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(page, &list); err != nil {
		return []error{fmt.Errorf("not a JSON list response: %w", err)}
	}
	if list.Value == nil {
		return []error{errors.New(`no "value" list in the response`)}
	}
	var errs []error
	for j, item := range *list.Value {
		if err := r.parse(s, vals, item); err != nil {
			errs = append(errs, fmt.Errorf("item %d: %w", j, err))
		}
	}
	return errs
}

// sub returns the subscription with this ID, creating it on first sight.
func (s *Snapshot) sub(id string) *Subscription {
	id = strings.ToLower(strings.TrimSpace(id))
	if sub, ok := s.Subscriptions[id]; ok {
		return sub
	}
	sub := &Subscription{
		ID:                id,
		RoleDefinitions:   map[string]*RoleDefinition{},
		Pricings:          map[string]*Pricing{},
		PolicyDefinitions: map[string]*PolicyDefinition{},
		PolicySets:        map[string]*PolicySet{},
		Usages:            map[string][]Usage{},
		Quotas:            map[string][]Quota{},
		VMs:               map[string]*VM{},
	}
	s.Subscriptions[id] = sub
	return sub
}

// decodeItem unmarshals one item, refusing a non-object so a stray number
// or string in a list is reported instead of silently read as empty.
func decodeItem(item json.RawMessage, v any) error {
	item = bytes.TrimSpace(item)
	if len(item) == 0 || item[0] != '{' {
		return errors.New("not a JSON object")
	}
	return json.Unmarshal(item, v)
}

// fatal reports whether a decode error lost the whole item. A field of an
// unexpected type is skipped by encoding/json and the rest filled in, so the
// item is still used and the error only reported.
func fatal(err error) bool {
	var te *json.UnmarshalTypeError
	return err != nil && !errors.As(err, &te)
}
