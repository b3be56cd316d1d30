package source

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf16"
	"unicode/utf8"
)

// encodeUTF16 is s as Windows PowerShell 5.1 writes it: a byte-order mark,
// then UTF-16 in the given order.
func encodeUTF16(s string, order binary.ByteOrder) []byte {
	b := make([]byte, 2)
	order.PutUint16(b, 0xfeff)
	for _, u := range utf16.Encode([]rune(s)) {
		b = order.(binary.AppendByteOrder).AppendUint16(b, u)
	}
	return b
}

func TestUTF16Reader(t *testing.T) {
	t.Parallel()
	text := `{"caller":"jürgen@contoso.example","note":"⛏ 🚀 mining"}` + "\r\n"
	for _, order := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		enc := encodeUTF16(text, order)
		for name, r := range map[string]io.Reader{
			"whole":       bytes.NewReader(enc[2:]),
			"byte a read": iotest.OneByteReader(bytes.NewReader(enc[2:])), // pairs and units cut by reads
		} {
			got, err := io.ReadAll(&utf16Reader{r: r, order: order})
			if err != nil || string(got) != text {
				t.Errorf("%v %s: %q, %v; want %q", order, name, got, err, text)
			}
		}
	}
	// A unit without its pair, and a lone byte at the end, are U+FFFD.
	broken := binary.LittleEndian.AppendUint16(nil, 'a')
	broken = binary.LittleEndian.AppendUint16(broken, 0xd83d) // a high surrogate, then no low one
	broken = binary.LittleEndian.AppendUint16(broken, 'b')
	broken = binary.LittleEndian.AppendUint16(broken, 0xdc00) // a low surrogate alone
	broken = append(broken, 'c')
	got, err := io.ReadAll(&utf16Reader{r: iotest.OneByteReader(bytes.NewReader(broken)), order: binary.LittleEndian})
	if want := "a\ufffdb\ufffd\ufffd"; err != nil || string(got) != want {
		t.Errorf("broken: %q, %v; want %q", got, err, want)
	}
}

// An export written by Windows PowerShell 5.1 (> and Out-File write
// UTF-16), plain or gzipped, a CSV saved as a spreadsheet's "Unicode Text"
// among them, is read as its UTF-8 twin is: it was refused whole.
func TestUTF16ExportsAreRead(t *testing.T) {
	t.Parallel()
	jsonl := string(lines(5, "\r\n"))
	csv := "TenantId\tTimeGenerated [UTC]\tOperationNameValue\tActivityStatusValue\tCaller\tCallerIpAddress\t_ResourceId\tSubscriptionId\tCorrelationId\tType\r\n" +
		"t1\t2026-03-01T10:00:00Z\tMICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE\tSuccess\tjürgen@b.example\t198.51.100.7\t/subscriptions/s1/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm1\ts1\tc1\tAzureActivity\r\n"
	for _, c := range []struct {
		name, text, container string
		events                int
	}{
		{"json lines", jsonl, "json-lines", 5},
		{"json document", "[\r\n" + strings.ReplaceAll(strings.TrimSpace(jsonl), "\r\n", ",\r\n") + "\r\n]", "json-document", 5},
		{"unicode text", csv, "csv", 1},
	} {
		for _, order := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
			enc := encodeUTF16(c.text, order)
			var gz bytes.Buffer
			zw := gzip.NewWriter(&gz)
			zw.Write(enc)
			zw.Close()
			for _, in := range []struct {
				b         []byte
				container string
			}{{enc, "utf16+" + c.container}, {gz.Bytes(), "gzip+utf16+" + c.container}} {
				want, _ := readBytes(t, []byte(c.text))
				r, st := readBytes(t, in.b)
				if st.Container != in.container || len(r.events) != c.events || len(r.errs) > 0 {
					t.Fatalf("%s %v: container %q, %d events, errors %v; want %q, %d", c.name, order, st.Container, len(r.events), r.errs, in.container, c.events)
				}
				if r.events[0].Principal != want.events[0].Principal || r.events[0].Operation != want.events[0].Operation {
					t.Errorf("%s %v: %q %q; the UTF-8 file gives %q %q", c.name, order, r.events[0].Principal, r.events[0].Operation, want.events[0].Principal, want.events[0].Operation)
				}
			}
		}
	}
	if kind, encoded, err := Sniff(BytesInput("x.json", encodeUTF16(jsonl, binary.LittleEndian)), DefaultLimits()); kind != "json-lines" || !encoded || err != nil {
		t.Errorf("Sniff: %s, %v, %v; want json-lines, encoded (serve reads it whole)", kind, encoded, err)
	}
}

// Whatever the bytes, the decoder gives valid UTF-8, the same whether it
// reads them at once or a byte at a time, and text encoded whole comes back.
func FuzzUTF16Reader(f *testing.F) {
	f.Add([]byte("a\x00b\x00"), false)
	f.Add([]byte{0x3d, 0xd8, 0x80, 0xde, 'x'}, false)
	f.Add([]byte{0xd8, 0x3d}, true)
	f.Fuzz(func(t *testing.T, b []byte, big bool) {
		var order binary.ByteOrder = binary.LittleEndian
		if big {
			order = binary.BigEndian
		}
		whole, err := io.ReadAll(&utf16Reader{r: bytes.NewReader(b), order: order})
		if err != nil || !utf8.Valid(whole) {
			t.Fatalf("%q: %q, %v", b, whole, err)
		}
		bytewise, _ := io.ReadAll(&utf16Reader{r: iotest.OneByteReader(bytes.NewReader(b)), order: order})
		if !bytes.Equal(whole, bytewise) {
			t.Fatalf("%q: at once %q, a byte at a time %q", b, whole, bytewise)
		}
		if s := string(whole); !strings.ContainsRune(s, utf8.RuneError) {
			if back, _ := io.ReadAll(&utf16Reader{r: bytes.NewReader(encodeUTF16(s, order)[2:]), order: order}); string(back) != s {
				t.Fatalf("%q: round trip %q", s, back)
			}
		}
	})
}
