package source

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mamori-sec/mamori/internal/benchdata"
	"github.com/mamori-sec/mamori/internal/event"
)

// The text reader of brief lines (activitylog.BriefLine, worker.brief)
// must say exactly what the full path (parse, envelope, classify, Decode)
// says about every line it takes: the same event (Raw aside, which only
// the full path has), the same statistics, the same glance given to
// Wants. Lines it does not take go the full path, so only what it takes
// is compared; the tests also check it takes the lines it should.

// wantsCases are the hunts the comparison runs under: one that wants
// nothing (every line it can read briefly), and one that wants by
// operation, outcome and address the way the catalogue's tests do.
// What a variant expects of the fast path.
const (
	takeEither = iota
	takeSome
	takeNever
)

var wantsCases = []struct {
	name  string
	wants event.Wants
}{
	{"nothing", func(*event.Glance) bool { return false }},
	{"picky", func(g *event.Glance) bool {
		return strings.HasSuffix(g.Operation, "/write") || g.Outcome == event.OutcomeFailed ||
			g.SourceIP.IsValid() && netip.MustParsePrefix("198.51.100.0/25").Contains(g.SourceIP)
	}},
}

// lineResult is what one way of reading a line handed on.
type lineResult struct {
	events []event.Event
	glance []event.Glance
	t      *tally
}

// readLine reads line the full way (fast false) or as lines does (fast
// true): by BriefLine (taken reports whether it did), else, when it found
// the hunt wants the line (wanted), the full way without asking Wants
// again. A nil wants reads every line in full, as a hunt with DecodeAll.
func readLine(line []byte, wants event.Wants, fast bool) (r lineResult, taken, wanted bool) {
	w := &worker{t: newTally(), file: "f.jsonl"}
	w.h = func(_ int, ev *event.Event) {
		e := *ev
		e.Raw = nil
		r.events = append(r.events, e)
	}
	if wants != nil {
		w.sc.Wants = func(g *event.Glance) bool {
			r.glance = append(r.glance, *g)
			return wants(g)
		}
	}
	loc := event.Location{File: w.file, Line: 7, Offset: 1234}
	if fast {
		if taken, wanted = w.brief(line, loc); wanted {
			w.recordKnown(line, loc, jsonHint, false, true)
		}
	} else {
		w.record(line, loc, jsonHint, false)
	}
	r.t = w.t
	return r, taken, wanted
}

// compareLine fails t unless the fast path, when it takes line, agrees
// with the full one; it reports whether it took it. A line the fast path
// finds wanted must read as the full path reads it with nothing narrowed
// (DecodeAll), Wants asked once.
func compareLine(t *testing.T, line []byte, wants event.Wants) bool {
	t.Helper()
	fast, taken, wanted := readLine(line, wants, true)
	if wanted {
		if len(fast.glance) != 1 {
			t.Fatalf("wanted, yet Wants asked %d times\n%.300s", len(fast.glance), line)
		}
		all, _, _ := readLine(line, nil, false)
		sameRead(t, line, all, fast)
		return false
	}
	if !taken {
		if len(fast.events) != 0 || fast.t.records != 0 || fast.t.events != 0 || len(fast.t.shapes) != 0 {
			t.Fatalf("line not taken, yet counted or handed on: %+v\n%s", fast, line)
		}
		return false
	}
	full, _, _ := readLine(line, wants, false)
	// RawText is cleared after the handler returns on the fast path, and
	// is the line itself on both while it runs.
	if len(full.events) != 1 || len(fast.events) != 1 {
		t.Fatalf("full path: %d events, fast: %d\n%s", len(full.events), len(fast.events), line)
	}
	if !full.events[0].Brief {
		t.Fatalf("taken, but the full path reads it in full\n%s", line)
	}
	if !reflect.DeepEqual(full.glance, fast.glance) {
		t.Fatalf("glances differ:\nfull %+v\nfast %+v\n%s", full.glance, fast.glance, line)
	}
	sameRead(t, line, full, fast)
	all, _, _ := readLine(line, nil, false)
	sameKeys(t, line, all, fast)
	return true
}

