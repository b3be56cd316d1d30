package source

import (
	"strings"
	"testing"
)

// TestSkipMessagesQuoteRecordsBriefly: what a skip message quotes of a file
// (a record's keys, an Avro header's codec, type and field names) is cut,
// so a long value there does not reach standard error or serve's journal
// whole.
func TestSkipMessagesQuoteRecordsBriefly(t *testing.T) {
	t.Parallel()
	const tail = "AccountKey=q1w2e3r4t5y6"
	long := "DefaultEndpointsProtocol=https;AccountName=acct;" + strings.Repeat("x", 100) + ";" + tail
	schema := `{"type":"record","name":"E","fields":[{"name":"` + long + `","type":"` + long + `"}]}`
	var avro []byte
	avro = append(avro, avroMagic...)
	avro = avroLong(avro, 1)
	avro = avroBytes(avro, []byte("avro.schema"))
	avro = avroBytes(avro, []byte(schema))
	avro = avroLong(avro, 0)
	sync := make([]byte, 16)
	avro = append(avro, sync...)
	avro = avroLong(avro, 1)
	avro = avroLong(avro, 1)
	avro = append(avro, 0)
	avro = append(avro, sync...)
	for _, c := range []struct{ in, reason string }{
		{`{"` + long + `":1}` + "\n", "unrecognised record"},
		{string(captureFile(long, [][]string{{activity(1)}})), "codec"},
		{string(avro), "not supported"},
	} {
		r, _ := readBytes(t, []byte(c.in))
		if len(r.errs) == 0 {
			t.Errorf("%s: no error", c.reason)
			continue
		}
		msg := r.errs[0].Error()
		if !strings.Contains(msg, c.reason) || strings.Contains(msg, tail) || len(msg) > 200 {
			t.Errorf("%s: %d bytes: %q", c.reason, len(msg), msg)
		}
	}
}
