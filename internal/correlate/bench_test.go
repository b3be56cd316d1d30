package correlate

import "testing"

// BenchmarkProcess runs the mixed set (one correlation of each type) over
// matches of three rules; ns/op divided by 10,000 is the cost of a match.
func BenchmarkProcess(b *testing.B) {
	s := compile(b, mixed, "a", "b", "c")
	ms := randomMatches(5, 10_000)
	b.ReportAllocs()
	for b.Loop() {
		s.Process(ms, Options{})
	}
}
