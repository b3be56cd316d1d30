package notify

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
)

// Lines naming one receiver make one route (one message a cycle for all
// its tenants); a receiver's format or severity makes it another; every
// other tenant's route is found last, whatever line it was on.
func TestParseRoutes(t *testing.T) {
	const a, b, c = "4f1c2b7e-9a3d-4c55-8e21-6b0d7a9c3e10", "0badf00d-1234-4abc-8def-00000000cafe", "11111111-2222-4333-8444-555555555555"
	file := strings.Join([]string{
		"# customers",
		"*   https://hooks.example/soc",
		"  " + strings.ToUpper(a) + "   https://hooks.example/x",
		b + " https://hooks.example/x",
		c + " https://hooks.example/x format=teams severity=medium every=15m",
		"",
	}, "\n")
	rs, err := ParseRoutes(strings.NewReader(file), "routes", Slack, alert.High)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 3 || !slices.Equal(rs[0].Tenants, []string{a, b}) || !slices.Equal(rs[1].Tenants, []string{c}) || rs[2].Tenants != nil {
		t.Fatalf("routes %+v", rs)
	}
	if rs[0].N.format != Slack || rs[0].N.min != alert.High || rs[1].N.format != Teams || rs[1].N.min != alert.Medium {
		t.Errorf("receivers: %s/%v, %s/%v", rs[0].N.format, rs[0].N.min, rs[1].N.format, rs[1].N.min)
	}
	if rs[0].EverySet || !rs[1].EverySet || rs[1].Every != 15*time.Minute {
		t.Errorf("every: %v/%v, %v/%v", rs[0].Every, rs[0].EverySet, rs[1].Every, rs[1].EverySet)
	}
	r := NewRouter(rs)
	for tenant, want := range map[string]int{a: 0, strings.ToUpper(b): 0, c: 1, "": 2, "22222222-2222-4333-8444-555555555555": 2} {
		if got := r.For(tenant); got != want {
			t.Errorf("For(%q) = %d, want %d", tenant, got, want)
		}
	}
	if rs[0].Name() != "the receiver of tenant "+a+", "+b || rs[2].Name() != "every other tenant's receiver" {
		t.Errorf("names %q, %q", rs[0].Name(), rs[2].Name())
	}
	if r := NewRouter(rs[:2]); r.For(c) != 1 || r.For("") != -1 || r.Other() != -1 {
		t.Errorf("without *: %d, %d, %d", r.For(c), r.For(""), r.Other())
	}
}