// sameKeys fails t unless each brief event of fast carries the key
// (event.RecordKey) of the event decoded in full from the same record
// (all): a record read briefly from one export and in full from another
// is one record read twice.
func sameKeys(t *testing.T, line []byte, all, fast lineResult) {
	t.Helper()
	if len(all.events) != len(fast.events) {
		t.Fatalf("decoded in full: %d events, briefly: %d\n%.300s", len(all.events), len(fast.events), line)
	}
	var buf []byte
	for i, e := range fast.events {
		if !e.Brief {
			continue
		}
		if want := event.RecordKey(&all.events[i], &buf); e.Key != want {
			t.Fatalf("event %d: brief key %x, in full %x\n%.300s", i, e.Key, want, line)
		}
	}
}

// sameRead fails t unless two ways of reading line handed on the same
// events and counted the same.
func sameRead(t *testing.T, line []byte, full, fast lineResult) {
	t.Helper()
	if !reflect.DeepEqual(full.events, fast.events) {
		t.Fatalf("events differ:\nfull %+v\nfast %+v\n%s", full.events, fast.events, line)
	}
	ft, bt := full.t, fast.t
	if ft.records != bt.records || ft.events != bt.events || ft.skipped != bt.skipped ||
		!reflect.DeepEqual(ft.shapes, bt.shapes) || !reflect.DeepEqual(ft.ignored, bt.ignored) ||
		!reflect.DeepEqual(ft.reasons, bt.reasons) || !reflect.DeepEqual(ft.errs, bt.errs) {
		t.Fatalf("tallies differ:\nfull %+v\nfast %+v\n%s", *ft, *bt, line)
	}
}

// benchLines returns about size bytes of the benchmark's records, a line
// each.
func benchLines(t testing.TB, size int64, seed uint64) [][]byte {
	var buf bytes.Buffer
	if _, err := benchdata.Write(&buf, size, seed, 50); err != nil {
		t.Fatal(err)
	}
	return bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
}

// fixtureLines returns the Activity Log fixtures as JSON lines.
func fixtureLines(t testing.TB) [][]byte {
	var out [][]byte
	for _, l := range compacted(t, filepath.Join("activitylog", "testdata", "*.json")) {
		out = append(out, []byte(l))
	}
	return out
}

// compacted returns the JSON files matching pattern, one line each; it
// fails t when there are none.
func compacted(t testing.TB, pattern string) []string {
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		t.Fatal("no fixtures", pattern, err)
	}
	var out []string
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var c bytes.Buffer
		if err := json.Compact(&c, data); err != nil {
			t.Fatal(name, err)
		}
		out = append(out, c.String())
	}
	return out
}

