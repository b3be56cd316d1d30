package source

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/mamori-sec/mamori/internal/source/host"
)

var utf8BOM = []byte{0xef, 0xbb, 0xbf}

// sniffSize is how much of a stream is looked at to tell its format.
const sniffSize = 64 << 10

// sniff tells the container format from the content (never the file name)
// and drops a UTF-8 byte-order mark (PowerShell writes one).
func sniff(s *stream) (string, error) {
	head, err := s.Peek(sniffSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, errBufferFull) {
		if len(head) == 0 {
			return "unreadable", err
		}
	}
	full := err != nil // the whole stream is in head
	if bytes.HasPrefix(head, utf8BOM) {
		s.bom, _ = s.Discard(len(utf8BOM))
		head = head[len(utf8BOM):]
	}
	if s.gz != nil && !s.utf16 {
		// A damaged first gzip member decoded to text that says less of
		// the format than the member read after it (it may be garbage):
		// that one's is looked at.
		if at := s.gz.resumed - int64(s.bom); at > 0 && at < int64(len(head)) {
			head = head[at:]
		}
	}
	if bytes.HasPrefix(head, avroMagic) {
		return "avro", nil
	}
	if isStore(head) {
		return containerOwnStore, nil
	}
	t := bytes.TrimLeft(head, " \t\r\n")
	if len(t) == 0 {
		if !full {
			return "json-lines", nil // white space first: let the line reader find what follows
		}
		return "empty", nil
	}
	if t[0] == '{' || t[0] == '[' {
		return jsonMode(t, full), nil
	}
	// mamori's own HTML report or table, saved beside the logs: counted as
	// ignored, not read.
	if own := ownText(t); own != "" {
		return own, nil
	}
	switch {
	case host.LooksLikeSysmon(t):
		return "sysmon", nil
	case host.LooksLikeAuditd(t):
		return "auditd", nil
	case looksLikeCSV(afterTypeLine(t)): // a header, under Export-Csv's #TYPE line in Windows PowerShell
		return "csv", nil
	case bytes.IndexByte(t[:min(len(t), 512)], 0) >= 0 || !isText(t[:min(len(t), 512)]):
		if what := packed(head); what != "" {
			return "binary", errors.New(what)
		}
		return "binary", errors.New("binary content, not a log format mamori reads")
	}
	return "text", fmt.Errorf("unrecognised content: not JSON, CSV, auditd or Sysmon (starts %q)", clip(t, 40))
}

// packs are the archives and compressions logs arrive in that mamori
// does not open (gzip aside), known by their first bytes: the portal
// downloads a zip, and a responder is handed tar, bzip2, zstd, xz and 7z
// files, often named .json. "binary content" said nothing of what to do.
var packs = []struct {
	magic []byte
	at    int
	what  string
}{
	{[]byte("PK\x03\x04"), 0, "a zip archive: extract it (unzip) and hunt what it holds"},
	{[]byte("PK\x05\x06"), 0, "an empty zip archive"},
	{[]byte("ustar"), 257, "a tar archive: extract it (tar -xf) and hunt what it holds"},
	{gzipMagic, 0, "gzip inside gzip: decompress it once (gunzip) and hunt the result"},
	{[]byte("BZh"), 0, "bzip2-compressed: decompress it (bunzip2) first"},
	{[]byte{0x28, 0xb5, 0x2f, 0xfd}, 0, "zstd-compressed: decompress it (unzstd) first"},
	{[]byte{0xfd, '7', 'z', 'X', 'Z', 0}, 0, "xz-compressed: decompress it (unxz) first"},
	{[]byte{'7', 'z', 0xbc, 0xaf, 0x27, 0x1c}, 0, "a 7z archive: extract it (7z x) and hunt what it holds"},
}

// packed names the archive or compression head begins with, or "".
func packed(head []byte) string {
	for _, p := range packs {
		if len(head) >= p.at && bytes.HasPrefix(head[p.at:], p.magic) {
			return p.what
		}
	}
	return ""
}

func clip(b []byte, n int) []byte {
	if i := bytes.IndexByte(b, '\n'); i >= 0 && i < n {
		n = i
	}
	return b[:min(len(b), n)]
}

// isText reports whether b is mostly printable: logs are text.
func isText(b []byte) bool {
	bad := 0
	for _, c := range b {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' {
			bad++
		}
	}
	return bad*20 < len(b)
}

// Sniff says what an input holds, exactly as a hunt would read it: its
// container ("json-lines", "json-document", "csv", …, "empty") and
// whether it is encoded (gzip, or UTF-16 read as UTF-8): its offsets are
// then not the file's, and it is read whole. Only the first bytes are read.
func Sniff(in Input, lim Limits) (kind string, encoded bool, err error) {
	s, err := openStream(in, lim)
	if err != nil {
		return "unreadable", false, err
	}
	defer s.Close()
	kind, err = sniff(s)
	return kind, s.compressed || s.utf16, err
}
