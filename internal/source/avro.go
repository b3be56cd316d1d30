package source

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/snappy"

	"github.com/mamori-sec/mamori/internal/record"
)

// avroMagic starts an Avro object container file: what Event Hubs Capture
// writes to storage, one EventData record per message, the message in Body.
var avroMagic = []byte{'O', 'b', 'j', 1}

// maxAvroBlock bounds one block of a container file (Capture writes blocks
// of a few MiB at most).
const maxAvroBlock = 256 << 20

// readAvro reads an Event Hubs Capture file: each record's Body (bytes)
// holds the message, typically a {"records":[…]} envelope, which then
// decodes like any JSON. The schema is read from the file's header, so any
// record with a Body field is read, whatever its other fields.
func (fr *fileReader) readAvro(s *stream) error {
	r := &avroReader{r: s}
	if _, err := io.ReadFull(r, make([]byte, len(avroMagic))); err != nil {
		return fmt.Errorf("avro header: %w", err)
	}
	meta, err := r.metadata()
	if err != nil {
		return fmt.Errorf("avro header: %w", err)
	}
	var schema avroType
	if err := json.Unmarshal(meta["avro.schema"], &schema); err != nil {
		return fmt.Errorf("avro schema: %w", err)
	}
	codec := string(meta["avro.codec"])
	switch codec {
	case "", "null", "deflate", "snappy":
	default:
		return fmt.Errorf("avro codec %q is not supported (null, deflate, snappy)", record.Clip(codec, 48))
	}
	var sync [16]byte
	if _, err := io.ReadFull(r, sync[:]); err != nil {
		return fmt.Errorf("avro header: %w", err)
	}
	h := record.Hint{Format: "json"}
	for {
		blockOff := r.n
		count, err := r.long()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("avro block at offset %d: %w", blockOff, err)
		}
		size, err := r.long()
		if err != nil || size < 0 || size > maxAvroBlock || count < 0 {
			return fmt.Errorf("avro block at offset %d: bad block header (count %d, size %d): %w", blockOff, count, size, ErrTruncated)
		}
		raw := make([]byte, size)
		if _, err := io.ReadFull(r, raw); err != nil {
			return fmt.Errorf("avro block at offset %d: %w", blockOff, ErrTruncated)
		}
		data, err := avroInflate(codec, raw)
		if err != nil {
			return fmt.Errorf("avro block at offset %d: %w", blockOff, err)
		}
		var got [16]byte
		if _, err := io.ReadFull(r, got[:]); err != nil || got != sync {
			return fmt.Errorf("avro block at offset %d: sync marker missing or wrong (file damaged)", blockOff)
		}
		d := &avroData{b: data}
		for i := int64(0); i < count; i++ {
			body, err := d.body(&schema)
			if err != nil {
				fr.fail(0, blockOff, fmt.Errorf("avro record %d of the block: %w", i, err))
				break // the rest of the block cannot be framed
			}
			if len(bytes.TrimSpace(body)) > 0 {
				fr.add(body, 0, blockOff, h)
			}
		}
		if err := fr.ctx.Err(); err != nil {
			return err
		}
	}
}

// avroInflate undoes a block's codec.
func avroInflate(codec string, b []byte) ([]byte, error) {
	switch codec {
	case "deflate":
		out, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(b)), maxAvroBlock+1))
		if len(out) > maxAvroBlock {
			return nil, fmt.Errorf("deflate block: %w", ErrTooLarge)
		}
		return out, err
	case "snappy":
		// Avro's snappy blocks end with the CRC-32 of the uncompressed data.
		if len(b) < 4 {
			return nil, fmt.Errorf("snappy block: %w", ErrTruncated)
		}
		if n, err := snappy.DecodedLen(b[:len(b)-4]); err != nil || n > maxAvroBlock {
			return nil, fmt.Errorf("snappy block: bad length")
		}
		out, err := snappy.Decode(nil, b[:len(b)-4])
		if err != nil {
			return nil, err
		}
		if crc32.ChecksumIEEE(out) != binary.BigEndian.Uint32(b[len(b)-4:]) {
			return nil, errors.New("snappy block: checksum mismatch")
		}
		return out, nil
	}
	return b, nil
}

// avroReader reads the container's framing from the stream.
type avroReader struct {
	r *stream
	n int64
}

func (a *avroReader) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	a.n += int64(n)
	return n, err
}

func (a *avroReader) ReadByte() (byte, error) {
	b, err := a.r.ReadByte()
	if err == nil {
		a.n++
	}
	return b, err
}

// long reads Avro's zig-zag varint.
func (a *avroReader) long() (int64, error) { return binary.ReadVarint(a) }

// metadata reads the header's map of bytes.
func (a *avroReader) metadata() (map[string][]byte, error) {
	m := map[string][]byte{}
	for {
		n, err := a.long()
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return m, nil
		}
		if n < 0 {
			n = -n
			if _, err := a.long(); err != nil { // block size in bytes
				return nil, err
			}
		}
		if n > 1024 {
			return nil, errors.New("too many metadata entries")
		}
		for range n {
			k, err := a.bytes()
			if err != nil {
				return nil, err
			}
			v, err := a.bytes()
			if err != nil {
				return nil, err
			}
			m[string(k)] = v
		}
	}
}

func (a *avroReader) bytes() ([]byte, error) {
	n, err := a.long()
	if err != nil {
		return nil, err
	}
	if n < 0 || n > 1<<20 {
		return nil, fmt.Errorf("bad length %d", n)
	}
	b := make([]byte, n)
	_, err = io.ReadFull(a, b)
	return b, err
}