// variants are rewrites of a diagnostic record that the fast path must
// either read as the full path does or leave to it: names in other cases,
// duplicates, nulls, white space, escapes, other shapes' names, invalid
// JSON. Each says whether the fast path takes it (on some of the lines,
// when the hunt wants nothing): taken, never (another shape, an error, not
// JSON by fastjson or by the grammar), or either (the full path reads it
// briefly, the fast one leaves what it cannot follow cheaply).
var variants = []struct {
	take int
	edit func(string) string
}{
	{takeSome, func(s string) string { return s }},
	{takeNever, func(s string) string {
		return strings.Replace(s, `"category":"Administrative"`, `"category":"Administrative","category":"Write"`, 1)
	}},
	{takeNever, func(s string) string {
		return strings.Replace(s, `"category":"Administrative"`, `"category":"administrative"`, 1)
	}},
	{takeSome, func(s string) string {
		return strings.Replace(s, `"category":"Administrative"`, `"category":"Policy"`, 1)
	}},
	{takeNever, func(s string) string { return strings.Replace(s, `"category":"Administrative"`, `"category":null`, 1) }},
	{takeNever, func(s string) string { return strings.Replace(s, `"category":"Administrative",`, ``, 1) }},
	{takeSome, func(s string) string { return strings.Replace(s, `"operationName":`, `"OperationName":`, 1) }},
	{takeSome, func(s string) string {
		return strings.Replace(s, `"operationName":`, `"operationName":null,"OPERATIONNAME":`, 1)
	}},
	{takeSome, func(s string) string {
		return strings.Replace(s, `"operationName":`, `"operationName":"x/y/write","operationname":`, 1)
	}},
	{takeSome, func(s string) string { return strings.Replace(s, `"operationName":"`, `"operationName":" `, 1) }},
	{takeNever, func(s string) string {
		return strings.Replace(s, `"operationName":"`, `"operationName":"Microsoft.Network/publicIPAddresses/write","x":"`, 1)
	}},
	{takeEither, func(s string) string { return strings.Replace(s, `"operationName":"`, `"operationName":"\u004d`, 1) }},
	{takeEither, func(s string) string {
		return strings.Replace(s, `"operationName":`, `"operationName":{"value":"a/b/action"},"x":`, 1)
	}},
	{takeSome, func(s string) string { return strings.Replace(s, `"time":`, `"Time":`, 1) }},
	{takeNever, func(s string) string { return strings.Replace(s, `"time":"`, `"time":"bad`, 1) }},
	{takeNever, func(s string) string { return strings.Replace(s, `"time":"`, `"time":null,"time2":"`, 1) }},
	{takeNever, func(s string) string { return strings.Replace(s, `"time":`, `"time":1700000000,"t":`, 1) }},
	{takeSome, func(s string) string {
		return strings.Replace(s, `"resultType":"Failure"`, `"resultType":"failure"`, 1)
	}},
	{takeSome, func(s string) string { return strings.Replace(s, `"resultType":"`, `"resultType":" Odd `, 1) }},
	{takeSome, func(s string) string {
		return strings.Replace(s, `"resultType":`, `"resultType":null,"RESULTTYPE":`, 1)
	}},
	{takeNever, func(s string) string { return strings.Replace(s, `"resultType":`, `"resultType":7,"x":`, 1) }},
	{takeSome, func(s string) string {
		return strings.Replace(s, `"callerIpAddress":"`, `"callerIpAddress":"not an address`, 1)
	}},
	{takeSome, func(s string) string { return strings.Replace(s, `"callerIpAddress":"`, `"callerIpAddress":" `, 1) }},
	{takeSome, func(s string) string {
		return strings.Replace(s, `"callerIpAddress":"`, `"callerIpAddress":"20.1.2.3","x":"`, 1)
	}},
	{takeSome, func(s string) string { return strings.Replace(s, `"callerIpAddress":`, `"CallerIpAddress":`, 1) }},
	{takeSome, func(s string) string { return strings.Replace(s, `"callerIpAddress":`, `"c":`, 1) }},
	{takeSome, func(s string) string {
		return strings.Replace(s, `"callerIpAddress":"`, `"callerIpAddress":"","x":"`, 1)
	}},
	{takeSome, func(s string) string { return strings.Replace(s, `"ipaddr":"`, `"IPADDR":null,"ipaddr":"`, 1) }},
	{takeSome, func(s string) string {
		return strings.Replace(strings.Replace(s, `"callerIpAddress":`, `"c":`, 1), `"ipaddr":"`, `"IpAddr":"`, 1)
	}},
	{takeEither, func(s string) string {
		return strings.Replace(strings.Replace(s, `"callerIpAddress":`, `"c":`, 1), `"ipaddr":"`, `"ipaddr":7,"x":"`, 1)
	}},
	{takeSome, func(s string) string { return strings.Replace(s, `"identity":{`, `"tenantId":"T-1","identity":{`, 1) }},
	{takeSome, func(s string) string { return strings.Replace(s, `"identity":{`, `"tenantId":"","identity":{`, 1) }},
	{takeNever, func(s string) string { return strings.Replace(s, `"identity":{`, `"tenantId":5,"identity":{`, 1) }},
	{takeSome, func(s string) string { return strings.Replace(s, `"identity":{`, `"identity":null,"Identity":{`, 1) }},
	{takeEither, func(s string) string { return strings.Replace(s, `"claims":{`, `"Claims":{`, 1) }},
	{takeSome, func(s string) string {
		return strings.Replace(s, `"claims":{`, `"Claims":{"tid":"other"},"claims":{`, 1)
	}},
	{takeEither, func(s string) string {
		return strings.Replace(s, `"claims":{`, `"cl\u0061ims":{"tid":"other"},"claims":{`, 1)
	}},
	{takeEither, func(s string) string { return strings.Replace(s, `"claims":{`, `"claimſ":{"tid":"other"},"x":{`, 1) }},
	{takeSome, func(s string) string { return strings.Replace(s, `"claims":{`, `"claims":null,"x":{`, 1) }},
	{takeSome, func(s string) string { return strings.Replace(s, `"claims":{`, `"claims":[],"x":{`, 1) }},
	{takeEither, func(s string) string { return strings.Replace(s, `"identity":{`, `"identity":"{}","x":{`, 1) }},
	{takeEither, func(s string) string {
		return strings.Replace(s, `"identity":{`, `"identity":"{\"claims\":{\"tid\":\"other\",\"ipaddr\":\"20.1.1.1\"}}","x":{`, 1)
	}},
	{takeEither, func(s string) string {
		return strings.Replace(s, `"claims":{`, `"claims":"{\"tid\":\"other\",\"ipaddr\":\"20.1.1.1\"}","x":{`, 1)
	}},
	{takeSome, func(s string) string { return strings.Replace(s, `"identity":{`, `"identity":[1],"x":{`, 1) }},
	{takeSome, func(s string) string { return strings.Replace(s, `"identity":{`, `"identity":{},"x":{`, 1) }},
	{takeSome, func(s string) string { return strings.Replace(s, `"claims":{`, `"claims":{"TID":"first",`, 1) }},
	{takeEither, func(s string) string {
		return strings.Replace(s, `"claims":{`, `"claims":{"tid":null,"t\u0069d":"esc",`, 1)
	}},
	{takeEither, func(s string) string { return strings.Replace(s, `"claims":{`, `"claims":{"tid":"a\"b",`, 1) }},
	{takeEither, func(s string) string { return strings.Replace(s, `"claims":{`, `"claims":{"tid":["x"],`, 1) }},
	{takeSome, func(s string) string {
		return strings.Replace(s, "http://schemas.microsoft.com/identity/claims/tenantid", "HTTP://schemas.microsoft.com/identity/claims/TENANTID", 1)
	}},
	{takeNever, func(s string) string { return strings.Replace(s, `"level":`, `"Type":"AzureActivity","level":`, 1) }},
	{takeNever, func(s string) string {
		return strings.Replace(s, `"level":`, `"eventTimestamp":"2026-01-01T00:00:00Z","level":`, 1)
	}},
	{takeNever, func(s string) string { return strings.Replace(s, `"level":`, `"OperationNameValue":"x","level":`, 1) }},
	{takeNever, func(s string) string { return strings.Replace(s, `"level":`, `"records":[],"level":`, 1) }},
	{takeNever, func(s string) string { return strings.Replace(s, `"level":`, `"value":1,"level":`, 1) }},
	{takeNever, func(s string) string {
		return strings.Replace(s, `"level":`, `"responses":{"200":{"body":{}}},"level":`, 1)
	}},
	{takeNever, func(s string) string { return strings.Replace(s, `"level":`, `"le\u0076el":`, 1) }},
	{takeSome, func(s string) string {
		return strings.Replace(s, `"level":`, `"a":[1,-2.5e+3,true,false,null,{},[],{"b":[{}]}],"level":`, 1)
	}},
	{takeNever, func(s string) string { return strings.Replace(s, `"level":`, `"a":01,"level":`, 1) }},
	{takeNever, func(s string) string { return strings.Replace(s, `"level":`, `"a":1.,"level":`, 1) }},
	{takeNever, func(s string) string { return strings.Replace(s, `"level":`, `"a":-,"level":`, 1) }},
	{takeNever, func(s string) string { return strings.Replace(s, `"level":`, `"a":NaN,"level":`, 1) }},
	{takeNever, func(s string) string { return strings.Replace(s, `"level":`, `"a":tru,"level":`, 1) }},
	{takeSome, func(s string) string { return strings.Replace(s, `"level":`, `"a":"q\"u\\\\\"o\\\\","level":`, 1) }},
	{takeNever, func(s string) string { return strings.Replace(s, `"level":`, `"a":"q\","level":`, 1) }},
	{takeNever, func(s string) string { return strings.Replace(s, `"level":`, `"a":"q\\\","level":`, 1) }},
	// fastjson reads bad escapes and control bytes as they are.
	{takeSome, func(s string) string { return strings.Replace(s, `"level":`, `"a":"\x","level":`, 1) }},
	{takeSome, func(s string) string { return strings.Replace(s, `"level":`, "\"a\":\"\t\",\"level\":", 1) }},
	{takeSome, func(s string) string { return strings.Replace(s, `"level":`, `"a":"\ud83d\ude00 ok","level":`, 1) }},
	{takeSome, func(s string) string { return strings.Replace(s, `"level":`, "\"a\":\"\xff\xfe\",\"level\":", 1) }},
	{takeNever, func(s string) string {
		return strings.Replace(s, `"level":`, `"a":`+strings.Repeat("[", 70)+strings.Repeat("]", 70)+`,"level":`, 1)
	}},
	{takeSome, func(s string) string { return strings.ReplaceAll(s, `,"`, " ,\t\"") }},
	{takeSome, func(s string) string { return strings.ReplaceAll(s, `":`, "\" :\r\n") }},
	{takeSome, func(s string) string { return strings.ReplaceAll(s, `{`, "{ ") }},
	{takeSome, func(s string) string { return s + " " }},
	{takeNever, func(s string) string { return s + "x" }},
	{takeNever, func(s string) string { return s + "}" }},
	{takeNever, func(s string) string { return s[:len(s)-1] }},
	{takeNever, func(s string) string { return s[:len(s)/2] }},
	{takeNever, func(s string) string { return "[" + s + "]" }},
	// Records joined on a line (a cut one before a whole one, two whole
	// ones): never one brief record; the full path reads them (joined).
	{takeNever, func(s string) string { return s[:len(s)/2] + s }},
	{takeNever, func(s string) string { return s + s }},
	{takeNever, func(s string) string { return `{"records":[` + s + `]}` }},
	// No correlation id: the record is known by its eventDataId, which
	// its properties may hold, so the full path keys it.
	{takeNever, func(s string) string { return strings.Replace(s, `"correlationId":`, `"correlation":`, 1) }},
	{takeNever, func(s string) string { return strings.Replace(s, `"correlationId":`, `"correlationId":null,"c":`, 1) }},
}

