// Package suppress reads a suppressions file and sets aside the alerts it
// covers, so that known, accepted activity stops being reported as new
// without ever disappearing: a suppressed alert is kept, counted and shown
// as suppressed, with the entry and reason that silenced it.
//
// The file is YAML with one top-level key, a list of entries:
//
//	suppressions:
//	  - id: nightly-render            # optional; default "#N", N its 1-based position
//	    rule: azure.compute.*         # exact rule name, or a glob: * is any run of characters
//	    tenant: 7f3c…                 # exact, any case
//	    subscription: 0b1e…           # exact, any case; "/subscriptions/<id>" also accepted
//	    principal: render@contoso.com # exact, any case (UPN, else object id, else app id)
//	    resource: /subscriptions/0b1e…/resourcegroups/render/**  # glob over lower-cased ids
//	    ip: 203.0.113.0/24            # address or CIDR
//	    reason: GPU render farm, approved in CHG-1234   # required
//	    expires: 2025-12-31           # optional: YYYY-MM-DD (through that day, UTC) or RFC 3339
//	    owner: secops@contoso.com     # optional
//
// An alert is suppressed by the first entry, in file order, whose every set
// scope key matches it. Alerts with several resources or addresses match
// resource or ip only when ALL of them match, so one accepted resource
// cannot hide another beside it in the same alert; an alert with none does
// not match an entry that sets the key. The file is checked strictly, every
// problem reported at once with its line: unknown keys, a missing reason, a
// bad date, glob or CIDR, and an entry that would suppress every alert
// (no scope key, or only match-all ones such as rule: "*" or ip: 0.0.0.0/0).
// An expired entry is not applied and is reported as a Warning, or as an
// error by LoadStrict. The package never reads the clock: the caller passes
// now.
package suppress

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
)

// MaxFileSize bounds the suppressions file read; a larger one is an error
// rather than an unbounded read.
const MaxFileSize = 16 << 20

// Entry is one suppression, as written and compiled.
type Entry struct {
	ID    string // as written, else "#N"
	Index int    // 1-based position in the list
	File  string
	Line  int // line of the entry's first key

	// Scope keys as written (trimmed); empty when not set.
	Rule, Tenant, Subscription, Principal, Resource, IP string

	Reason, Owner string

	// ExpiresText is expires as written; Expires is the first instant the
	// entry no longer applies (for a date, midnight UTC after that day).
	// Both are zero when the entry does not expire.
	ExpiresText string
	Expires     time.Time
	Expired     bool // expired at the now given to Load: never applied

	tenant, subscription string // folded for comparison
	resource             []segment
	prefix               netip.Prefix
	uses                 atomic.Int64
}

// Uses says how many alerts Apply suppressed with this entry.
func (e *Entry) Uses() int { return int(e.uses.Load()) }

// Suppression describes e for an output.
func (e *Entry) Suppression() alert.Suppression {
	return alert.Suppression{ID: e.ID, Reason: e.Reason, Owner: e.Owner, Expires: e.ExpiresText, File: e.File, Line: e.Line}
}

// Set is a loaded suppressions file. A nil *Set suppresses nothing, so a
// caller without --suppress need not test for it.
type Set struct {
	name    string
	entries []*Entry
}

// Entries lists every entry in file order, expired ones included.
func (s *Set) Entries() []*Entry {
	if s == nil {
		return nil
	}
	return s.entries
}

// Error is one problem in a suppressions file. Line is 0 when the YAML
// parser could not say where.
type Error struct {
	File string
	Line int
	Msg  string
}

// Error formats the problem as "file:line: message".
func (e *Error) Error() string {
	if e.Line > 0 {
		return e.File + ":" + strconv.Itoa(e.Line) + ": " + e.Msg
	}
	return e.File + ": " + e.Msg
}

// Warning is a problem that does not stop the hunt: an expired entry, one
// that suppressed nothing, one whose rule pattern names no loaded rule.
type Warning struct {
	File  string
	Line  int
	Entry string // the entry's ID
	Msg   string
}

// String formats the warning as `file:line: suppression "id" message`.
func (w Warning) String() string {
	return fmt.Sprintf("%s:%d: suppression %q %s", w.File, w.Line, w.Entry, w.Msg)
}

// Load reads a suppressions file; name is used in messages only. Entries
// expired at now are kept in the set but never applied, and each gives a
// warning. The error joins every problem found (errors.Join of *Error), so
// one run shows the whole list to fix.
func Load(name string, r io.Reader, now time.Time) (*Set, []Warning, error) {
	return load(name, r, now, false)
}

// LoadStrict is Load with an expired entry an error rather than a warning:
// for pipelines where a lapsed suppression must be renewed or removed.
func LoadStrict(name string, r io.Reader, now time.Time) (*Set, error) {
	s, _, err := load(name, r, now, true)
	return s, err
}

func load(name string, r io.Reader, now time.Time, strict bool) (*Set, []Warning, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, nil, &Error{File: name, Msg: err.Error()}
	}
	if len(b) > MaxFileSize {
		return nil, nil, &Error{File: name, Msg: fmt.Sprintf("larger than %d bytes", MaxFileSize)}
	}
	p := &parser{file: name}
	entries := p.parse(bytes.NewReader(b))
	var warns []Warning
	for _, e := range entries {
		if e.Expires.IsZero() || now.Before(e.Expires) {
			continue
		}
		e.Expired = true
		msg := "expired (expires: " + e.ExpiresText + "): not applied"
		if strict {
			p.errf(e.Line, "suppression %q %s", e.ID, msg)
			continue
		}
		warns = append(warns, Warning{File: name, Line: e.Line, Entry: e.ID, Msg: msg})
	}
	if len(p.errs) > 0 {
		return nil, nil, errors.Join(p.errs...)
	}
	return &Set{name: name, entries: entries}, warns, nil
}
