package activitylog

import (
	"bytes"
	"testing"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/benchdata"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/jsonwalk"
	"github.com/mamori-sec/mamori/internal/record"
)

// BenchmarkBriefLine compares the two ways of reading the benchmark's
// records briefly (a hunt that wants none of them): from the text
// (BriefLine), and parse, detect and Decode.
func BenchmarkBriefLine(b *testing.B) {
	var buf bytes.Buffer
	if _, err := benchdata.Write(&buf, 4<<20, 1, 0); err != nil {
		b.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte{'\n'})
	nothing := func(*event.Glance) bool { return false }
	b.Run("text", func(b *testing.B) {
		sc := record.Scratch{Wants: nothing}
		var e event.Event
		b.SetBytes(int64(buf.Len()))
		for b.Loop() {
			for _, l := range lines {
				if brief, _ := BriefLine(&sc, l, &e); !brief {
					b.Fatal("not read briefly")
				}
			}
		}
	})
	b.Run("tree", func(b *testing.B) {
		var p fastjson.Parser
		sc := record.Scratch{Wants: nothing}
		out := make([]event.Event, 0, 1)
		b.SetBytes(int64(buf.Len()))
		for b.Loop() {
			for _, l := range lines {
				v, err := p.ParseBytes(l)
				if err != nil {
					b.Fatal(err)
				}
				shape, _ := Detect(v, jsonHint)
				if out, err = Decode(&sc, v, shape, out[:0]); err != nil || !out[0].Brief {
					b.Fatal("not read briefly", err)
				}
				sc.Reset()
			}
		}
	})
}

// BenchmarkSkipValue measures the JSON walker alone over the same
// records: what validating a line costs BriefLine.
func BenchmarkSkipValue(b *testing.B) {
	var buf bytes.Buffer
	if _, err := benchdata.Write(&buf, 4<<20, 1, 0); err != nil {
		b.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte{'\n'})
	b.SetBytes(int64(buf.Len()))
	var words []uint64
	for b.Loop() {
		for _, l := range lines {
			w := jsonwalk.New(l, &words)
			if w.SkipValue(0, 0) != len(l) {
				b.Fatal("bad")
			}
		}
	}
}

// BenchmarkEscapedLines walks and reads briefly the benchmark's records as
// the Start record of a write has them: the request body in the
// properties as a JSON string, its quotes escaped. A quarter of a real
// export's lines are such.
func BenchmarkEscapedLines(b *testing.B) {
	var buf bytes.Buffer
	if _, err := benchdata.Write(&buf, 4<<20, 1, 0); err != nil {
		b.Fatal(err)
	}
	body := []byte(`"properties":{"requestbody":"{\"location\":\"westeurope\",\"sku\":{\"name\":\"Standard_D4s_v5\",\"tier\":\"Standard\",\"capacity\":3},\"properties\":{\"upgradePolicy\":{\"mode\":\"Manual\"},\"virtualMachineProfile\":{\"priority\":\"Regular\",\"extensionProfile\":{\"extensions\":[]}}}}",`)
	var lines [][]byte
	n := 0
	for _, l := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte{'\n'}) {
		l = bytes.Replace(l, []byte(`"properties":{`), body, 1)
		if bytes.IndexByte(l, '\\') < 0 {
			b.Fatal("a line without the escaped body")
		}
		lines = append(lines, l)
		n += len(l)
	}
	b.Run("walk", func(b *testing.B) {
		var words []uint64
		b.SetBytes(int64(n))
		for b.Loop() {
			for _, l := range lines {
				w := jsonwalk.New(l, &words)
				if w.SkipValue(0, 0) != len(l) {
					b.Fatal("bad")
				}
			}
		}
	})
	b.Run("brief", func(b *testing.B) {
		sc := record.Scratch{Wants: func(*event.Glance) bool { return false }}
		var e event.Event
		b.SetBytes(int64(n))
		for b.Loop() {
			for _, l := range lines {
				if brief, _ := BriefLine(&sc, l, &e); !brief {
					b.Fatal("not read briefly")
				}
			}
		}
	})
}
