package fields

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/sigma"
	"github.com/mamori-sec/mamori/internal/simulate"
	logs "github.com/mamori-sec/mamori/internal/source"
)

// TestVerbatimValuesAreInTheRecord checks the promise behind
// verbatimTyped on every record of the rules' test data and of a
// simulated tenant with every scenario: each value such a field yields
// is in the record's own text, in some case. A field whose decoder infers
// or maps its value (a driver's publisher from its name, a quota family
// from its description) must not be listed: the needles derived from it
// would set aside records a rule matches.
func TestVerbatimValuesAreInTheRecord(t *testing.T) {
	t.Parallel()
	sim := t.TempDir()
	if _, err := simulate.Write(sim, simulate.Options{Seed: 7, Days: 4, Scenarios: simulate.Scenarios()}); err != nil {
		t.Fatal(err)
	}
	inputs, err := logs.Expand([]string{sim, filepath.Join("..", "..", "rules")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	inputs = slices.DeleteFunc(inputs, func(in logs.Input) bool {
		return strings.HasSuffix(in.Name, ".yml") || filepath.Base(in.Name) == "truth.json"
	})
	r := New()
	ids := map[string]sigma.FieldID{}
	for name := range verbatimTyped {
		fi, err := r.Resolve(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ids[name] = fi.ID
	}
	e := r.NewEvent()
	checked := map[string]int{}
	logs.Read(context.Background(), inputs, logs.Options{Workers: 1}, func(_ int, ev *event.Event) {
		if ev.RawText == nil { // inside an envelope: the record's own text is not at hand
			return
		}
		if strings.HasPrefix(ev.Shape, "batch.") {
			// Batch's service log names its account, not the pool, and no
			// caller: its reader composes resource_id and principal.name,
			// and gives Wants no text (it reads every record in full), so
			// no needle is looked for in it.
			return
		}
		low := bytes.ToLower(ev.RawText)
		e.Reset(ev)
		for name, id := range ids {
			vals, _ := sigma.Collect(e, id, nil)
			for _, v := range vals {
				s := strings.ToLower(strings.TrimSpace(v.Text()))
				if s == "" {
					continue
				}
				checked[name]++
				if !bytes.Contains(low, []byte(s)) {
					t.Errorf("%s = %q is not in the record at %s:%d", name, v.Text(), ev.Loc.File, ev.Loc.Line)
				}
			}
		}
	})
	if len(checked) < len(ids)/2 {
		t.Errorf("only %d of %d verbatim fields had a value to check: %v", len(checked), len(ids), checked)
	}
}