func TestBriefLineAgreesWithFullPath(t *testing.T) {
	t.Parallel()
	lines := benchLines(t, 1<<20, 3)
	for _, wc := range wantsCases {
		taken := 0
		for _, l := range lines {
			if compareLine(t, l, wc.wants) {
				taken++
			}
		}
		// Everything but the public IP writes reads briefly when nothing is
		// wanted; the picky hunt still leaves a good part.
		if min := len(lines) / 10; taken < min {
			t.Errorf("%s: %d of %d lines taken, want at least %d", wc.name, taken, len(lines), min)
		}
		t.Logf("%s: %d of %d lines taken", wc.name, taken, len(lines))
		for _, l := range fixtureLines(t) {
			compareLine(t, l, wc.wants)
		}
	}
}

// TestWantedLinesAskOnce checks that a line of a real shape BriefLine
// finds wanted is one the full path would read in full too, on the same
// glance: skipping the full path's own question (worker.wanted) loses no
// brief read. (On lines of other shapes the two may see different
// members; reading those in full is only slower.)
func TestWantedLinesAskOnce(t *testing.T) {
	t.Parallel()
	lines := append(benchLines(t, 1<<20, 4), fixtureLines(t)...)
	wanted := 0
	for _, l := range lines {
		fast, _, w := readLine(l, wantsCases[1].wants, true)
		if !w {
			continue
		}
		wanted++
		full, _, _ := readLine(l, wantsCases[1].wants, false)
		if !reflect.DeepEqual(full.glance, fast.glance) {
			t.Fatalf("glances differ:\nfull %.300v\nfast %.300v\n%.300s", full.glance, fast.glance, l)
		}
		if len(full.events) != 1 || full.events[0].Brief {
			t.Fatalf("found wanted, yet the full path reads it briefly\n%.300s", l)
		}
	}
	if wanted < len(lines)/10 {
		t.Errorf("%d of %d lines found wanted, want at least a tenth", wanted, len(lines))
	}
	t.Logf("%d of %d lines found wanted", wanted, len(lines))
}

