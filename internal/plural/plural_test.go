package plural

import (
	"math"
	"testing"
)

func TestCountAgreesWithItsNoun(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		n    int64
		want string
	}{{0, "0 records"}, {1, "1 record"}, {2, "2 records"}, {-1, "-1 records"}, {math.MaxInt64, "9223372036854775807 records"}} {
		if got := Count(c.n, "record", "records"); got != c.want {
			t.Errorf("Count(%d) = %q, want %q", c.n, got, c.want)
		}
	}
	for _, c := range []struct {
		n    float64
		want string
	}{{1, "1 value"}, {3, "3 values"}, {2.5, "2.5 values"}, {1e21, "1e+21 values"}, {math.NaN(), "NaN values"}} {
		if got := Count(c.n, "value", "values"); got != c.want {
			t.Errorf("Count(%g) = %q, want %q", c.n, got, c.want)
		}
	}
}

func TestVerbAgreesWithItsCount(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{0: "have", 1: "has", 2: "have"} {
		if got := Verb(n, "has", "have"); got != want {
			t.Errorf("Verb(%d) = %q, want %q", n, got, want)
		}
	}
}
