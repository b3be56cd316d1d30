package network

import (
	"fmt"
	"strings"
	"testing"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

// nsgRecord builds a version 2 NSG record with n tuples in two rules, the
// way a busy NIC's minute of flows looks.
func nsgRecord(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"time":"2025-03-01T10:01:00.1234567Z","systemId":"6f1c0d1e-1111-4222-8333-444455556666","macAddress":"000D3A1B2C3D","category":"NetworkSecurityGroupFlowEvent","resourceId":"` + nsgID + `","operationName":"NetworkSecurityGroupFlowEvents","properties":{"Version":2,"flows":[`)
	for r := range 2 {
		if r > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"rule":"UserRule_%d","flows":[{"mac":"000D3A1B2C3D","flowTuples":[`, r)
		for i := r; i < n; i += 2 {
			if i > 1 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"%d,10.20.%d.%d,203.0.113.%d,%d,443,T,O,A,E,%d,%d,%d,%d"`,
				1740823200+i, i/250, i%250+1, i%200+1, 30000+i, i+3, 1500*i+60, i+1, 900*i+60)
		}
		b.WriteString(`]}]}`)
	}
	b.WriteString(`]}}`)
	return []byte(b.String())
}

func TestNSGRecordFixture(t *testing.T) {
	t.Parallel()
	v := fastjson.MustParseBytes(nsgRecord(50))
	var sc record.Scratch
	evs, err := Decode(&sc, v, shapeNSG, nil)
	if err != nil || len(evs) != 50 {
		t.Fatalf("%d events, %v", len(evs), err)
	}
}

// BenchmarkDecode measures an NSG record of 50 tuples: Decode alone (the
// decoder's own cost) and with the parse and Detect every record also pays.
func BenchmarkDecode(b *testing.B) {
	data := nsgRecord(50)
	const tuples = 50
	report := func(b *testing.B) {
		b.ReportMetric(float64(b.N)*tuples/b.Elapsed().Seconds(), "tuples/s")
	}
	b.Run("nsg50/decode", func(b *testing.B) {
		v := fastjson.MustParseBytes(data)
		var sc record.Scratch
		evs := make([]event.Event, 0, tuples)
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			sc.Reset()
			var err error
			if evs, err = Decode(&sc, v, shapeNSG, evs[:0]); err != nil || len(evs) != tuples {
				b.Fatal(len(evs), err)
			}
		}
		report(b)
	})
	b.Run("nsg50/parse+detect+decode", func(b *testing.B) {
		var p fastjson.Parser
		var sc record.Scratch
		evs := make([]event.Event, 0, tuples)
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			v, err := p.ParseBytes(data)
			if err != nil {
				b.Fatal(err)
			}
			shape, _ := Detect(v, record.Hint{Format: "json"})
			sc.Reset()
			if evs, err = Decode(&sc, v, shape, evs[:0]); err != nil || len(evs) != tuples {
				b.Fatal(len(evs), err)
			}
		}
		report(b)
	})
}

// Detect runs on every record of every family: it must not allocate.
// Decode allocates per record (the shared flows, the resource id), never
// per tuple.
func TestAllocations(t *testing.T) {
	v := fastjson.MustParseBytes(nsgRecord(50))
	other := fastjson.MustParse(`{"time":"2025-03-01T10:00:00Z","category":"Administrative","operationName":"x","resourceId":"/subscriptions/x","properties":{"a":1}}`)
	h := record.Hint{Format: "json"}
	if n := testing.AllocsPerRun(100, func() { Detect(v, h); Detect(other, h) }); n != 0 {
		t.Errorf("Detect allocates %.0f times", n)
	}
	var sc record.Scratch
	evs := make([]event.Event, 0, 50)
	n := testing.AllocsPerRun(100, func() {
		sc.Reset()
		evs, _ = Decode(&sc, v, shapeNSG, evs[:0])
	})
	if n > 10 {
		t.Errorf("Decode of 50 tuples allocates %.0f times: per tuple, not per record", n)
	}
}
