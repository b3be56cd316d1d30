package eventhub

import (
	"context"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Hub is what a namespace says of one hub a reader would read: its
// partitions, the messages it keeps, and how many of them the consumer
// group has yet to read.
type Hub struct {
	Name       string
	Partitions int
	Kept       int64 // messages between the oldest kept and the newest
	Behind     int64 // of them, those the group has not committed
	Committed  bool  // the group has read some of it before
}

// Describe signs in as cfg says and lists the hubs a Reader of cfg
// would read, without joining the group (a serve running meanwhile is
// not disturbed): for `serve --eventhub-test`, does serve see the hubs?
// It gives up after wait.
func Describe(ctx context.Context, cfg Config, wait time.Duration) ([]Hub, error) {
	s := newSaid()
	if cfg.Conn != nil {
		s.secret = cfg.Conn.text
	}
	hubs, err := describe(ctx, cfg, s, wait)
	return hubs, s.hidden(err)
}

func describe(ctx context.Context, cfg Config, s *said, wait time.Duration) ([]Hub, error) {
	cl, err := kgo.NewClient(append(signIn(cfg), kgo.WithLogger(s))...)
	if err != nil {
		return nil, fmt.Errorf("event hub: %w", err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	adm := kadm.NewClient(cl)
	topics, err := adm.ListTopics(ctx, cfg.Hubs...)
	if err != nil {
		return nil, fmt.Errorf("event hub: the hubs: %w%s", err, s.lastly())
	}
	var names []string
	for _, t := range topics.Sorted() {
		if t.Err != nil && len(cfg.Hubs) > 0 {
			return nil, fmt.Errorf("event hub %s: %w", t.Topic, t.Err)
		}
		if reads(cfg.Hubs, t) {
			names = append(names, t.Topic)
		}
	}
	if len(names) == 0 {
		return nil, nil
	}
	offs, err := offsetsOf(ctx, adm, cfg.Group, names, nil)
	if err != nil {
		return nil, fmt.Errorf("event hub: the hubs' offsets: %w", err)
	}
	var out []Hub
	for _, name := range names {
		h := Hub{Name: name, Partitions: len(topics[name].Partitions)}
		if o := offs[name]; o != nil {
			h.Kept, h.Behind, h.Committed = o.kept, o.behind, o.committed
		}
		out = append(out, h)
	}
	return out, nil
}
