package source

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/mamori-sec/mamori/internal/record"
)

// avroType is an Avro schema, enough of it to walk a record to its Body:
// primitives, records, maps, arrays, unions, enums and fixed.
type avroType struct {
	Name    string
	Kind    string // null, boolean, int, long, float, double, bytes, string, record, map, array, union, enum, fixed
	Fields  []avroField
	Values  *avroType // map
	Items   *avroType // array
	Union   []avroType
	Symbols int // enum
	Size    int // fixed
}

type avroField struct {
	Name string
	Type avroType
}

// UnmarshalJSON reads a schema in any of its JSON forms.
func (t *avroType) UnmarshalJSON(b []byte) error {
	var name string
	if json.Unmarshal(b, &name) == nil {
		t.Kind = name
		return nil
	}
	var union []avroType
	if json.Unmarshal(b, &union) == nil {
		t.Kind, t.Union = "union", union
		return nil
	}
	var o struct {
		Type   json.RawMessage `json:"type"`
		Name   string          `json:"name"`
		Fields []struct {
			Name string   `json:"name"`
			Type avroType `json:"type"`
		} `json:"fields"`
		Values  *avroType `json:"values"`
		Items   *avroType `json:"items"`
		Symbols []string  `json:"symbols"`
		Size    int       `json:"size"`
	}
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	var kind string
	if json.Unmarshal(o.Type, &kind) != nil {
		// {"type": {"type": "map", …}}: a nested definition.
		return t.UnmarshalJSON(o.Type)
	}
	t.Kind, t.Name, t.Values, t.Items, t.Symbols, t.Size = kind, o.Name, o.Values, o.Items, len(o.Symbols), o.Size
	for _, f := range o.Fields {
		t.Fields = append(t.Fields, avroField{Name: f.Name, Type: f.Type})
	}
	return nil
}

// avroData decodes one block's records.
type avroData struct {
	b   []byte
	pos int
}

var errAvroShort = errors.New("record runs past its block")

func (d *avroData) long() (int64, error) {
	v, n := binary.Varint(d.b[d.pos:])
	if n <= 0 {
		return 0, errAvroShort
	}
	d.pos += n
	return v, nil
}

func (d *avroData) take(n int64) ([]byte, error) {
	if n < 0 || n > int64(len(d.b)-d.pos) {
		return nil, errAvroShort
	}
	b := d.b[d.pos : d.pos+int(n)]
	d.pos += int(n)
	return b, nil
}

// body walks one record of type t and returns its Body field's bytes (a
// record without one gives nil).
func (d *avroData) body(t *avroType) ([]byte, error) {
	var body []byte
	err := d.walk(t, 0, func(field string, b []byte) {
		if t.Kind == "record" && strings.EqualFold(field, "Body") {
			body = b
		}
	})
	return body, err
}

// walk moves past one value of type t; visit sees the record's top-level
// bytes and string fields.
func (d *avroData) walk(t *avroType, depth int, visit func(string, []byte)) error {
	if depth > 32 {
		return errors.New("schema nested too deep")
	}
	switch t.Kind {
	case "null":
		return nil
	case "boolean":
		_, err := d.take(1)
		return err
	case "int", "long", "enum":
		_, err := d.long()
		return err
	case "float":
		_, err := d.take(4)
		return err
	case "double":
		_, err := d.take(8)
		return err
	case "fixed":
		_, err := d.take(int64(t.Size))
		return err
	case "bytes", "string":
		n, err := d.long()
		if err != nil {
			return err
		}
		_, err = d.take(n)
		return err
	case "record":
		for _, f := range t.Fields {
			start := d.pos
			if err := d.walk(&f.Type, depth+1, nil); err != nil {
				return fmt.Errorf("field %s: %w", record.Clip(f.Name, 48), err)
			}
			if visit != nil && depth == 0 {
				visit(f.Name, payload(&f.Type, d.b[start:d.pos]))
			}
		}
		return nil
	case "union":
		i, err := d.long()
		if err != nil || i < 0 || i >= int64(len(t.Union)) {
			return fmt.Errorf("bad union branch %d", i)
		}
		return d.walk(&t.Union[i], depth+1, nil)
	case "map", "array":
		for {
			n, err := d.long()
			if err != nil {
				return err
			}
			if n == 0 {
				return nil
			}
			if n < 0 {
				n = -n
				if _, err := d.long(); err != nil {
					return err
				}
			}
			if n > math.MaxInt32 {
				return errAvroShort
			}
			for range n {
				if t.Kind == "map" {
					if err := d.walk(&avroType{Kind: "string"}, depth+1, nil); err != nil {
						return err
					}
					if t.Values == nil {
						return errors.New("map without values type")
					}
					if err := d.walk(t.Values, depth+1, nil); err != nil {
						return err
					}
				} else {
					if t.Items == nil {
						return errors.New("array without items type")
					}
					if err := d.walk(t.Items, depth+1, nil); err != nil {
						return err
					}
				}
			}
		}
	}
	return fmt.Errorf("avro type %q is not supported", record.Clip(t.Kind, 48))
}

// payload returns the content of an encoded bytes value (directly, or as
// the bytes branch of a union such as ["null","bytes"]); nil otherwise.
func payload(t *avroType, enc []byte) []byte {
	d := &avroData{b: enc}
	if t.Kind == "union" {
		i, err := d.long()
		if err != nil || i < 0 || i >= int64(len(t.Union)) {
			return nil
		}
		t = &t.Union[i]
	}
	if t.Kind != "bytes" && t.Kind != "string" {
		return nil
	}
	n, err := d.long()
	if err != nil {
		return nil
	}
	b, _ := d.take(n)
	return b
}
