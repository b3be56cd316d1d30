package eventhub

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
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
	s := &said{}
	if cfg.Conn != nil {
		s.secret = cfg.Conn.text
	}
	hubs, err := describe(ctx, cfg, s, wait)
	if err != nil {
		why := err.Error()
		if s.secret != "" {
			why = strings.ReplaceAll(why, s.secret, "…")
		}
		return nil, errors.New(why)
	}
	return hubs, nil
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
	pattern := regexp.MustCompile(DefaultHubs)
	var names []string
	for _, t := range topics.Sorted() {
		switch {
		case t.Err != nil && len(cfg.Hubs) > 0:
			return nil, fmt.Errorf("event hub %s: %w", t.Topic, t.Err)
		case t.Err != nil || t.IsInternal || (len(cfg.Hubs) == 0 && !pattern.MatchString(t.Topic)):
			continue
		}
		names = append(names, t.Topic)
	}
	if len(names) == 0 {
		return nil, nil
	}
	starts, err := adm.ListStartOffsets(ctx, names...)
	if err == nil {
		err = starts.Error()
	}
	ends, eerr := adm.ListEndOffsets(ctx, names...)
	if err == nil && eerr == nil {
		eerr = ends.Error()
	}
	committed, cerr := adm.FetchOffsetsForTopics(ctx, cfg.Group, names...)
	if errors.Is(cerr, kerr.GroupIDNotFound) {
		cerr = nil // a group never used: it has read nothing
	}
	if err = errors.Join(err, eerr, cerr); err != nil {
		return nil, fmt.Errorf("event hub: the hubs' offsets: %w", err)
	}
	var out []Hub
	for _, name := range names {
		h := Hub{Name: name, Partitions: len(topics[name].Partitions)}
		for p := range topics[name].Partitions {
			start, _ := starts.Lookup(name, p)
			end, _ := ends.Lookup(name, p)
			h.Kept += end.Offset - start.Offset
			from := start.Offset // a new group starts at the oldest
			if c, ok := committed.Lookup(name, p); ok && c.Err == nil && c.At >= 0 {
				from, h.Committed = max(c.At, start.Offset), true
			}
			h.Behind += end.Offset - from
		}
		out = append(out, h)
	}
	return out, nil
}
