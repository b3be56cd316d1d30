package report

import (
	"strings"
	"testing"

	"github.com/mamori-sec/mamori/internal/coverage"
)

// NOT JUDGED says how many of the creates it could not judge are Azure
// ML jobs, which may have run on a cluster of their workspace, in words
// that agree with the count, and says nothing of jobs when there are
// none.
func TestUnsizedNamesTheJobs(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		u    coverage.Unsized
		want string
	}{
		{coverage.Unsized{Creates: 9, Unsized: 3}, "3 of 9 compute creates named no size in any record (exports without request or response bodies name none)"},
		{coverage.Unsized{Creates: 9, Unsized: 3, Jobs: 1}, "; 1 of them an Azure ML job, which may have run on a cluster of its workspace rather than on machines of its own"},
		{coverage.Unsized{Creates: 9, Unsized: 3, Jobs: 3}, "; 3 of them Azure ML jobs, which may have run on a cluster of their workspace rather than on machines of their own"},
	} {
		got := UnsizedInLine(c.u)
		if !strings.Contains(got, c.want) || (c.u.Jobs == 0) == strings.Contains(got, "Azure ML") {
			t.Errorf("%+v: %q, want it to hold %q", c.u, got, c.want)
		}
		var b strings.Builder
		if err := WriteUnsized(&b, c.u); err != nil || !strings.Contains(b.String(), "NOT JUDGED: "+got) {
			t.Errorf("%+v: the table says %q (%v)", c.u, b.String(), err)
		}
	}
}
