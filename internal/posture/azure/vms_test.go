package azure

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/mamori-sec/mamori/internal/posture"
	"github.com/mamori-sec/mamori/internal/posture/capture"
)

// TestVirtualMachinesThroughTheSDK reads both VM lists through the SDK's
// VirtualMachinesClient and pipeline (served by the test's ARM handler,
// vmList): the statusOnly one asks for statusOnly=true and is
// followed over its next link, and the snapshot joins the two so the
// deallocated ND96asr_v4 is flagged with its price and the running B2s
// is not.
func TestVirtualMachinesThroughTheSDK(t *testing.T) {
	t.Parallel()
	c, _, _ := collectWith(t, newFakes(t))
	plain := c.Datasets[capture.Key(capture.KeyVirtualMachines, testSub)]
	status := c.Datasets[capture.Key(capture.KeyVirtualMachineStatuses, testSub)]
	if plain == nil || status == nil {
		t.Fatalf("VM datasets missing: %v", c.Keys())
	}
	if plain.Status != capture.OK || len(plain.Pages) != 1 || strings.Contains(plain.URL, "statusOnly") {
		t.Errorf("VM list: %s, %d pages, URL %q; want one page without statusOnly", plain.Status, len(plain.Pages), plain.URL)
	}
	if status.Status != capture.OK || len(status.Pages) != 2 || !strings.Contains(status.URL, "statusOnly=true") {
		t.Errorf("statusOnly list: %s, %d pages, URL %q; want both pages of a statusOnly=true listing", status.Status, len(status.Pages), status.URL)
	}
	snap, errs := posture.Build(c)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	var f *posture.Finding
	for _, x := range posture.Run(snap, posture.DefaultConfig()) {
		if x.Check == "posture.quota.dormant_capacity" && x.Scope == "/subscriptions/"+testSub {
			f = &x
		}
	}
	if f == nil || f.Status != posture.Fail || len(f.Evidence) != 1 {
		t.Fatalf("want a failure naming the deallocated GPU VM only, got %+v", f)
	}
	if ev := f.Evidence[0]; ev.Subject != "ml/train-a100" || !strings.Contains(ev.Detail, "Standard_ND96asr_v4") || !strings.Contains(ev.Detail, "8 GPUs") || !strings.Contains(ev.Detail, "/h if started") {
		t.Errorf("evidence %+v", ev)
	}
}

// TestVirtualMachinesDeniedIsNotAssessed: a 403 on the statusOnly list is
// a missing permission, and the check says so instead of finding nothing.
func TestVirtualMachinesDeniedIsNotAssessed(t *testing.T) {
	t.Parallel()
	f := newFakes(t)
	base := f.raw
	f.raw = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/virtualMachines") && r.URL.Query().Get("statusOnly") == "true" {
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `{"error":{"code":"AuthorizationFailed","message":"The client does not have authorization to perform action 'Microsoft.Compute/virtualMachines/read' over scope '/subscriptions/`+testSub+`'."}}`)
			return
		}
		base.ServeHTTP(w, r)
	})
	c, _, _ := collectWith(t, f)
	ds := c.Datasets[capture.Key(capture.KeyVirtualMachineStatuses, testSub)]
	if ds == nil || ds.Status != capture.Denied || ds.Permission != "Microsoft.Compute/virtualMachines/read" {
		t.Fatalf("statusOnly list: %+v; want denied with its permission", ds)
	}
	snap, _ := posture.Build(c)
	for _, x := range posture.Run(snap, posture.DefaultConfig()) {
		if x.Check == "posture.quota.dormant_capacity" && x.Scope == "/subscriptions/"+testSub {
			if x.Status != posture.NotAssessed || !strings.Contains(x.Summary, "Microsoft.Compute/virtualMachines/read") {
				t.Errorf("want not assessed naming the permission, got %s: %s", x.Status, x.Summary)
			}
			return
		}
	}
	t.Error("no finding for the subscription")
}
