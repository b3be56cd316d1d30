package compact

import (
	"encoding/binary"
	"testing"
)

// TestRoundTrip: what is appended reads back in order, and the reader
// ends with nothing left and no fault.
func TestRoundTrip(t *testing.T) {
	b := AppendString(nil, "Standard_ND96asr_v4")
	b = binary.AppendVarint(b, -62135596800)
	b = binary.AppendUvarint(b, 2) // two items follow: a byte and an empty string
	b = append(b, 1)
	b = AppendString(b, "")
	r := NewReader(b)
	if s, v, n, c, e := r.String(), r.Varint(), r.Count(0), r.Byte(), r.String(); s != "Standard_ND96asr_v4" || v != -62135596800 || n != 2 || c != 1 || e != "" {
		t.Errorf("read %q %d %d %d %q", s, v, n, c, e)
	}
	if r.Err() != nil || r.Len() != 0 {
		t.Errorf("fault %v, %d bytes left", r.Err(), r.Len())
	}
}

// TestFaultsStick: a cut string, a cut number, a count past the data and a
// byte past the end are each a fault, and reads after it give zero.
func TestFaultsStick(t *testing.T) {
	for _, c := range []struct {
		name string
		b    []byte
		read func(*Reader)
	}{
		{"string", []byte{5, 'a'}, func(r *Reader) { r.Bytes() }},
		{"number", []byte{0x85}, func(r *Reader) { r.Uvarint() }},
		{"count", []byte{2, 1}, func(r *Reader) { r.Count(8) }},
		{"byte", []byte{1}, func(r *Reader) { r.Byte(); r.Byte() }},
	} {
		r := NewReader(append(c.b, 0)[:len(c.b)])
		c.read(r)
		if r.Err() == nil {
			t.Errorf("%s: no fault", c.name)
		}
		if v := r.Uvarint(); v != 0 {
			t.Errorf("%s: read %d after the fault", c.name, v)
		}
	}
}

// FuzzReader: any bytes read as any sequence neither panic nor read past
// the end.
func FuzzReader(f *testing.F) {
	f.Add(AppendString(binary.AppendVarint(nil, -7), "x"), uint8(0))
	f.Add([]byte{0xff, 0xff, 0xff}, uint8(3))
	f.Fuzz(func(t *testing.T, b []byte, ops uint8) {
		r := NewReader(b)
		for i := range 16 {
			switch (int(ops) + i) % 5 {
			case 0:
				r.Uvarint()
			case 1:
				r.Varint()
			case 2:
				if s := r.Bytes(); len(s) > len(b) {
					t.Fatalf("a string of %d from %d bytes", len(s), len(b))
				}
			case 3:
				r.Byte()
			case 4:
				if n := r.Count(1); n > len(b) {
					t.Fatalf("a count of %d from %d bytes", n, len(b))
				}
			}
		}
		if r.Len() > len(b) {
			t.Fatalf("%d bytes left of %d", r.Len(), len(b))
		}
	})
}
