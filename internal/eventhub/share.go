package eventhub

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// A consumer group shares a hub's partitions among its members: a serve
// that holds some of them hunts only those messages, and an attack whose
// records went to the others is seen by no single hunt. Read says which
// hubs this reader holds only part of, and how many messages its
// partitions still hold behind what it wrote.

// Share is a hub of which this reader holds Held of its Of partitions.
type Share struct {
	Hub  string
	Held int
	Of   int
}

// holding is what the group gave this reader, and each partition's
// messages not yet read, as its last fetch told.
type holding struct {
	mu   sync.Mutex
	held map[string]map[int32]int64 // hub → partition → messages waiting
}

func (h *holding) assigned(_ context.Context, _ *kgo.Client, parts map[string][]int32) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.held == nil {
		h.held = map[string]map[int32]int64{}
	}
	for hub, ps := range parts {
		if h.held[hub] == nil {
			h.held[hub] = map[int32]int64{}
		}
		for _, p := range ps {
			h.held[hub][p] = 0
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

// fetched notes a partition's messages left behind its last fetched one.
func (h *holding) fetched(p kgo.FetchTopicPartition) {
	if len(p.Records) == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if ps := h.held[p.Topic]; ps != nil {
		if _, ok := ps[p.Partition]; ok {
			ps[p.Partition] = max(p.HighWatermark-p.Records[len(p.Records)-1].Offset-1, 0)
		}
	}
}

// waiting is the messages the held partitions hold behind what was read.
func (h *holding) waiting() (n int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, ps := range h.held {
		for _, w := range ps {
			n += w
		}
	}
	return n
}

// shares are the hubs read (named, or matching pattern) of which this
// reader holds fewer partitions than the hub has.
func (h *holding) shares(ctx context.Context, cl *kgo.Client, hubs []string, pattern *regexp.Regexp) ([]Share, error) {
	req := kmsg.NewPtrMetadataRequest()
	for _, hub := range hubs {
		t := kmsg.NewMetadataRequestTopic()
		t.Topic = kmsg.StringPtr(hub)
		req.Topics = append(req.Topics, t)
	}
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []Share
	for _, t := range resp.Topics {
		if t.Topic == nil || t.ErrorCode != 0 || (len(hubs) == 0 && !pattern.MatchString(*t.Topic)) {
			continue
		}
		if held := len(h.held[*t.Topic]); held < len(t.Partitions) {
			out = append(out, Share{Hub: *t.Topic, Held: held, Of: len(t.Partitions)})
		}
	}
	slices.SortFunc(out, func(a, b Share) int { return strings.Compare(a.Hub, b.Hub) })
	return out, nil
}
