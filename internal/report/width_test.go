package report

import "testing"

func TestFit(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		in    string
		w     int
		left  bool
		want  string
		cells int
	}{
		{"short text is kept", "abc", 5, false, "abc", 3},
		{"exact fit is kept", "abcde", 5, false, "abcde", 5},
		{"long text is cut with an ellipsis", "abcdefgh", 5, false, "abcd…", 5},
		{"wide characters count two cells", "守り守り", 5, false, "守り…", 5},
		{"a wide character that would overflow is dropped", "a守り", 3, false, "a…", 2},
		{"left cut keeps the end of a rule name", "azure.identity.elevate_access", 15, true, "…elevate_access", 15},
		{"left cut leaves short names alone", "host.info", 15, true, "host.info", 9},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var got string
			if c.left {
				got = fitLeft(c.in, c.w)
			} else {
				got = fit(c.in, c.w)
			}
			if got != c.want || cellWidth(got) != c.cells {
				t.Errorf("fit(%q, %d) = %q (%d cells), want %q (%d cells)", c.in, c.w, got, cellWidth(got), c.want, c.cells)
			}
		})
	}
}

func TestCellWidth(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want int
	}{
		{"abc", 3},
		{"守り", 4},
		{"café", 4},
		{"e\u0301", 1}, // e + combining acute
		{"🔥", 2},
		{"…", 1},
		{"ｱ", 1}, // halfwidth katakana
		{"Ａ", 2}, // fullwidth A
	}
	for _, c := range cases {
		if got := cellWidth(c.in); got != c.want {
			t.Errorf("cellWidth(%q) = %d, want %d", c.in, got, c.want)
		}
	}
}
