package hunt

import (
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/incident"
)

// TestCreatedLogKeepsEveryFieldThroughItsFile: creates held in memory and
// written to the temporary file come back whole and in order, picked by
// tenant, principal and the spans of their incidents, and the file goes
// with close.
func TestCreatedLogKeepsEveryFieldThroughItsFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l := &createdLog{parent: dir, memory: 512} // a file after a few creates
	var want, wantEve []incident.Created
	at := time.Date(2026, 11, 3, 4, 5, 6, 789, time.UTC)
	for i := range 200 {
		who := []string{fmt.Sprintf("oid-%d", i%7), "mallory@contoso.example"}
		if i%3 == 0 {
			who = []string{"eve@contoso.example"}
		}
		c := incident.Created{Tenant: fmt.Sprintf("tenant-%d", i%2), Time: at.Add(time.Duration(i) * time.Second), Principals: who,
			Compute: alert.Compute{Service: "vmss", Size: "Standard_ND96asr_v4", Count: i - 3, Region: "eastus", Spot: i%2 == 0,
				Resource:  fmt.Sprintf("/subscriptions/s/resourcegroups/rg/providers/microsoft.compute/virtualmachinescalesets/ｍｉｎｅｒ-%d", i),
				Operation: fmt.Sprintf("corr-%d", i), CountNote: "autoscale formula"}}
		if i == 5 {
			c.Time = time.Time{} // a create whose time no record gave
		}
		l.add(c)
		want = append(want, c)
		if i%3 == 0 && c.Tenant == "tenant-0" && (i >= 30 && i <= 100 || i >= 150) {
			wantEve = append(wantEve, c)
		}
	}
	if l.f == nil || len(l.buf) >= 512 {
		t.Fatalf("200 creates past a 512-byte budget: file %v, %d bytes held", l.f != nil, len(l.buf))
	}
	got, err := l.of(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("of(nil): %d creates, want %d; first %+v, want %+v", len(got), len(want), got[0], want[0])
	}
	eve, err := l.of(pricedBy(map[[2]string][]incident.Span{{"tenant-0", "eve@contoso.example"}: {{From: at.Add(30 * time.Second), To: at.Add(100 * time.Second)}, {From: at.Add(150 * time.Second), To: at.Add(time.Hour)}}}))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(eve, wantEve) {
		t.Errorf("eve's creates in tenant-0 within her incidents' spans: %d, want %d", len(eve), len(wantEve))
	}
	l.close()
	if left, _ := filepath.Glob(filepath.Join(dir, "*")); len(left) != 0 {
		t.Errorf("files left after close: %v", left)
	}
}

// TestCreatedLogSaysWhenItCannotKeep: a folder that cannot hold the file
// fails the read back with a reason, not a silent short list.
func TestCreatedLogSaysWhenItCannotKeep(t *testing.T) {
	t.Parallel()
	l := &createdLog{parent: filepath.Join(t.TempDir(), "gone"), memory: 1}
	l.add(incident.Created{Tenant: "t", Principals: []string{"p"}})
	if _, err := l.of(nil); err == nil {
		t.Fatal("no error for creates that could not be kept")
	}
}

// FuzzCreatedRecord: whatever the temporary file holds, decoding it
// neither panics nor accepts a cut record.
func FuzzCreatedRecord(f *testing.F) {
	l := &createdLog{}
	l.add(incident.Created{Tenant: "t", Time: time.Unix(1, 2), Principals: []string{"a", "b"}, Compute: alert.Compute{Size: "s", Count: 3}})
	f.Add(l.rec)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, rec []byte) {
		var key []byte
		c, ok := decodeCreated(rec, nil, &key)
		if ok != (c != nil) {
			t.Fatalf("ok %v with create %v", ok, c)
		}
		if ok && len(rec) < 10 {
			t.Fatalf("%d bytes decoded as a create", len(rec))
		}
	})
}
