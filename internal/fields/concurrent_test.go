package fields_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/fields"
	"github.com/mamori-sec/mamori/internal/sigma"
)

// TestConcurrentEvaluation evaluates shared compiled rules from several
// goroutines, each with its own Event, while more rules compile against
// the same resolver: answers must not change and (under -race) nothing
// may race.
func TestConcurrentEvaluation(t *testing.T) {
	t.Parallel()
	res := fields.New()
	docs, err := sigma.Parse([]byte(fuzzRules))
	if err != nil {
		t.Fatal(err)
	}
	var rules []*sigma.Compiled
	for _, d := range docs {
		c, err := sigma.Compile(d, res, nil)
		if err != nil {
			t.Fatal(err)
		}
		rules = append(rules, c)
	}
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := res.NewEvent()
			for i := 0; i < 200; i++ {
				ev := event.Event{Kind: event.KindAudit, Raw: record(t, auditDiag), Operation: "add member to role"}
				e.Reset(&ev)
				if !rules[0].Match(e) || !rules[1].Match(e) {
					t.Error("a rule stopped matching under concurrency")
					return
				}
			}
		}()
	}
	for i := 0; i < 50; i++ {
		// New names grow the resolver while the workers read it.
		if _, err := res.Resolve(fmt.Sprintf("properties.extra%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
}
