package source

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"strings"
	"testing"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/snappy"
)

// captureSchema is the schema Event Hubs Capture writes into every file.
const captureSchema = `{"type":"record","name":"EventData","namespace":"Microsoft.ServiceBus.Messaging","fields":[{"name":"SequenceNumber","type":"long"},{"name":"Offset","type":"string"},{"name":"EnqueuedTimeUtc","type":"string"},{"name":"SystemProperties","type":{"type":"map","values":["long","double","string","bytes"]}},{"name":"Properties","type":{"type":"map","values":["long","double","string","bytes","null"]}},{"name":"Body","type":["null","bytes"]}]}`

func avroLong(b []byte, v int64) []byte { return binary.AppendVarint(b, v) }

func avroBytes(b []byte, s []byte) []byte { return append(avroLong(b, int64(len(s))), s...) }

// captureRecord encodes one EventData with body as its message.
func captureRecord(seq int64, body string) []byte {
	var b []byte
	b = avroLong(b, seq)
	b = avroBytes(b, []byte("4294967296"))
	b = avroBytes(b, []byte("3/14/2026 2:00:00 AM"))
	b = avroLong(b, 1) // SystemProperties: one entry
	b = avroBytes(b, []byte("x-opt-enqueued-time"))
	b = avroLong(b, 0) // union branch long
	b = avroLong(b, 1773453600000)
	b = avroLong(b, 0)
	b = avroLong(b, 0) // Properties: empty
	b = avroLong(b, 1) // Body: bytes branch
	return avroBytes(b, []byte(body))
}

// captureFile writes an Avro object container file as Capture does, one
// block per element of blocks.
func captureFile(codec string, blocks [][]string) []byte {
	sync := bytes.Repeat([]byte{0xA5}, 16)
	var f []byte
	f = append(f, avroMagic...)
	f = avroLong(f, 2)
	f = avroBytes(f, []byte("avro.schema"))
	f = avroBytes(f, []byte(captureSchema))
	f = avroBytes(f, []byte("avro.codec"))
	f = avroBytes(f, []byte(codec))
	f = avroLong(f, 0)
	f = append(f, sync...)
	seq := int64(0)
	for _, bodies := range blocks {
		var data []byte
		for _, body := range bodies {
			data = append(data, captureRecord(seq, body)...)
			seq++
		}
		switch codec {
		case "deflate":
			var buf bytes.Buffer
			w, _ := flate.NewWriter(&buf, flate.BestSpeed)
			w.Write(data)
			w.Close()
			data = buf.Bytes()
		case "snappy":
			crc := crc32.ChecksumIEEE(data)
			data = binary.BigEndian.AppendUint32(snappy.Encode(nil, data), crc)
		}
		f = avroLong(f, int64(len(bodies)))
		f = avroLong(f, int64(len(data)))
		f = append(f, data...)
		f = append(f, sync...)
	}
	return f
}

func TestEventHubsCaptureAvro(t *testing.T) {
	t.Parallel()
	msg := func(i, j int) string { return `{"records":[` + activity(i) + `,` + activity(j) + `]}` }
	blocks := [][]string{{msg(1, 2), msg(3, 4)}, {msg(5, 6)}}
	for _, codec := range []string{"null", "deflate", "snappy"} {
		t.Run(codec, func(t *testing.T) {
			t.Parallel()
			r, st := readBytes(t, captureFile(codec, blocks))
			if st.Container != "avro" || len(r.events) != 6 || st.Skipped != 0 {
				t.Fatalf("container %q, events %d, skipped %d, errors %v", st.Container, len(r.events), st.Skipped, r.errs)
			}
		})
	}
	t.Run("damaged sync marker: the blocks before it are used", func(t *testing.T) {
		t.Parallel()
		f := captureFile("null", blocks)
		f[len(f)-1] ^= 0xff
		r, _ := readBytes(t, f)
		if len(r.events) != 6 && len(r.events) != 4 || len(r.errs) == 0 || !strings.Contains(r.errs[len(r.errs)-1].Error(), "sync marker") {
			t.Errorf("events %d, errors %v", len(r.events), r.errs)
		}
	})
	t.Run("truncated file", func(t *testing.T) {
		t.Parallel()
		f := captureFile("deflate", blocks)
		r, _ := readBytes(t, f[:len(f)-30])
		if len(r.events) != 4 || len(r.errs) == 0 || !strings.Contains(r.errs[0].Error(), "truncated") {
			t.Errorf("events %d, errors %v", len(r.events), r.errs)
		}
	})
	t.Run("unknown codec", func(t *testing.T) {
		t.Parallel()
		r, _ := readBytes(t, captureFile("zstandard", blocks))
		if len(r.errs) == 0 || !strings.Contains(r.errs[0].Error(), "codec") {
			t.Errorf("errors %v", r.errs)
		}
	})
}
