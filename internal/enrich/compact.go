package enrich

import (
	"cmp"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"slices"

	"github.com/mamori-sec/mamori/internal/compact"
	"github.com/mamori-sec/mamori/internal/event"
)

// The built-in Service Tags, already laid out as the look-up table that
// parsing the JSON builds. Parsing 4 MB of JSON and sorting 66k prefixes
// took 0.1 to 0.15 s of every hunt's start; reading this takes about 2 ms
// (BenchmarkStartTags).
// It is made from the newest data/servicetags file by
//
//	go generate ./internal/enrich
//
// and TestCompactTagsMatchTheJSON fails when it is stale. It records the
// name and CRC-32 of the file it came from; when they do not match the
// file built in, the JSON is parsed as before, so a stale table is slow,
// never wrong.
//
//go:generate go test -run ^TestCompactTagsMatchTheJSON$ -args -update-compact-tags
//go:embed servicetags.compact
var compactTags []byte

// compactMagic starts the format; a change of layout changes the number.
const compactMagic = "mamori-servicetags-1\n"

// encodeTags writes t in the compact form, noting the source it came from.
// The output depends only on what t answers: the tag facts are written
// sorted and the intervals renumbered, so a re-run changes nothing.
func encodeTags(t *tagTable, source string, sum uint32) []byte {
	order := make([]int32, len(t.infos))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		x, y := t.infos[a], t.infos[b]
		return cmp.Or(cmp.Compare(x.ServiceTag, y.ServiceTag), cmp.Compare(x.Region, y.Region))
	})
	renum := make([]uint64, len(order))
	for newi, old := range order {
		renum[old] = uint64(newi)
	}
	b := []byte(compactMagic)
	str := func(s string) { b = compact.AppendString(b, s) }
	str(source)
	b = binary.AppendUvarint(b, uint64(sum))
	b = binary.AppendVarint(b, t.meta.ChangeNumber)
	str(t.meta.Cloud)
	b = binary.AppendUvarint(b, uint64(t.meta.Tags))
	b = binary.AppendUvarint(b, uint64(t.meta.Prefixes))
	b = binary.AppendUvarint(b, uint64(len(order)))
	for _, old := range order {
		// Every tag address is Azure's; only the names vary.
		str(t.infos[old].ServiceTag)
		str(t.infos[old].Region)
	}
	r := t.ranges
	// Starts ascend, so each is written as the step from the one before;
	// an end as its distance from its start.
	b = binary.AppendUvarint(b, uint64(len(r.v4start)))
	prev := uint32(0)
	for i, s := range r.v4start {
		b = binary.AppendUvarint(b, uint64(s-prev))
		b = binary.AppendUvarint(b, uint64(r.v4end[i]-s))
		b = binary.AppendUvarint(b, renum[r.v4val[i]])
		prev = s
	}
	b = binary.AppendUvarint(b, uint64(len(r.v6start)))
	prevHi := uint64(0)
	for i, s := range r.v6start {
		e := r.v6end[i]
		b = binary.AppendUvarint(b, s.hi-prevHi)
		b = binary.AppendUvarint(b, s.lo)
		b = binary.AppendUvarint(b, e.hi-s.hi)
		// A prefix of /64 or shorter ends in all ones: one byte inverted.
		b = binary.AppendUvarint(b, ^e.lo)
		b = binary.AppendUvarint(b, renum[r.v6val[i]])
		prevHi = s.hi
	}
	return b
}

// decodeTags reads the compact form back into a table, with the source
// name and checksum it was made from.
func decodeTags(b []byte) (t *tagTable, source string, sum uint32, err error) {
	if len(b) < len(compactMagic) || string(b[:len(compactMagic)]) != compactMagic {
		return nil, "", 0, errors.New("not a compact Service Tags table")
	}
	r := compact.NewReader(b[len(compactMagic):])
	source = r.String()
	sum = uint32(r.Uvarint())
	t = &tagTable{ranges: &rangeTable{}}
	t.meta.ChangeNumber = r.Varint()
	t.meta.Cloud = r.String()
	t.meta.Tags = int(r.Uvarint())
	t.meta.Prefixes = int(r.Uvarint())
	t.infos = make([]event.IPInfo, r.Count(2))
	for i := range t.infos {
		t.infos[i] = event.IPInfo{ServiceTag: r.String(), Region: r.String(), Azure: true}
	}
	val := func() int32 {
		v := r.Uvarint()
		if r.Err() == nil && v >= uint64(len(t.infos)) {
			r.Fail(fmt.Errorf("value %d out of range", v))
		}
		return int32(v)
	}
	rt := t.ranges
	n4 := r.Count(3)
	rt.v4start, rt.v4end, rt.v4val = make([]uint32, n4), make([]uint32, n4), make([]int32, n4)
	prev := uint32(0)
	for i := 0; i < n4 && r.Err() == nil; i++ {
		s := prev + uint32(r.Uvarint())
		rt.v4start[i], rt.v4end[i], rt.v4val[i] = s, s+uint32(r.Uvarint()), val()
		prev = s
	}
	n6 := r.Count(5)
	rt.v6start, rt.v6end, rt.v6val = make([]u128, n6), make([]u128, n6), make([]int32, n6)
	prevHi := uint64(0)
	for i := 0; i < n6 && r.Err() == nil; i++ {
		s := u128{hi: prevHi + r.Uvarint(), lo: r.Uvarint()}
		e := u128{hi: s.hi + r.Uvarint(), lo: ^r.Uvarint()}
		rt.v6start[i], rt.v6end[i], rt.v6val[i] = s, e, val()
		prevHi = s.hi
	}
	if r.Err() == nil && r.Len() != 0 {
		r.Fail(errors.New("trailing bytes"))
	}
	if err := r.Err(); err != nil {
		return nil, "", 0, fmt.Errorf("compact Service Tags table: %w", err)
	}
	return t, source, sum, nil
}

// checksum is what the compact table records of its source file.
func checksum(gz []byte) uint32 { return crc32.ChecksumIEEE(gz) }