func TestBriefLineVariants(t *testing.T) {
	t.Parallel()
	lines := benchLines(t, 64<<10, 5)
	if len(lines) > 12 {
		lines = lines[:12]
	}
	got := make([]int, len(variants))
	for _, l := range lines {
		for i, v := range variants {
			for _, wc := range wantsCases {
				if compareLine(t, []byte(v.edit(string(l))), wc.wants) {
					got[i]++
				}
			}
		}
	}
	for i, v := range variants {
		if v.take == takeSome && got[i] == 0 || v.take == takeNever && got[i] != 0 {
			t.Errorf("variant %d taken %d times, want %s: %.300s", i, got[i], map[int]string{takeSome: "some", takeNever: "none"}[v.take], v.edit(string(lines[0])))
		}
	}
}

// TestBriefLineEveryCategory checks that each category classify sends
// straight to the Activity Log is one the fast path takes.
func TestBriefLineEveryCategory(t *testing.T) {
	t.Parallel()
	l := string(benchLines(t, 8<<10, 7)[0])
	n := 0
	for c, fam := range byCategory {
		if fam.name != activityFamily.name {
			continue
		}
		n++
		line := strings.Replace(l, `"category":"Administrative"`, `"category":"`+c+`"`, 1)
		if !compareLine(t, []byte(line), wantsCases[0].wants) {
			t.Errorf("category %s not taken", c)
		}
	}
	if n == 0 {
		t.Error("no category is sent straight to the Activity Log")
	}
}

