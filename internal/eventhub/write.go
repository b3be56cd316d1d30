package eventhub

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/mamori-sec/mamori/internal/atomicfile"
)

// partFile is what writePartition wrote.
type partFile struct {
	messages, empty int
	bytes           int64
}

// writePartition writes one partition's messages, a line each, into
// dir/HUB/PARTITION/OFFSET.json, on disk (synced) before it returns: the
// offsets are committed next, and a message committed is not read again.
func writePartition(dir, hub string, partition int32, recs []*kgo.Record) (partFile, error) {
	var w partFile
	if !ValidHub(hub) {
		// Kafka's names are the same letters; a broker that sent another
		// is not written into a folder named by it.
		return w, fmt.Errorf("event hub: a hub's name that cannot name a folder")
	}
	folder := filepath.Join(dir, hub, strconv.Itoa(int(partition)))
	name := fmt.Sprintf("%020d.json", recs[0].Offset)
	var buf bytes.Buffer
	for _, rec := range recs {
		if len(bytes.TrimSpace(rec.Value)) == 0 {
			w.empty++
			continue
		}
		oneLine(&buf, rec.Value)
		w.messages++
		w.bytes += int64(len(rec.Value))
	}
	if w.messages == 0 {
		return w, nil // nothing to keep: committed all the same
	}
	if err := os.MkdirAll(folder, 0o750); err != nil {
		return w, fmt.Errorf("event hub: %w", err)
	}
	// Synced before the offsets are committed: a message committed is
	// not read again.
	if err := atomicfile.Write(folder, name, buf.Bytes(), 0o640); err != nil {
		return w, fmt.Errorf("event hub: %w", err)
	}
	return w, nil
}

// oneLine appends msg to buf as one line: JSON compacted (a message
// written over several lines would be several records to a lines
// reader), anything else as it came with its line breaks made spaces,
// so that the reader says it is not JSON, at this line, and reads on.
func oneLine(buf *bytes.Buffer, msg []byte) {
	n := buf.Len()
	if !bytes.ContainsAny(msg, "\r\n") {
		buf.Write(msg)
	} else if err := json.Compact(buf, msg); err != nil {
		buf.Truncate(n)
		for _, c := range msg {
			if c == '\n' || c == '\r' {
				c = ' '
			}
			buf.WriteByte(c)
		}
	}
	buf.WriteByte('\n')
}
