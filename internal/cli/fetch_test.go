package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/posture/azure"
	"github.com/mamori-sec/mamori/internal/posture/capture"
)

// fetch refuses, before signing in to Azure, what it cannot do: no
// folder, one that holds files, a span or a subscription that is not one.
func TestFetchUsage(t *testing.T) {
	t.Parallel()
	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "0001.json"), []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "--out DIR: where to write the logs"},
		{[]string{"--out", full}, "holds files already"},
		{[]string{"--out", t.TempDir(), "--since", "soon"}, `--since "soon": a span`},
		{[]string{"--out", t.TempDir(), "--subscription", "prod"}, `--subscription "prod": not a subscription's id`},
		{[]string{"--out", t.TempDir(), "--workspace", "sentinel-prod"}, `--workspace "sentinel-prod": not a workspace's id (a GUID`},
		{[]string{"--out", t.TempDir(), "logs"}, `unexpected argument "logs"`},
	} {
		code, _, errs := run(t, "", append([]string{"fetch"}, c.args...)...)
		if code != ExitUsage || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, %q; want %q", c.args, code, errs, c.want)
		}
	}
}

// What fetch says of its reads: each log's pages, why one was not read
// and what it needs, and the hunt to run; nothing read is a failure.
func TestWriteFetched(t *testing.T) {
	const sub = "00000000-0000-0000-0000-00000000000a"
	reads := []azure.LogRead{
		{Log: azure.LogActivity, Subscription: sub, Pages: 3, Status: capture.OK},
		{Log: azure.LogTenantActivity, Status: capture.Denied, Error: "HTTP 403 AuthorizationFailed", Permission: "a role at /"},
		{Log: azure.LogSignIns, Status: capture.Absent, Error: "the tenant has no Entra ID P1/P2 licence: HTTP 403 \x1b[31m"},
		{Log: azure.LogAudits, Pages: 1, Status: capture.OK},
		{Log: azure.LogWorkspace + "SigninLogs", Subscription: sub, Pages: 90, Status: capture.OK},
	}
	var out, errs strings.Builder
	from, until := time.Date(2026, 10, 30, 17, 0, 0, 0, time.UTC), time.Date(2026, 11, 29, 17, 0, 0, 0, time.UTC)
	if !writeFetched(&out, &errs, reads, "case-42", from, until) {
		t.Fatal("pages read, reported as nothing")
	}
	for _, want := range []string{
		"mamori fetch: Activity Log of subscription " + sub + ": 3 pages\n",
		"mamori fetch: the tenant's Activity Log: denied (0 pages): HTTP 403 AuthorizationFailed; it needs a role at /\n",
		"mamori fetch: Entra ID sign-ins of users: absent (0 pages): the tenant has no Entra ID P1/P2 licence: HTTP 403 \\x1b[31m\n",
		"mamori fetch: Entra ID directory audits: 1 page\n",
		"mamori fetch: table SigninLogs of workspace " + sub + ": 90 pages\n",
	} {
		if !strings.Contains(errs.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs.String())
		}
	}
	if want := "94 pages of logs from 2026-10-30 17:00 to 2026-11-29 17:00 UTC in case-42; hunt them with:\n  mamori hunt case-42\n"; out.String() != want {
		t.Errorf("stdout %q, want %q", out.String(), want)
	}
	errs.Reset()
	if writeFetched(&out, &errs, reads[1:3], "case-42", from, until) || !strings.Contains(errs.String(), "nothing was read") {
		t.Errorf("nothing read: %q", errs.String())
	}
}

// doctor says, log by log, what fetch can read and what the others need.
func TestWriteFetchAbilities(t *testing.T) {
	var b strings.Builder
	writeFetchAbilities(&b, []azure.LogRead{
		{Log: azure.LogActivity, Subscription: "00000000-0000-0000-0000-00000000000a", Pages: 1, Status: capture.OK},
		{Log: azure.LogTenantActivity, Status: capture.Denied, Error: "HTTP 403", Permission: "a role at /"},
		{Log: azure.LogSignIns, Status: capture.Absent, Error: "the tenant has no Entra ID P1/P2 licence"},
	})
	for _, want := range []string{
		"\nmamori fetch (the logs themselves, read from Azure):\n",
		"  Activity Log of subscription 00000000-0000-0000-0000-00000000000a  ok",
		"  the tenant's Activity Log                                          MISSING  a role at /\n",
		"  Entra ID sign-ins of users                                         absent   the tenant has no Entra ID P1/P2 licence\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("lacks %q:\n%s", want, b.String())
		}
	}
}
