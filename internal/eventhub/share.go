package eventhub

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// A consumer group shares a hub's partitions among its members: a serve
// that holds some of them hunts only those messages, and an attack whose
// records went to the others is seen by no single hunt. Read says which
// hubs this reader holds only part of, and how many messages its
// partitions still hold behind what it committed.

// Share is a hub of which this reader holds Held of its Of partitions.
type Share struct {
	Hub  string
	Held int
	Of   int
}

// holding is what the group gave this reader.
type holding struct {
	mu   sync.Mutex
	held map[string]map[int32]bool // hub → partitions
}

func (h *holding) assigned(_ context.Context, _ *kgo.Client, parts map[string][]int32) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.held == nil {
		h.held = map[string]map[int32]bool{}
	}
	for hub, ps := range parts {
		if h.held[hub] == nil {
			h.held[hub] = map[int32]bool{}
		}
		for _, p := range ps {
			h.held[hub][p] = true
		}
	}
}

func (h *holding) revoked(_ context.Context, _ *kgo.Client, parts map[string][]int32) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for hub, ps := range parts {
		for _, p := range ps {
			delete(h.held[hub], p)
		}
	}
}

// hubs are the hubs of which this reader holds a partition, and how many.
func (h *holding) hubs() map[string]int {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string]int{}
	for hub, ps := range h.held {
		if len(ps) > 0 {
			out[hub] = len(ps)
		}
	}
	return out
}

func (h *holding) holds(hub string, p int32) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.held[hub][p]
}

// behind is how many messages the partitions this reader holds keep
// past the group's committed offsets.
func (r *Reader) behind(ctx context.Context) (int64, error) {
	hubs := slices.Sorted(maps.Keys(r.holding.hubs()))
	if len(hubs) == 0 {
		return 0, nil
	}
	offs, err := offsetsOf(ctx, kadm.NewClient(r.cl), r.group, hubs, r.holding.holds)
	var n int64
	for _, o := range offs {
		n += o.behind
	}
	return n, err
}

// offsets are what a hub's partitions keep, and how many of those the
// group has not committed (past the oldest kept, where it committed
// none: where a new group starts).
type offsets struct {
	kept, behind int64
	committed    bool // the group committed in one of its partitions
}

// offsetsOf are the offsets of hubs, of the partitions held says (nil:
// all).
func offsetsOf(ctx context.Context, adm *kadm.Client, group string, hubs []string, held func(string, int32) bool) (map[string]*offsets, error) {
	starts, err := adm.ListStartOffsets(ctx, hubs...)
	if err == nil {
		err = starts.Error()
	}
	ends, eerr := adm.ListEndOffsets(ctx, hubs...)
	if eerr == nil {
		eerr = ends.Error()
	}
	committed, cerr := adm.FetchOffsetsForTopics(ctx, group, hubs...)
	if errors.Is(cerr, kerr.GroupIDNotFound) {
		cerr = nil // a group never used: it has committed nothing
	}
	if err := errors.Join(err, eerr, cerr); err != nil {
		return nil, err
	}
	out := map[string]*offsets{}
	ends.Each(func(end kadm.ListedOffset) {
		if held != nil && !held(end.Topic, end.Partition) {
			return
		}
		o := out[end.Topic]
		if o == nil {
			o = &offsets{}
			out[end.Topic] = o
		}
		from := int64(0)
		if start, ok := starts.Lookup(end.Topic, end.Partition); ok {
			from = start.Offset
		}
		o.kept += max(end.Offset-from, 0)
		if c, ok := committed.Lookup(end.Topic, end.Partition); ok && c.Err == nil && c.At >= 0 {
			from, o.committed = max(from, c.At), true
		}
		o.behind += max(end.Offset-from, 0)
	})
	return out, nil
}

// shares are the hubs read (named, or matching DefaultHubs) of which
// this reader holds fewer partitions than the hub has.
func (r *Reader) shares(ctx context.Context) ([]Share, error) {
	topics, err := kadm.NewClient(r.cl).ListTopics(ctx, r.hubs...)
	if err != nil {
		return nil, err
	}
	held := r.holding.hubs()
	var out []Share
	for _, t := range topics.Sorted() {
		if n := held[t.Topic]; reads(r.hubs, t) && n < len(t.Partitions) {
			out = append(out, Share{Hub: t.Topic, Held: n, Of: len(t.Partitions)})
		}
	}
	return out, nil
}
