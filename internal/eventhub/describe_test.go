package eventhub

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

// Describe lists the hubs a reader would read, the messages each keeps
// and how many the group has still to read, without joining the group.
func TestDescribe(t *testing.T) {
	c, err := kfake.NewCluster(kfake.SeedTopics(2, "insights-activity-logs", "insights-logs-signinlogs", "billing"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	brokers := c.ListenAddrs()
	m := `{"records":[]}`
	produce(t, brokers, msg("insights-activity-logs", 0, m), msg("insights-activity-logs", 0, m), msg("insights-activity-logs", 1, m), msg("billing", 0, m))
	r, err := Open(Config{Brokers: brokers, Group: "mamori"})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := r.Read(context.Background(), t.TempDir(), limits); err != nil || got.Messages != 3 {
		t.Fatalf("read %+v, %v", got, err)
	}
	r.Close()
	produce(t, brokers, msg("insights-activity-logs", 1, m), msg("insights-logs-signinlogs", 1, m))

	hubs, err := Describe(context.Background(), Config{Brokers: brokers, Group: "mamori"}, 10*time.Second)
	want := []Hub{
		{Name: "insights-activity-logs", Partitions: 2, Kept: 4, Behind: 1, Committed: true},
		{Name: "insights-logs-signinlogs", Partitions: 2, Kept: 1, Behind: 1},
	}
	if err != nil || len(hubs) != len(want) || hubs[0] != want[0] || hubs[1] != want[1] {
		t.Errorf("%+v, %v; want %+v", hubs, err, want)
	}
	hubs, err = Describe(context.Background(), Config{Brokers: brokers, Group: "other", Hubs: []string{"billing"}}, 10*time.Second)
	if err != nil || len(hubs) != 1 || hubs[0] != (Hub{Name: "billing", Partitions: 2, Kept: 1, Behind: 1}) {
		t.Errorf("a named hub: %+v, %v", hubs, err)
	}
	if hubs, err := Describe(context.Background(), Config{Brokers: brokers, Group: "mamori", Hubs: []string{"insights-logs-nothere"}}, 10*time.Second); err == nil || !strings.Contains(err.Error(), "insights-logs-nothere") {
		t.Errorf("a hub not there: %+v, %v", hubs, err)
	}
}
