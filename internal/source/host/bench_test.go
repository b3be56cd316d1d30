package host

import (
	"testing"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
	"github.com/valyala/fastjson"
)

// BenchmarkDecodeMDEStreaming measures the hot path: Detect and Decode of
// one parsed streaming record.
func BenchmarkDecodeMDEStreaming(b *testing.B) {
	v := fastjson.MustParse(fixtureLines(b, "mde_streaming.ndjson")[0])
	var sc record.Scratch
	out := make([]event.Event, 0, 1)
	b.ReportAllocs()
	for b.Loop() {
		shape, _ := Detect(v, jsonHint)
		out, _ = Decode(&sc, v, shape, out[:0])
		sc.Reset()
	}
}

// BenchmarkDetectForeignRecord measures what this family costs every
// record of another family the switchboard offers it.
func BenchmarkDetectForeignRecord(b *testing.B) {
	v := fastjson.MustParse(`{"time":"2024-01-01T00:00:00Z","resourceId":"/SUBSCRIPTIONS/X","operationName":"MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE","category":"Administrative","resultType":"Success","callerIpAddress":"203.0.113.1","correlationId":"c","identity":{},"level":"Information","location":"global","properties":{}}`)
	b.ReportAllocs()
	for b.Loop() {
		Detect(v, jsonHint)
	}
}

// BenchmarkSplitAuditd measures the text path over the interleaved fixture.
func BenchmarkSplitAuditd(b *testing.B) {
	text := fixture(b, "auditd_interleaved.log")
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		split(b, SplitAuditd, text)
	}
}

// BenchmarkDecodeWindows measures Detect and Decode of one parsed row of
// each Windows table: a SecurityEvent 4688, a logon the same table holds
// many more of (read, no event), and Sysmon's ProcessCreate in Event (its
// XML parsed) and WindowsEvent.
func BenchmarkDecodeWindows(b *testing.B) {
	for _, bb := range []struct{ name, rec string }{
		{"securityevent-4688", seRow(nil)},
		{"securityevent-4624", seRow(map[string]string{"EventID": "4624"})},
		{"sysmon-event", eventRow(1, "Microsoft-Windows-Sysmon")},
		{"sysmon-windowsevent", windowsEventRow(1, false)},
	} {
		b.Run(bb.name, func(b *testing.B) {
			v := fastjson.MustParse(bb.rec)
			var sc record.Scratch
			out := make([]event.Event, 0, 1)
			b.SetBytes(int64(len(bb.rec)))
			b.ReportAllocs()
			for b.Loop() {
				shape, _ := Detect(v, jsonHint)
				out, _ = Decode(&sc, v, shape, out[:0])
				sc.Reset()
			}
		})
	}
}
