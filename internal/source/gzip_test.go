package source

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/mamori-sec/mamori/internal/slab"
)

// gzMembers gzips each part as a member of its own, as logrotate's
// compress and cat *.gz make them, and says where each starts.
func gzMembers(level int, parts ...string) (b []byte, starts []int) {
	var buf bytes.Buffer
	for _, p := range parts {
		starts = append(starts, buf.Len())
		w, _ := gzip.NewWriterLevel(&buf, level)
		w.Write([]byte(p))
		w.Close()
	}
	return buf.Bytes(), starts
}

// records is the JSON lines of the Activity Log records from to to-1.
func records(from, to int) string {
	var b strings.Builder
	for i := from; i < to; i++ {
		b.WriteString(activity(i) + "\n")
	}
	return b.String()
}

// csvRows is an AzureActivity CSV export's rows from to to-1, its header
// first when head.
func csvRows(from, to int, head bool) string {
	var b strings.Builder
	if head {
		b.WriteString("TenantId,TimeGenerated [UTC],OperationNameValue,ActivityStatusValue,Caller,CallerIpAddress,_ResourceId,SubscriptionId,CorrelationId,Type\r\n")
	}
	for i := from; i < to; i++ {
		fmt.Fprintf(&b, "t1,\"4/28/2021, 2:%02d:14.029 PM\",MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE,Success,a@b.example,198.51.100.7,/subscriptions/s1/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm%d,s1,c-%d,AzureActivity\r\n", i%60, i, i)
	}
	return b.String()
}

// damage returns a copy of b with n bytes from at turned to others.
func damage(b []byte, at, n int) []byte {
	d := bytes.Clone(b)
	for i := at; i < at+n; i++ {
		d[i] ^= 0x5a
	}
	return d
}

// TestDamagedGzipMemberIsPassedOver: a gzip file of several members (logs
// rotated, compressed and put together) with one damaged lost everything
// after the damage. The damage is reported (the member, the bytes, why),
// the members after it are read whole, the damaged member's text before
// the damage is read and none is made up: every record read is one the
// file was made of. The line the damage cut ends there, so a CSV row cut
// is not joined to the next member's first. Bytes that only look like a
// member's header are passed over, and so is what is no member at all.
func TestDamagedGzipMemberIsPassedOver(t *testing.T) {
	t.Parallel()
	parts := []string{records(0, 20), records(20, 40), records(40, 60), records(60, 80)}
	whole, at := gzMembers(gzip.DefaultCompression, parts...)
	end := func(m int) int { // where member m (0-based) ends
		if m+1 < len(at) {
			return at[m+1]
		}
		return len(whole)
	}
	mid := func(m int) int { return (at[m] + end(m)) / 2 }
	join := func(bs ...[]byte) []byte { return bytes.Join(bs, nil) }
	rng := rand.New(rand.NewPCG(1, 2))
	garbage := make([]byte, 3000)
	for i := range garbage {
		garbage[i] = byte(rng.Uint32())
	}
	// A member stored (not compressed) whose text holds a gzip header and
	// junk after it, damaged before them: the search for the next member
	// meets the false header first.
	fake := strings.Replace(records(20, 40), `"eventCategory":"Administrative"`, "\"eventCategory\":\"\x1f\x8b\x08\x00junkjunkjunk\x7a\x7a\x7a\x7a\"", 1)
	stored, sat := gzMembers(gzip.NoCompression, parts[0], fake, parts[2], parts[3])
	utf16Parts := []string{
		string(encodeUTF16(parts[0], binary.LittleEndian)),
		string(encodeUTF16(parts[1], binary.LittleEndian)[2:]), // one text cut in four: one byte-order mark
		string(encodeUTF16(parts[2], binary.LittleEndian)[2:]),
		string(encodeUTF16(parts[3], binary.LittleEndian)[2:]),
	}
	wide, wat := gzMembers(gzip.DefaultCompression, utf16Parts...)
	csv, cat := gzMembers(gzip.DefaultCompression, csvRows(0, 20, true), csvRows(20, 40, false), csvRows(40, 60, false), csvRows(60, 80, false))
	cases := []struct {
		name    string
		in      []byte
		whole   []int  // members read whole
		damaged int    // the member whose text may be read in part, -1: none
		says    string // the damage report
	}{
		{"a member's bytes damaged in its middle", damage(whole, mid(1), 32), []int{0, 2, 3}, 1, "damaged gzip member: member 2, from byte " + fmt.Sprint(at[1]) + " of the file, cannot be read past byte"},
		{"a member cut short, the next appended after it", join(whole[:mid(1)], whole[at[2]:]), []int{0, 2, 3}, 1, "its text from there on is lost; read on from the member at byte " + fmt.Sprint(mid(1))},
		{"the first member's header damaged", damage(whole, 3, 1), []int{1, 2, 3}, -1, fmt.Sprintf("damaged gzip member: bytes 0 to %d of the file are not a gzip member", at[1])},
		{"garbage between members", join(whole[:at[2]], garbage, whole[at[2]:]), []int{0, 1, 2, 3}, -1, fmt.Sprintf("bytes %d to %d of the file are not a gzip member", at[2], at[2]+len(garbage))},
		{"zeros after the last member", join(whole, make([]byte, 512)), []int{0, 1, 2, 3}, -1, fmt.Sprintf("bytes %d to the end of the file are not a gzip member", len(whole))},
		{"the last member damaged", damage(whole, mid(3), 32), []int{0, 1, 2}, 3, "member 4, from byte " + fmt.Sprint(at[3]) + " of the file, cannot be read past byte"},
		{"a checksum that does not match", damage(whole, end(1)-6, 1), []int{0, 1, 2, 3}, -1, "member 2, from byte " + fmt.Sprint(at[1]) + " of the file to byte " + fmt.Sprint(end(1)) + ", fails its checksum"},
		{"a false header in a damaged member's data", damage(stored, sat[1]+11, 2), []int{0, 2, 3}, 1, "read on from the member at byte " + fmt.Sprint(sat[2])},
		{"a UTF-16 text's member damaged", damage(wide, (wat[1]+wat[2])/2, 32), []int{0, 2, 3}, 1, "damaged gzip member: member 2"},
		{"a CSV export's member damaged", damage(csv, (cat[1]+cat[2])/2, 32), []int{0, 2, 3}, 1, "damaged gzip member: member 2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r, st := read(t, []Input{BytesInput("logs.json.gz", c.in)}, DefaultLimits())
			got := map[string]int{}
			for _, ev := range r.events {
				got[ev.CorrelationID]++
			}
			for _, m := range c.whole {
				for i := m * 20; i < m*20+20; i++ {
					if got[fmt.Sprintf("c-%d", i)] == 0 {
						t.Errorf("record %d of member %d not read (errors %v)", i, m+1, r.errs)
					}
				}
			}
			for id := range got {
				var i int
				if _, err := fmt.Sscanf(id, "c-%d", &i); err != nil || i < 0 || i >= 80 || !slices.Contains(c.whole, i/20) && i/20 != c.damaged {
					t.Errorf("record %q read: not one the file's members held whole", id)
				}
			}
			var report *ParseError
			for _, e := range r.errs {
				if strings.Contains(e.Error(), c.says) {
					report = e
				}
			}
			if report == nil {
				t.Fatalf("no error says %q: %v", c.says, r.errs)
			}
			if !strings.HasPrefix(report.Error(), "logs.json.gz: ") || st[0].Reasons["damaged gzip member"] != 1 {
				t.Errorf("report %q, reasons %v", report, st[0].Reasons)
			}
		})
	}
}

