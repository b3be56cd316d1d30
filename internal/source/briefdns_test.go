package source

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mamori-sec/mamori/internal/event"
)

// The text reader of firewall DNS lookups (network.BriefDNS, BriefDNSIn,
// worker.records) must read every record it takes as the full path
// (parse, envelope, classify, Decode) reads it: the same events (Raw
// aside), the same statistics, the same glances asked in the same order.

// dnsRecord is an AZFWDnsQuery diagnostic record as Azure writes it to an
// Event Hub; name, code, ip and msg are its query name, response code,
// client and error message.
func dnsRecord(name, code, ip, msg string) string {
	return `{"category":"AZFWDnsQuery","operationName":"AZFWDnsQuery","properties":{"DnssecOkBit":false,"EDNS0BufferSize":512,` +
		`"ErrorMessage":"` + msg + `","ErrorNumber":0,"Protocol":"udp","QueryClass":"IN","QueryId":1808,"QueryName":"` + name +
		`","QueryType":"A","RequestDurationSecs":0.039094,"RequestSize":61,"ResponseCode":"` + code +
		`","ResponseFlags":"qr,rd,ra","ResponseSize":117,"SourceIp":"` + ip + `","SourcePort":56165},` +
		`"resourceId":"/SUBSCRIPTIONS/FF3B5424-FA1C-4575-BD43-3A93D520F2D6/RESOURCEGROUPS/HUB/PROVIDERS/MICROSOFT.NETWORK/AZUREFIREWALLS/FW",` +
		`"time":"2026-03-23T17:00:02.1670000Z"}`
}

// dnsWants are the hunts the comparison runs under: one that wants
// nothing, one that wants the lookups of pool-like names and failures
// (and what the picky Activity Log hunt wants).
var dnsWants = []event.Wants{
	func(*event.Glance) bool { return false },
	func(g *event.Glance) bool {
		if g.Kind == event.KindDNS {
			return strings.Contains(g.Query, "pool") || g.Outcome == event.OutcomeFailed
		}
		return wantsCases[1].wants(g)
	},
}

