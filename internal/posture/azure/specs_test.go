package azure

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/mamori-sec/mamori/internal/posture/capture"
	"github.com/mamori-sec/mamori/internal/samples"
)

// specBody returns the 200 response body of an azure-rest-api-specs example
// from the shared data (MIT; see its SOURCES.md), or skips without it.
func specBody(t *testing.T, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(samples.File(t, "api-responses/azure-rest-api-specs/"+name))
	if err != nil {
		t.Fatal(err)
	}
	var ex struct {
		Responses map[string]struct {
			Body json.RawMessage `json:"body"`
		} `json:"responses"`
	}
	if err := json.Unmarshal(raw, &ex); err != nil {
		t.Fatal(err)
	}
	return ex.Responses["200"].Body
}

// TestSpecExamplesAreKeptAsServed serves the REST specs' own examples of
// security contacts and compute usages through the SDK clients and checks
// that the capture holds them unchanged.
func TestSpecExamplesAreKeptAsServed(t *testing.T) {
	t.Parallel()
	contacts := specBody(t, "security_GetSecurityContactsSubscription_2023-12-01-preview.json")
	// The usages example's nextLink is a placeholder, not a URL; drop it
	// so the listing ends after the example page.
	var usages map[string]json.RawMessage
	if err := json.Unmarshal(specBody(t, "compute_Usage_List_MaximumSet_Gen_2024-07-01.json"), &usages); err != nil {
		t.Fatal(err)
	}
	delete(usages, "nextLink")
	usagesBody, _ := json.Marshal(usages)
	f := newFakes(t)
	f.intercept = func(w http.ResponseWriter, r *http.Request) bool {
		switch {
		case strings.HasSuffix(r.URL.Path, "/securityContacts"):
			w.Write(contacts)
		case strings.HasSuffix(r.URL.Path, "/locations/eastus/usages"):
			w.Write(usagesBody)
		default:
			return false
		}
		return true
	}
	c, _, _ := collectWith(t, f)
	for key, want := range map[string][]byte{
		capture.Key(capture.KeySecurityContacts, testSub):        contacts,
		capture.Key(capture.KeyComputeUsages, testSub, "eastus"): usagesBody,
	} {
		ds := c.Datasets[key]
		if ds.Status != capture.OK || len(ds.Pages) != 1 || string(ds.Pages[0]) != string(want) {
			t.Errorf("%s: %s, %d pages (%s); want the example kept as served", key, ds.Status, len(ds.Pages), ds.Error)
		}
	}
}
