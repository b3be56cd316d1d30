package cli

import (
	"encoding/json"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mamori-sec/mamori/internal/posture/azure"
	"github.com/mamori-sec/mamori/internal/posture/capture"
	"github.com/mamori-sec/mamori/internal/report"
)

// serve notes each --fetch tenant's reads in the store: `mamori status`
// lists them, says which fails and why, exits 3 once one has failed for
// longer than --failing, and no longer once it reads again; a customer's
// check (--tenant) sees its own tenant's reader only. serve tells its
// webhook once when a reader has failed for longer than its --failing,
// and once when it reads again.
func TestStatusSaysWhichReaderFails(t *testing.T) {
	// t1 is the tenant its record names, which the store then follows.
	const t1, t2 = "72f9acbf-0000-4c1e-9e5a-0a1b2c3d4e5f", "0badf00d-1234-4abc-8def-00000000cafe"
	const refused = "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value"
	ok := []azure.LogRead{{Log: azure.LogActivity, Subscription: "5c3f0e2a-8d1b-4b7e-9f60-1a2b3c4d5e6f", Status: capture.OK},
		{Log: azure.LogSignIns, Status: capture.Denied, Error: "Authorization_RequestDenied", Permission: "AuditLog.Read.All"}}
	a := &fakeAzure{pages: [][]string{{restRecord(t, "rest_role_assignment_owner.json")}}, reads: ok, refuse: map[string]error{t2: errors.New(refused)}}
	was := liveLogs
	liveLogs = a.fetch
	t.Cleanup(func() { liveLogs = was })
	db, folder := filepath.Join(t.TempDir(), "m.db"), t.TempDir()
	url, posts := receiver(t, nil)
	serveOnce := func() string {
		t.Helper()
		code, _, errs := run(t, "", "serve", "--once", "--store", db, "--data-dir", t.TempDir(), "--fetch", "--fetch-tenant", t1+","+t2,
			"--failing", "1ns", "--notify", url, "--notify-format", "json", folder)
		if code != ExitOK {
			t.Fatalf("serve: exit %d: %s", code, errs)
		}
		return errs
	}
	told := func(want string) {
		t.Helper()
		var got []string
		for _, p := range posts() {
			var m struct {
				Failing []struct{ Reader, Said string }
				Mended  []string `json:"reading_again"`
			}
			if err := json.Unmarshal([]byte(p), &m); err != nil {
				t.Fatal(err)
			}
			for _, f := range m.Failing {
				got = append(got, "failing "+f.Reader+": "+f.Said)
			}
			for _, r := range m.Mended {
				got = append(got, "reading again "+r)
			}
		}
		if strings.Join(got, "\n") != want {
			t.Errorf("told\n%s\nwant\n%s", strings.Join(got, "\n"), want)
		}
	}
	status := func(args ...string) (int, string) {
		t.Helper()
		code, out, errs := run(t, "", append([]string{"status", "--store", db}, args...)...)
		if code == ExitError || code == ExitUsage {
			t.Fatalf("status %v: exit %d: %s", args, code, errs)
		}
		return code, out
	}
	if errs := serveOnce(); !strings.Contains(errs, "mamori serve: failing: fetch of tenant "+t2+": its reads have failed since ") {
		t.Errorf("serve said no failing reader:\n%s", errs)
	}
	told("failing fetch of tenant " + t2 + ": " + refused)
	code, out := status("--format", "json")
	var st report.StoreStatus
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatal(err)
	}
	if code != ExitOK || len(st.Readers) != 2 {
		t.Fatalf("status: exit %d, readers %+v", code, st.Readers)
	}
	for _, r := range st.Readers {
		switch r.Source {
		case t1: // read whole: a log it may not read is said, not failing
			if r.Kind != "fetch" || r.Read != 1 || !r.FailingSince.IsZero() || r.LastWhole.IsZero() || r.Failing || !strings.Contains(r.Said, "AuditLog.Read.All") {
				t.Errorf("tenant 1's reader: %+v", r)
			}
		case t2:
			if r.Read != 0 || r.FailingSince.IsZero() || !r.LastWhole.IsZero() || r.Failing || r.Said != refused {
				t.Errorf("tenant 2's reader, failing within --failing: %+v", r)
			}
		default:
			t.Errorf("a reader of %q", r.Source)
		}
	}
	code, out = status("--failing", "1ms")
	if code != ExitFindings || !strings.Contains(out, "\n  fetch of tenant "+t2+": failing since ") || !strings.Contains(out, refused) ||
		strings.Contains(out, "fetch of tenant "+t1+": failing") {
		t.Errorf("past --failing: exit %d\n%s", code, out)
	}
	code, out = status("--failing", "1ms", "--tenant", t1)
	if code != ExitOK || !strings.Contains(out, "fetch of tenant "+t1) || strings.Contains(out, t2) {
		t.Errorf("tenant 1's check: exit %d\n%s", code, out)
	}
	// Failing still: told once.
	serveOnce()
	told("failing fetch of tenant " + t2 + ": " + refused)
	// The secret mended: tenant 2 reads again, and is failing no more.
	a.refuse = nil
	if errs := serveOnce(); !strings.Contains(errs, "mamori serve: reading again: fetch of tenant "+t2) {
		t.Errorf("serve said no reader reading again:\n%s", errs)
	}
	told("failing fetch of tenant " + t2 + ": " + refused + "\nreading again fetch of tenant " + t2)
	if code, out = status("--failing", "1ms"); code != ExitOK || strings.Contains(out, "FAILING") || strings.Contains(out, "failing since") {
		t.Errorf("mended: exit %d\n%s", code, out)
	}
}