// dnsLines returns envelope lines and single records: lookups wanted and
// not, other kinds of record, and every way a record can differ from what
// the text reader takes.
func dnsLines(t testing.TB) []string {
	ok := dnsRecord("download.pytorch.org.", "NOERROR", "10.21.3.31", "")
	pool := dnsRecord("xmr-eu1.nanopool.org.", "NOERROR", "10.21.3.32", "")
	records := []string{
		ok, pool,
		dnsRecord("nx.example.", "NXDOMAIN", "10.21.3.33", ""),
		dnsRecord("up.example.", "SERVFAIL", "", "read udp 10.0.1.5:49126->168.63.129.160:53: i/o timeout"),
		dnsRecord(" Mixed.Case.Example. ", "noerror", "10.21.3.34:5353", "  "),
		dnsRecord("", "NOERROR", "10.21.3.35", ""),                                // the full path's error
		dnsRecord("esc\\u0061ped.example.", "NOERROR", "10.21.3.36", ""),          // an escape in a value
		strings.Replace(ok, `"QueryName"`, `"queryName"`, 1),                      // another spelling
		strings.Replace(ok, `"ResponseCode":"NOERROR"`, `"ResponseCode":null`, 1), // not a string
		strings.Replace(ok, `"SourcePort":56165}`, `"SourcePort":56165,"QueryName":"twice.example."}`, 1),
		strings.Replace(ok, `"ErrorNumber":0,`, `"ErrorNumber":0,"msg":"DNS Request: 10.1.0.4:60137 - 46023 A IN pool.example. udp 63 false 512 NOERROR qr,rd,ra 313 0.009424664s",`, 1),
		strings.Replace(ok, `"category":"AZFWDnsQuery"`, `"category":"azfwdnsquery"`, 1),
		strings.Replace(ok, `"category":"AZFWDnsQuery",`, ``, 1),
		strings.Replace(ok, `"time":"2026-03-23T17:00:02.1670000Z"`, `"time":"yesterday"`, 1),
		strings.Replace(ok, `"time":"2026-03-23T17:00:02.1670000Z"`, `"Time":"2026-03-23T17:00:02.1670000Z"`, 1),
		strings.Replace(ok, `"operationName"`, `"tenantId":"ABCDEF01-0000-0000-0000-000000000001","operationName"`, 1),
		strings.Replace(ok, `"operationName"`, `"TenantId":"x","operationName"`, 1),
		strings.Replace(ok, `"operationName"`, `"records":[],"operationName"`, 1),
		strings.Replace(ok, `"properties":{`, `"properties":{"QueryNam\u0065":"hidden.example.",`, 1),
		strings.Replace(ok, `"properties":{`, `"properties":{"Qu\u00e9ryName":"hidden.example.",`, 1),
		strings.Replace(ok, `"properties":{`, `"properties" : { `, 1),
		strings.Replace(ok, `"DnssecOkBit":false`, `"DnssecOkBit":fals`, 1), // invalid JSON
		// The key's members, as record.Int reads them: a string, a
		// fraction, an exponent, out of range, null, absent, another
		// spelling, twice, not a number.
		strings.Replace(ok, `"SourcePort":56165`, `"SourcePort":" 56165 "`, 1),
		strings.Replace(ok, `"SourcePort":56165`, `"SourcePort":56165.9`, 1),
		strings.Replace(ok, `"QueryId":1808`, `"QueryId":1.808e3`, 1),
		strings.Replace(ok, `"SourcePort":56165`, `"SourcePort":-1`, 1),
		strings.Replace(ok, `"SourcePort":56165`, `"SourcePort":99999999999999999999`, 1),
		strings.Replace(ok, `"SourcePort":56165`, `"SourcePort":null`, 1),
		strings.Replace(ok, `,"SourcePort":56165`, ``, 1),
		strings.Replace(ok, `"SourcePort":56165`, `"sourcePort":56165`, 1),
		strings.Replace(ok, `"QueryId":1808`, `"QueryId":1808,"QueryId":1809`, 1),
		strings.Replace(ok, `"QueryId":1808`, `"QueryId":true`, 1),
		strings.Replace(ok, `"QueryType":"A"`, `"QueryType":"aaaa"`, 1),
		strings.Replace(ok, `"QueryType":"A"`, `"QueryType":28`, 1),
		`"a string"`, `[]`, `{}`, `{"category":"AZFWNetworkRule","time":"2026-03-23T17:00:02Z","properties":{"msg":"TCP request from 10.0.0.4:1 to 1.2.3.4:443. Action: Allow"}}`,
	}
	for _, l := range benchLines(t, 16<<10, 21)[:4] {
		records = append(records, string(l))
	}
	var out []string
	out = append(out, records...)
	// Envelope lines: all the records; each alone; the ordinary lookups
	// fifty to a line, as Azure writes them; and broken envelopes.
	out = append(out, `{"records":[`+strings.Join(records, ",")+`]}`)
	for _, r := range records {
		out = append(out, `{"records":[`+r+`]}`)
	}
	many := make([]string, 50)
	for i := range many {
		many[i] = dnsRecord(fmt.Sprintf("host%d.example.", i), "NOERROR", fmt.Sprintf("10.0.%d.4", i), "")
	}
	many[17] = pool
	out = append(out,
		`{"records":[`+strings.Join(many, ",")+`]}`,
		`{"records":[]}`, `{"records":[ `+ok+` , `+pool+` ] }`, `{ "records" : [`+ok+`]}`, `{"records": [`+ok+`,`+pool+`]}`,
		`{"records":[`+ok+`,`+pool+`],"value":[`+ok+`]}`, // another member: the full path's choice
		`{"records":[`+ok+`,`+pool+`]`, `{"records":[`+ok+`,`+pool+`]}}`, `{"records":[`+ok+`,]}`,
		`{"records":[`+ok+`,{"a":1}]}`, `{"records":[`+ok+`,"x",3,null]}`, `{"records":{}}`,
	)
	// The real structured sample, when the shared data is at hand.
	if b, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "data", "samples", "elastic-integrations", "azure_firewall_AZFWDnsQuery_structured.ndjson")); err == nil {
		for _, l := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
			out = append(out, string(l), `{"records":[`+string(l)+`]}`)
		}
	}
	return out
}

// How readDNSLine reads.
const (
	viaFull = iota // the full way
	viaLine        // as lines does: brief, then records, then the full way
	viaSpan        // as span does a record a document holds
)

// readDNSLine reads a line one way. It reports whether the text readers
// took it, whole or record by record (viaLine only).
func readDNSLine(line []byte, wants event.Wants, via int) (r lineResult, took bool) {
	w := &worker{t: newTally(), file: "f.jsonl"}
	w.h = func(_ int, ev *event.Event) {
		e := *ev
		e.Raw, e.RawText = nil, nil
		r.events = append(r.events, e)
	}
	w.sc.Wants = func(g *event.Glance) bool {
		r.glance = append(r.glance, *g)
		return wants(g)
	}
	loc := event.Location{File: w.file, Line: 3, Offset: 99}
	switch via {
	case viaFull:
		w.record(line, loc, jsonHint, false)
		r.t = w.t
		return r, false
	case viaSpan:
		w.span(line, span{line: loc.Line, off: loc.Offset, hint: jsonHint})
		r.t = w.t
		return r, false
	}
	took = w.line(line, loc, false)
	r.t = w.t
	return r, took
}

