package incident

import (
	"fmt"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
)

// BenchmarkBuild groups a month of alerts: 200 principals, one pool
// address every mining alert shares, bursts a few hours apart.
func BenchmarkBuild(b *testing.B) {
	var as []alert.Alert
	for i := range 20000 {
		t := at(time.Duration(i) * 2 * time.Minute)
		p := fmt.Sprintf("user%d@contoso.com", i%200)
		if i%3 == 0 {
			as = append(as, mk("azure.network.mining_pool_connection", alert.High, t, sub(subA), ips("198.51.100.23", fmt.Sprintf("10.0.%d.%d", i%7, i%250))))
			continue
		}
		as = append(as, mk("azure.compute.gpu_created", alert.Medium, t, principal(p), sub(subA),
			compute("vmss", "Standard_NC24ads_A100_v4", 4, "eastus", vmss(subA, fmt.Sprint("ss", i%500)), "")))
	}
	b.ResetTimer()
	for b.Loop() {
		Build(as, Options{})
	}
}
