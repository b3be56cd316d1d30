package network

import (
	"strings"
	"testing"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

var allShapes = []string{shapeNSG, shapeVNet, shapeFirewall, shapeDNS, shapeTraffic}

// FuzzDecode feeds arbitrary JSON to Detect and to every decoder (not only
// the detected one: each must survive any record). Invariants: no panic,
// every event has a UTC time, its kind, its shape and its payload.
func FuzzDecode(f *testing.F) {
	for _, c := range decodeCases {
		f.Add([]byte(c.rec), c.hint.Format == "csv")
	}
	f.Fuzz(func(t *testing.T, data []byte, csv bool) {
		var p fastjson.Parser
		v, err := p.ParseBytes(data)
		if err != nil {
			return
		}
		h := record.Hint{Format: "json"}
		if csv {
			h = record.Hint{Format: "csv", Table: "AzureNetworkAnalytics_CL"}
		}
		Detect(v, h)
		var sc record.Scratch
		for _, shape := range allShapes {
			sc.Reset()
			evs, err := Decode(&sc, v, shape, nil)
			for i := range evs {
				checkEvent(t, &evs[i], shape, err)
			}
		}
	})
}

func checkEvent(t *testing.T, e *event.Event, shape string, err error) {
	t.Helper()
	if e.Time.IsZero() || e.Time.Location().String() != "UTC" || e.Time.Year() > 9999 {
		t.Fatalf("%s: event time %v (err %v)", shape, e.Time, err)
	}
	if e.Shape != shape {
		t.Fatalf("shape %q from decoder %q", e.Shape, shape)
	}
	switch e.Kind {
	case event.KindFlow:
		if e.Flow == nil || e.Operation != opFlow {
			t.Fatalf("%s: flow event without flow or operation: %+v", shape, e)
		}
		if e.Flow.Bytes < 0 || e.Flow.Packets < 0 {
			t.Fatalf("%s: negative counts %+v", shape, *e.Flow)
		}
	case event.KindDNS:
		if e.DNS == nil || e.Operation != opDNS {
			t.Fatalf("%s: dns event without dns or operation: %+v", shape, e)
		}
	default:
		t.Fatalf("%s: kind %v", shape, e.Kind)
	}
}

// FuzzTextParsers drives the free-text parsers directly (flow tuples, the
// legacy firewall and DNS proxy messages), where JSON-level fuzzing rarely
// reaches deep. Invariant: no panic; a tuple that parses is a whole flow.
func FuzzTextParsers(f *testing.F) {
	for _, s := range []string{
		"1740823200,10.20.0.4,203.0.113.50,40112,3333,T,O,A,E,120,48000,100,9000",
		"1542110377,192.0.2.190,10.5.16.4,28746,443,U,I,D",
		"1740823260123,192.0.2.77,10.30.1.5,49999,3389,6,I,D,NX,0,0,0,0",
		"TCP request from 192.0.2.10:50306 to 198.51.100.1:3389 was DNAT'ed to 10.40.0.2:3389. Rule: r",
		"HTTP request from 10.40.2.4:54314 to pool.example.org:80. Url: x. Action: Deny. ThreatIntel: Bot",
		"ICMP request from 10.40.2.4: to 203.0.113.1:. Action: alert. IDS: PING. Priority: 3",
		"DNS Request: 10.40.2.4:53457 - 47856 A IN a.example. udp 52 false 512 NOERROR qr,rd,ra 114 0.1s",
		" Error: 2 time.example.com. A: read udp 10.0.1.5:1->168.63.129.16:53: i/o timeout",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, vnet := range []bool{false, true} {
			var fl event.Flow
			tm, err := parseTuple(s, vnet, &fl)
			if err != nil {
				continue
			}
			if tm.IsZero() || tm.Year() > 9999 || !fl.Src.IsValid() || !fl.Dst.IsValid() || fl.Protocol == "" ||
				fl.Direction == "" || fl.Action == "" || fl.Bytes < 0 || fl.Packets < 0 {
				t.Fatalf("tuple %q parsed into %v %+v", s, tm, fl)
			}
		}
		e := event.Event{Flow: &event.Flow{}, DNS: &event.DNS{}}
		if legacyFlow(s, &e) == nil && (!e.Flow.Src.IsValid() || e.Status == "") {
			t.Fatalf("firewall message %q read without source or action: %+v", s, *e.Flow)
		}
		_ = legacyDNS(s, &e, e.DNS)
	})
}

// FuzzSplitFields checks the word-at-a-time split against strings.Split.
func FuzzSplitFields(f *testing.F) {
	f.Add("1724090346,10.1.0.4,20.98.192.237,35620,443,6,O,E,NX,1,74,0,0")
	f.Add("1542110377,10.0.0.4,13.67.143.118,44931,443,T,O,A")
	f.Add(",,,,,,,,,,,,,,,,,,")
	f.Add("a,bcdefghij,,k")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		var got [maxFields]string
		n := splitFields(s, &got)
		want := strings.Split(s, ",")
		if n != len(want) {
			t.Fatalf("splitFields(%q) = %d fields, want %d", s, n, len(want))
		}
		for i := range min(n, maxFields) {
			if got[i] != want[i] {
				t.Fatalf("splitFields(%q) field %d = %q, want %q", s, i, got[i], want[i])
			}
		}
	})
}