// compareDNSLine fails t unless reading line as lines does gives what the
// full path gives; it reports whether the text readers took it.
func compareDNSLine(t *testing.T, line []byte, wants event.Wants) bool {
	t.Helper()
	full, _ := readDNSLine(line, wants, viaFull)
	fast, took := readDNSLine(line, wants, viaLine)
	doc, _ := readDNSLine(line, wants, viaSpan)
	all, _, _ := readLine(line, nil, false)
	for _, got := range []lineResult{fast, doc} {
		sameRead(t, line, full, got)
		if full.t.skipped == 0 {
			sameKeys(t, line, all, got)
		}
		// A line the full path cannot parse asks nothing; the text readers
		// may have asked of the records before the fault. An Activity Log
		// line BriefLine gives up on after asking (no resource id: its
		// subscription is the authorization's scope, which the full path
		// reads) is asked the same question again, by the full path.
		g := got.glance
		if len(g) == len(full.glance)+1 && len(g) > 1 && reflect.DeepEqual(g[0], g[1]) {
			g = g[1:]
		}
		if full.t.skipped == 0 && !reflect.DeepEqual(full.glance, g) {
			t.Fatalf("glances differ:\nfull %+v\nfast %+v\n%.400s", full.glance, got.glance, line)
		}
	}
	return took
}

// TestDNSLookupsReadFromText compares the two ways on every line, and
// checks that the text readers take the lines they should: ordinary
// lookups, alone and fifty to an envelope, but no broken envelope.
func TestDNSLookupsReadFromText(t *testing.T) {
	t.Parallel()
	lines := dnsLines(t)
	for _, wants := range dnsWants {
		took := 0
		for _, l := range lines {
			if compareDNSLine(t, []byte(l), wants) {
				took++
			}
		}
		if took < 10 {
			t.Errorf("%d of %d lines taken by the text readers, want at least 10", took, len(lines))
		}
	}
	activity := string(benchLines(t, 16<<10, 21)[0])
	for _, c := range []struct {
		line string
		took bool
	}{
		{`{"records":[` + activity + `,` + activity + `]}`, true}, // an Event Hub message of Activity Log records
		{dnsRecord("download.pytorch.org.", "NOERROR", "10.21.3.31", ""), true},
		{`{"records":[` + dnsRecord("a.example.", "NOERROR", "10.0.0.1", "") + `,` + dnsRecord("b.example.", "NOERROR", "10.0.0.2", "") + `]}`, true},
		{`{"records":[` + dnsRecord("a.example.", "NOERROR", "10.0.0.1", "") + `]`, false},
		{`{"records":[],"value":[]}`, false},
		{`{ "records" : [ ` + dnsRecord("a.example.", "NOERROR", "10.0.0.1", "") + ` ] }`, true},
		// More records than records keeps: parsed whole.
		{`{"records":[` + strings.Repeat(dnsRecord("a.example.", "NOERROR", "10.0.0.1", "")+`,`, maxElems) + `{}]}`, false},
		{`{"records":[` + strings.Repeat(dnsRecord("a.example.", "NOERROR", "10.0.0.1", "")+`,`, maxElems-1) + `{}]}`, true},
		// Not starting with a lookup (a flow log's envelope): parsed whole.
		{`{"records":[{"category":"FlowLogFlowEvent","time":"2026-03-01T02:00:00Z"},` + dnsRecord("a.example.", "NOERROR", "10.0.0.1", "") + `]}`, false},
	} {
		if _, took := readDNSLine([]byte(c.line), dnsWants[0], viaLine); took != c.took {
			t.Errorf("taken %v, want %v: %.200s", took, c.took, c.line)
		}
	}
}

// FuzzDNSLine checks the text readers of DNS lookups and envelopes against
// the full path on any line.
func FuzzDNSLine(f *testing.F) {
	for _, l := range dnsLines(f) {
		f.Add([]byte(l))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			return
		}
		for _, wants := range dnsWants {
			compareDNSLine(t, line, wants)
		}
	})
}

// BenchmarkDNSLookups reads a firewall DNS log's envelope lines (fifty
// lookups each, one a pool's) as a hunt that wants only pool lookups:
// record by record from the text (text), and parsed whole, each lookup
// decoded (tree).
func BenchmarkDNSLookups(b *testing.B) {
	var lines [][]byte
	n := 0
	for l := range 64 {
		recs := make([]string, 50)
		for i := range recs {
			recs[i] = dnsRecord(fmt.Sprintf("host%d-%d.example.", l, i), "NOERROR", fmt.Sprintf("10.%d.%d.4", l, i), "")
		}
		recs[l%50] = dnsRecord("xmr-eu1.nanopool.org.", "NOERROR", "10.9.9.9", "")
		lines = append(lines, []byte(`{"records":[`+strings.Join(recs, ",")+`]}`))
		n += len(lines[l])
	}
	wants := dnsWants[1]
	for _, via := range []struct {
		name string
		way  int
	}{{"text", viaLine}, {"tree", viaFull}} {
		b.Run(via.name, func(b *testing.B) {
			w := &worker{t: newTally(), file: "f.jsonl"}
			w.sc.Wants = wants
			loc := event.Location{File: w.file, Line: 1}
			b.SetBytes(int64(n))
			for b.Loop() {
				for _, l := range lines {
					if via.way == viaFull {
						w.record(l, loc, jsonHint, false)
					} else if !w.records(l, recordsStart(l), loc, jsonHint) {
						b.Fatal("not read record by record")
					}
				}
			}
		})
	}
}
