package eventhub

import (
	"context"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"
)

// Brokers gone after the group was joined: a read says so, rather than
// "nothing new".
func TestReadSaysTheBrokersAreGone(t *testing.T) {
	c, err := kfake.NewCluster(kfake.SeedTopics(1, "insights-activity-logs"))
	if err != nil {
		t.Fatal(err)
	}
	produce(t, c.ListenAddrs(), msg("insights-activity-logs", 0, `{"records":[]}`))
	r, err := Open(Config{Brokers: c.ListenAddrs(), Group: "mamori"})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got, err := r.Read(context.Background(), t.TempDir(), limits); err != nil || got.Messages != 1 {
		t.Fatalf("before: %+v, %v", got, err)
	}
	c.Close()
	got, err := r.Read(context.Background(), t.TempDir(), limits)
	if err == nil || got.Messages != 0 || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("gone: %+v, %v", got, err)
	}
}