// FuzzDamagedGzip damages a gzip file of three members anywhere, by any
// bytes written over it or put in: nothing panics, the kept compressed
// bytes go back to their pool, and, the file still starting as gzip does,
// every member the damage did not touch is read whole. (The damaged member's text before the damage is read as
// it decoded: a checksum tells only at the member's end that some of it
// was wrong, and the report then says so.)
func FuzzDamagedGzip(f *testing.F) {
	parts := []string{records(0, 6), records(6, 12), records(12, 18)}
	whole, starts := gzMembers(gzip.DefaultCompression, parts...)
	f.Add([]byte{0, 0, 0, 0}, uint16(starts[1]+100), true)
	f.Add([]byte("\x1f\x8b\x08\x00junk"), uint16(starts[1]+50), false)
	f.Add(whole[starts[2]:starts[2]+40], uint16(starts[1]+30), false)
	f.Add([]byte{0xff}, uint16(3), true)
	f.Add(make([]byte, 30), uint16(len(whole)), false)
	f.Fuzz(func(t *testing.T, junk []byte, at uint16, over bool) {
		a := int(at) % (len(whole) + 1)
		lo, hi := a, a // the original's bytes damaged: [lo, hi), or bytes put in at a
		var in []byte
		if over {
			hi = a + min(len(junk), len(whole)-a)
			in = slices.Concat(whole[:a], junk[:hi-a], whole[hi:])
		} else {
			in = slices.Concat(whole[:a], junk, whole[a:])
		}
		before := slab.Out()
		r, _ := read(t, []Input{BytesInput("logs.json.gz", in)}, Limits{MaxRecord: 1 << 16, MaxDecompressed: 1 << 22})
		if out := slab.Out(); out != before {
			t.Fatalf("%d bytes of pooled buffers out after the read, %d before", out, before)
		}
		if !bytes.HasPrefix(in, gzipMagic) {
			return // no gzip file: its first bytes say what a file is
		}
		got := map[string]bool{}
		for _, ev := range r.events {
			got[ev.CorrelationID] = true
		}
		for m, s := range starts {
			e := len(whole)
			if m+1 < len(starts) {
				e = starts[m+1]
			}
			touched := over && lo < e && hi > s && !bytes.Equal(junk[:hi-lo], whole[lo:hi]) || !over && s < a && a < e && len(junk) > 0
			if touched {
				continue
			}
			for i := m * 6; i < m*6+6; i++ {
				if !got[fmt.Sprintf("c-%d", i)] {
					t.Fatalf("record %d of member %d, untouched, not read (errors %v)", i, m+1, r.errs)
				}
			}
		}
	})
}