// TestBriefLineTakesTheFile reads a file both ways through Read and
// compares the statistics and what the handler saw.
func TestBriefLineTakesTheFile(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if _, err := benchdata.Write(&buf, 4<<20, 9, 100); err != nil {
		t.Fatal(err)
	}
	buf.WriteString("{\"time\":\"2026-01-01T00:00:00Z\",\"operationName\":\"a/b/delete\",\"category\":\"Write\",\"x\":tru}\n")
	p := filepath.Join(t.TempDir(), "al.jsonl")
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	wants := wantsCases[1].wants
	read := func(brief bool) (*FileStats, map[int]string) {
		seen := map[int]string{}
		var mu = make(chan struct{}, 1)
		opt := Options{Workers: 2}
		if brief {
			opt.Wants = wants
		}
		st := Read(t.Context(), []Input{fileInput(p)}, opt, func(_ int, ev *event.Event) {
			mu <- struct{}{}
			seen[ev.Loc.Line] = ev.Time.String() + ev.Tenant + ev.Operation + ev.Status + ev.Outcome.String()
			<-mu
		})
		return st[0], seen
	}
	full, fseen := read(false)
	brief, bseen := read(true)
	if full.Records != brief.Records || full.Events != brief.Events || full.Skipped != brief.Skipped ||
		!reflect.DeepEqual(full.Shapes, brief.Shapes) || !reflect.DeepEqual(full.Reasons, brief.Reasons) ||
		!reflect.DeepEqual(full.Errors, brief.Errors) {
		t.Fatalf("statistics differ:\nfull  %+v\nbrief %+v", full, brief)
	}
	if full.Skipped != 1 {
		t.Errorf("the invalid line: %d skipped, want 1 (%v)", full.Skipped, full.Errors)
	}
	if !reflect.DeepEqual(fseen, bseen) {
		t.Error("events differ")
	}
}

// FuzzBriefLine checks the fast path against the full one on any line.
func FuzzBriefLine(f *testing.F) {
	for _, l := range benchLines(f, 32<<10, 11)[:6] {
		for _, v := range variants {
			f.Add([]byte(v.edit(string(l))))
		}
	}
	for _, l := range fixtureLines(f) {
		f.Add(l)
	}
	sc := bufio.NewScanner(strings.NewReader(`{"time":"2026-03-02T00:00:01Z","operationName":"a/b/action","category":"Action","resultType":"Success","identity":{"claims":{"tid":"T","ipaddr":"20.38.1.1"}}}
{"time":"2026-03-02T00:00:01Z","operationName":"a/b/action","category":"Delete","resultType":"Start","callerIpAddress":"198.51.100.1","tenantId":"t"}`))
	for sc.Scan() {
		f.Add([]byte(sc.Text()))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		for _, wc := range wantsCases {
			compareLine(t, line, wc.wants)
		}
	})
}
