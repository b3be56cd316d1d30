package report

import (
	"fmt"
	"io"

	"github.com/mamori-sec/mamori/internal/coverage"
	"github.com/mamori-sec/mamori/internal/plural"
)

// WriteUnsized prints, after NOT SEEN, the compute creates the hunt read
// but could not judge: none of their records named a size. It prints
// nothing when every one did.
func WriteUnsized(w io.Writer, u coverage.Unsized) error {
	if u.Unsized == 0 {
		return nil
	}
	_, err := fmt.Fprintf(w, "\nNOT JUDGED: %s, so the rules on GPUs, sizes and costs could not judge them\n    export: %s\n",
		UnsizedInLine(u), coverage.UnsizedExport)
	return err
}

// UnsizedInLine says in one line how many compute creates named no size.
func UnsizedInLine(u coverage.Unsized) string {
	s := fmt.Sprintf("%d of %s named no size in any record (exports without request or response bodies name none)",
		u.Unsized, plural.Count(u.Creates, "compute create", "compute creates"))
	if u.Jobs > 0 {
		// A job's write without a body may have created nothing: it may
		// have run on a cluster of its workspace, counted when written.
		s += fmt.Sprintf("; %s, which may have run on a cluster of %s workspace rather than on machines of %s own",
			plural.Count(u.Jobs, "of them an Azure ML job", "of them Azure ML jobs"),
			plural.Verb(int(min(u.Jobs, 2)), "its", "their"), plural.Verb(int(min(u.Jobs, 2)), "its", "their"))
	}
	if u.Capped {
		s += ", counting only the operations a hunt tracks"
	}
	return s
}

// LearnedFullText says what a hunt let go when a table of what it learns
// as it reads was full.
const LearnedFullText = "a table of what the hunt learns as it reads was full (65,536 entries each): " +
	"some machines' sizes were forgotten (their starts go unsized and unpriced), or a Batch account's region, " +
	"an autoscale target's size or write was not kept (a floor counted whole: machines counted twice, never hidden), " +
	"or, past 524,288, a public address the tenant's writes named was not taken for its own (its sign-ins and flows may alert)"

// WriteLearnedFull prints, after NOT JUDGED, that a table of what the
// hunt learns was full; nothing when none was.
func WriteLearnedFull(w io.Writer, full bool) error {
	if !full {
		return nil
	}
	_, err := fmt.Fprintf(w, "\nNOT KEPT: %s\n    hunt fewer days, or fewer subscriptions, at a time\n", LearnedFullText)
	return err
}