// A reader's failing that the receiver did not take is held for it: the
// next cycle tells it, though nothing new failed, and status says it is
// held meanwhile; once told, it is not told again.
func TestReaderNewsHeldForTheReceiver(t *testing.T) {
	const t1 = "72f9acbf-0000-4c1e-9e5a-0a1b2c3d4e5f"
	const refused = "AADSTS7000215: Invalid client secret provided."
	a := &fakeAzure{refuse: map[string]error{t1: errors.New(refused)}}
	was := liveLogs
	liveLogs = a.fetch
	t.Cleanup(func() { liveLogs = was })
	db, folder := filepath.Join(t.TempDir(), "m.db"), t.TempDir()
	url, posts := receiver(t, func(n int) int {
		if n == 1 {
			return http.StatusForbidden
		}
		return 0
	})
	serveOnce := func() string {
		t.Helper()
		code, _, errs := run(t, "", "serve", "--once", "--store", db, "--data-dir", t.TempDir(), "--fetch", "--fetch-tenant", t1,
			"--failing", "1ns", "--notify", url, "--notify-format", "json", folder)
		if code != ExitOK {
			t.Fatalf("serve: exit %d: %s", code, errs)
		}
		return errs
	}
	failingTold := func(p string) bool {
		var m struct {
			Failing []struct{ Reader, Said string }
		}
		if err := json.Unmarshal([]byte(p), &m); err != nil {
			t.Fatal(err)
		}
		return len(m.Failing) == 1 && m.Failing[0].Reader == "fetch of tenant "+t1 && m.Failing[0].Said == refused
	}
	if errs := serveOnce(); !strings.Contains(errs, "not told: the webhook answered 403 Forbidden; news of 1 log or reader held for the next cycle") {
		t.Fatalf("the refused post:\n%s", errs)
	}
	if got := posts(); len(got) != 1 || !failingTold(got[0]) {
		t.Fatalf("posts %q", got)
	}
	code, out, _ := run(t, "", "status", "--store", db, "--failing", "0")
	if code != ExitFindings || !strings.Contains(out, "NOT TOLD: news of 1 log or reader held for serve's --notify since ") {
		t.Errorf("status while held: exit %d\n%s", code, out)
	}
	_, out, _ = run(t, "", "status", "--store", db, "--failing", "0", "--format", "json")
	var st report.StoreStatus
	if err := json.Unmarshal([]byte(out), &st); err != nil || st.NewsHeld != 1 || st.NewsHeldSince.IsZero() {
		t.Errorf("status --format json: %d held since %v (%v)", st.NewsHeld, st.NewsHeldSince, err)
	}
	serveOnce()
	if got := posts(); len(got) != 2 || !failingTold(got[1]) {
		t.Fatalf("the next cycle told %q; want the held news", got)
	}
	serveOnce()
	if got := posts(); len(got) != 2 {
		t.Errorf("told again: %q", got[2:])
	}
	if code, out, _ := run(t, "", "status", "--store", db, "--failing", "0"); code != ExitOK || strings.Contains(out, "NOT TOLD") {
		t.Errorf("status once told: exit %d\n%s", code, out)
	}
}
