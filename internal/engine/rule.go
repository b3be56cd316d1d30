// Package engine runs detections over the stream of events and turns
// matches into alerts: records seen twice count once, and the matches of
// one action (the Start and Succeeded records of one ARM operation, the
// thousand flow tuples of one miner's connection) become one alert.
//
// The rules here are the starter set that proves the path from raw logs to
// alerts; the Sigma engine replaces them with rule files.
package engine

import (
	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/event"
)

// Rule is one detection.
type Rule struct {
	Name     string // stable and dotted: azure.identity.elevate_access
	Version  int
	Title    string
	Severity alert.Severity
	Tags     []string // ATT&CK: attack.t1496
	Kinds    []event.Kind
	// Match reports whether the event is a hit and, if so, a one-line
	// summary of it.
	Match func(ev *event.Event) (summary string, ok bool)
	// Group says which hits are the same finding: hits with the same
	// group key become one alert. Empty means the event itself.
	Group func(ev *event.Event) string
}
