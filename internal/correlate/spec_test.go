package correlate

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mamori-sec/mamori/internal/sigma"
)

// readSpec parses a file of testdata/spec, adding stub detections.
func readSpecFile(t *testing.T, name string, stubs ...string) (corrs, dets []*sigma.Rule) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "spec", name))
	if err != nil {
		t.Fatal(err)
	}
	return parse(t, string(b), stubs...)
}

// TestSpecExamples compiles every correlation example of the
// specification, with stubs for the detection rules it leaves out.
func TestSpecExamples(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file    string
		stubs   []string
		feature string // UnsupportedError expected
		needs   map[string][]string
	}{
		{file: "event_count.yml", stubs: []string{"5638f7c0-ac70-491d-8465-2a65075e0d86"},
			needs: map[string][]string{"5638f7c0-ac70-491d-8465-2a65075e0d86": {"ComputerName"}}},
		{file: "value_count.yml", stubs: []string{"5638f7c0-ac70-491d-8465-2a65075e0d86"},
			needs: map[string][]string{"5638f7c0-ac70-491d-8465-2a65075e0d86": {"ComputerName", "User", "WorkstationName"}}},
		{file: "temporal.yml", stubs: []string{"recon_cmd_a", "recon_cmd_b", "recon_cmd_c"},
			needs: map[string][]string{"recon_cmd_b": {"ComputerName", "User"}}},
		{file: "temporal_ordered.yml", stubs: []string{"recon_cmd_a", "recon_cmd_b", "recon_cmd_c"},
			needs: map[string][]string{"recon_cmd_c": {"ComputerName", "User"}}},
		{file: "value_sum.yml", stubs: []string{"website_access"},
			needs: map[string][]string{"website_access": {"SourceIP", "User", "bytes_sent"}}},
		{file: "value_avg.yml", stubs: []string{"rule_a_id"},
			needs: map[string][]string{"rule_a_id": {"BytesOut", "SourceIP", "User"}}},
		{file: "value_percentile.yml", stubs: []string{"process_creation"}, feature: "value_percentile without percentile"},
		{file: "aliases.yml",
			needs: map[string][]string{"internal_error": {"destination.ip", "source.ip"}, "new_network_connection": {"destination.ip", "source.ip"}}},
		{file: "brute_force.yml",
			needs: map[string][]string{"failed_login": {"User"}, "successful_login": {"User"}, "multiple_failed_login": nil}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			corrs, dets := readSpecFile(t, tc.file, tc.stubs...)
			s, err := Compile(corrs, dets)
			if tc.feature != "" {
				var ue *sigma.UnsupportedError
				if !errors.As(err, &ue) || ue.Feature != tc.feature {
					t.Fatalf("error %v, want unsupported %q", err, tc.feature)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Rules()) != len(corrs) {
				t.Errorf("%d correlations compiled, want %d", len(s.Rules()), len(corrs))
			}
			for rule, want := range tc.needs {
				if got := s.Needs(rule); !slices.Equal(got, want) {
					t.Errorf("Needs(%q) = %q, want %q", rule, got, want)
				}
			}
		})
	}
}

// TestSpecBruteForce runs the specification's complete example: ten
// failed logins of a user, then a success, within ten minutes.
func TestSpecBruteForce(t *testing.T) {
	t.Parallel()
	corrs, dets := readSpecFile(t, "brute_force.yml")
	s, err := Compile(corrs, dets)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{"failed_login", "successful_login", "53ba33fd-3a50-4468-a5ef-c583635cfa92"} {
		if !s.Silent(r) {
			t.Errorf("%s makes alerts of its own; the correlations do not generate", r)
		}
	}
	login := func(rule string, d time.Duration, ref int, user string) Match {
		ids := map[string]string{"failed_login": "53ba33fd-3a50-4468-a5ef-c583635cfa92", "successful_login": "4d0a2c83-c62c-4ed4-b475-c7e23a9269b8"}
		return Match{Rule: rule, RuleID: ids[rule], Time: t0.Add(d), Tenant: "t1", Ref: ref, Fields: map[string][]string{"User": {user}}}
	}
	var attack []Match
	for i := range 12 {
		attack = append(attack, login("failed_login", time.Duration(i)*10*time.Second, i, "alice"))
	}
	attack = append(attack, login("successful_login", 3*time.Minute, 12, "alice"))
	tests := []struct {
		name string
		ms   []Match
		want []string
	}{
		{name: "twelve failures then a success fire the outer rule only", ms: attack,
			want: []string{`Correlation - Multiple Failed Logins Followed by Successful Login "User"="alice", n=2 v=2 0s..3m0s`}},
		{name: "a success before the failures stays quiet",
			ms: append(slices.Clone(attack[:12]), login("successful_login", -time.Minute, 12, "alice"))},
		{name: "nine failures then a success stay quiet", ms: append(slices.Clone(attack[:9]), attack[12])},
		{name: "another user's success stays quiet", ms: append(slices.Clone(attack[:12]), login("successful_login", 3*time.Minute, 12, "bob"))},
		{name: "a success eleven minutes after the tenth failure stays quiet",
			ms: append(slices.Clone(attack[:10]), login("successful_login", 90*time.Second+11*time.Minute, 12, "alice"))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs := s.Process(tc.ms, Options{})
			got := brief(fs)
			for i := range got {
				got[i] = fs[i].Title + got[i][len(fs[i].Rule):]
			}
			if diff := cmp.Diff(tc.want, got); len(tc.want)+len(got) > 0 && diff != "" {
				t.Errorf("fires (-want +got):\n%s", diff)
			}
			if len(fs) == 1 {
				// Members: the ten failures that triggered, then the success.
				want := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12}
				if !slices.Equal(fs[0].Members, want) || fs[0].Level != "high" {
					t.Errorf("members %v level %q, want %v high", fs[0].Members, fs[0].Level, want)
				}
			}
		})
	}
}

// TestSpecAliases runs the aliases example: an internal error and a new
// connection with the addresses swapped.
func TestSpecAliases(t *testing.T) {
	t.Parallel()
	corrs, dets := readSpecFile(t, "aliases.yml")
	s, err := Compile(corrs, dets)
	if err != nil {
		t.Fatal(err)
	}
	at := func(rule string, d time.Duration, ref int, src, dst string) Match {
		return Match{Rule: rule, Time: t0.Add(d), Tenant: "t1", Ref: ref,
			Fields: map[string][]string{"source.ip": {src}, "destination.ip": {dst}}}
	}
	tests := []struct {
		name string
		ms   []Match
		want []string
	}{
		{name: "an error then a connection with the addresses swapped fire",
			ms:   []Match{at("internal_error", 0, 0, "198.51.100.7", "10.0.0.5"), at("new_network_connection", 5*time.Second, 1, "10.0.0.5", "198.51.100.7")},
			want: []string{` "internal_ip"="10.0.0.5","remote_ip"="198.51.100.7", n=2 v=2 0s..5s`}},
		{name: "the same addresses not swapped stay quiet",
			ms: []Match{at("internal_error", 0, 0, "198.51.100.7", "10.0.0.5"), at("new_network_connection", 5*time.Second, 1, "198.51.100.7", "10.0.0.5")}},
		{name: "eleven seconds apart stay quiet",
			ms: []Match{at("internal_error", 0, 0, "198.51.100.7", "10.0.0.5"), at("new_network_connection", 11*time.Second, 1, "10.0.0.5", "198.51.100.7")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := brief(s.Process(tc.ms, Options{}))
			if len(tc.want)+len(got) > 0 {
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("fires (-want +got):\n%s", diff)
				}
			}
		})
	}
}
