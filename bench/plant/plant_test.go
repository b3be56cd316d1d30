package main

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// noise is an ordinary record none of the five detections may match.
const noise = `{"time":"2026-03-01T00:00:00Z","resourceId":"/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.STORAGE/STORAGEACCOUNTS/A","operationName":"MICROSOFT.STORAGE/STORAGEACCOUNTS/LISTKEYS/ACTION","resultType":"Success","properties":{"message":"x"}}`

// rec is what the reference matcher reads of a diagnostic record.
type rec struct {
	Op         string `json:"operationName"`
	Result     string `json:"resultType"`
	ResourceID string `json:"resourceId"`
	Properties struct {
		Body string `json:"requestbody"`
	} `json:"properties"`
}

var (
	gpuFamily = regexp.MustCompile(`(?i)/quotas/\s*(standard\s*)?n[cdgv][^/]*$`)
	gpuSize   = regexp.MustCompile(`(?i)"(vmSize|name)"\s*:\s*"standard_n[cdgv]`)
)

// match is the filters of docs/performance.md ("Side by side"), written
// again here, apart from the jq, SQL and Sigma versions: the rule a record
// fires, "" for none.
func match(r rec) string {
	op := strings.ToLower(r.Op)
	ok := r.Result != "Failure"
	switch {
	case op == "microsoft.authorization/elevateaccess/action" && ok:
		return ruleElevate
	case op == "microsoft.authorization/roleassignments/write" &&
		strings.Contains(r.Properties.Body, roleOwner) &&
		!strings.Contains(strings.ToLower(r.ResourceID), "/resourcegroups/"):
		return ruleOwner
	case op == "microsoft.quota/quotas/write" && gpuFamily.MatchString(r.ResourceID):
		return ruleQuota
	case (op == "microsoft.compute/virtualmachines/write" || op == "microsoft.compute/virtualmachinescalesets/write") &&
		ok && gpuSize.MatchString(r.Properties.Body):
		return ruleGPUVM
	case (op == "microsoft.subscription/updatetenant/action" || op == "microsoft.subscription/changetenantrequest/write") && ok:
		return ruleMove
	}
	return ""
}

func TestInterleaveCountsWhatTheFiltersFind(t *testing.T) {
	t.Parallel()
	// 95 noise lines, a plant after every third: 31 planted records, three
	// full cycles of ten (three hits per rule, 15 decoys) and one more hit
	// of the first rule.
	in := strings.Repeat(noise+"\n", 95)
	var out bytes.Buffer
	c, err := Interleave(strings.NewReader(in), &out, 3, 7)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{ruleElevate: 4, ruleOwner: 3, ruleQuota: 3, ruleGPUVM: 3, ruleMove: 3}
	for rule, n := range want {
		if c.Hits[rule] != n {
			t.Errorf("Counts.Hits[%s] = %d, want %d", rule, c.Hits[rule], n)
		}
	}
	if c.Decoys != 15 || c.Lines != 126 {
		t.Errorf("Counts = %d decoys, %d lines; want 15, 126", c.Decoys, c.Lines)
	}

	// Every line is one JSON record; the filters find exactly the counted
	// hits, and the noise comes through unchanged and in order.
	found := map[string]int{}
	var kept []string
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != c.Lines {
		t.Fatalf("wrote %d lines, counted %d", len(lines), c.Lines)
	}
	for i, l := range lines {
		var r rec
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("line %d is not JSON: %v\n%s", i+1, err, l)
		}
		if l == noise {
			kept = append(kept, l)
			if m := match(r); m != "" {
				t.Errorf("line %d: noise matched %s", i+1, m)
			}
			continue
		}
		if (i+1)%4 != 0 {
			t.Errorf("line %d: a planted record where noise was expected", i+1)
		}
		if m := match(r); m != "" {
			found[m]++
		}
	}
	if len(kept) != 95 {
		t.Errorf("kept %d noise lines, want 95", len(kept))
	}
	for rule, n := range want {
		if found[rule] != n {
			t.Errorf("the filters find %d %s, want %d", found[rule], rule, n)
		}
	}
}

func TestInterleaveEdges(t *testing.T) {
	t.Parallel()
	long := `{"operationName":"` + strings.Repeat("x", 3<<20) + `"}`
	tests := []struct {
		name      string
		in        string
		every     int
		wantLines int
		wantOut   string // the output without its planted records, "" to skip
	}{
		{"empty input plants nothing", "", 1, 0, ""},
		{"last line without newline gets one", noise + "\n" + noise, 5, 2, noise + "\n" + noise + "\n"},
		{"line longer than the read buffer is copied whole", long + "\n" + noise + "\n", 5, 2, long + "\n" + noise + "\n"},
		{"plant after every line", noise + "\n" + noise + "\n", 1, 4, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			c, err := Interleave(strings.NewReader(tt.in), &out, tt.every, 1)
			if err != nil {
				t.Fatal(err)
			}
			if c.Lines != tt.wantLines || strings.Count(out.String(), "\n") != tt.wantLines {
				t.Errorf("lines: counted %d, wrote %d, want %d", c.Lines, strings.Count(out.String(), "\n"), tt.wantLines)
			}
			if tt.wantOut != "" && out.String() != tt.wantOut {
				t.Errorf("output differs from the input (%d bytes, want %d)", out.Len(), len(tt.wantOut))
			}
		})
	}
}

func TestInterleaveRejectsEveryBelowOne(t *testing.T) {
	t.Parallel()
	if _, err := Interleave(strings.NewReader(noise), &bytes.Buffer{}, 0, 1); err == nil {
		t.Error("Interleave with every 0: no error")
	}
}

func TestInterleaveIsDeterministic(t *testing.T) {
	t.Parallel()
	in := strings.Repeat(noise+"\n", 40)
	var a, b bytes.Buffer
	if _, err := Interleave(strings.NewReader(in), &a, 2, 9); err != nil {
		t.Fatal(err)
	}
	if _, err := Interleave(strings.NewReader(in), &b, 2, 9); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("the same input and seed wrote different bytes")
	}
}
