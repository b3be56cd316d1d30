package source

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"
)

// csvHeader and csvRow make a small Log Analytics Activity export.
const csvHeader = "TenantId,TimeGenerated [UTC],OperationNameValue,ActivityStatusValue,Caller,CallerIpAddress,_ResourceId,SubscriptionId,CorrelationId,Type\n"

func csvRow(i int) string {
	return fmt.Sprintf("t1,2026-03-01T10:%02d:00Z,MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE,Success,a@b.example,198.51.100.7,/subscriptions/s1/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm%d,s1,c%d,AzureActivity\n", i%60, i, i)
}

// TestCSVMultiLineRowWithTheWrongFieldCount: a row whose quoted cell goes
// over several lines (Log Analytics writes JSON cells pretty-printed, and
// messages keep their line breaks) and closes properly, but has the wrong
// number of fields, is reported once, at its first line, saying so; the
// lines of its cell were reported again, as stray quotes, when they were
// read again in case the quote was a stray one. A stray quote closed by
// another some rows later still gives up its line only, and the rows it
// had taken are read.
func TestCSVMultiLineRowWithTheWrongFieldCount(t *testing.T) {
	t.Parallel()
	const start = "t1,2026-03-01T10:02:00Z,MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE,Success,a@b.example,198.51.100.7,"
	for _, c := range []struct {
		name string
		bad  string // from line 3
		good []int  // lines of bad where a good row is
		errs []int  // the lines reported
		says string // the first error's reason
	}{
		{"a cell over two lines, a field short",
			start + `"/subscriptions/s1/resourcegroups/rg/providers/` + "\n" + `microsoft.compute/virtualmachines/vm2",s1,c2` + "\n",
			nil, []int{3}, "wrong number of fields"},
		{"a pretty-printed JSON cell, a field too many",
			start + "/vm2,s1,c2,AzureActivity," + `"{` + "\n" + `  ""scope"": ""/subscriptions/s1"",` + "\n\n" + `  ""actions"": [""read"", ""write"", ""delete""],` + "\n" + `}"` + "\n",
			nil, []int{3}, "wrong number of fields"},
		{"a cell ending in a line break, a field short",
			start + "/vm2,s1,\"Deployment failed.\nRetry later.\n\"\n",
			nil, []int{3}, "wrong number of fields"},
		// Read again from its second line, its closing quote opens a
		// cell that takes the rows after it, to the next cell opening with
		// a line break: those rows are not a stray quote's.
		{"a cell ending in a line break, a field too many, and one opening with a line break further on",
			start + "/vm2,s1,\"Deployment failed.\n\",c2,AzureActivity,extra\n" + csvRow(41) + start + "\"\n/subscriptions/s1/vm42\",s1,c42,AzureActivity\n",
			[]int{5, 6}, []int{3}, "wrong number of fields"},
		{"a stray quote closed by another lines later, a broken line and a row between",
			`t1,"2026-03-01T10:02:00Z,X` + "\nbroken\n" + csvRow(40) + `y",z` + "\n",
			[]int{5}, []int{3, 4, 6}, "wrong number of fields"},
		{"a stray quote closed by another at the next line",
			`t1,"2026-03-01T10:02:00Z,X` + "\n" + `y",z` + "\n",
			nil, []int{3}, "wrong number of fields"},
		{"a cell's row short of a field, then at once a stray quote closed lines later",
			start + `"/subscriptions/s1/resourcegroups/rg/providers/` + "\n" + `microsoft.compute/virtualmachines/vm2",s1,c2` + "\n" +
				`t1,"2026-03-01T10:02:00Z,X` + "\nbroken\n" + csvRow(40) + `y",z` + "\n",
			[]int{7}, []int{3, 5, 6, 8}, "wrong number of fields"},
		// Not a cell's lines: its quote does not close properly.
		{"a quote closed wrongly lines later, broken lines between",
			`t1,"2026-03-01T10:02:00Z,X` + "\nbroken\n" + `bro"ken,` + "\n",
			nil, []int{3, 4, 5}, `extraneous or missing "`},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var rows strings.Builder
			want := append([]int{2}, c.good...)
			next := 3 + strings.Count(c.bad, "\n")
			for i := range 20 {
				rows.WriteString(csvRow(i + 3))
				want = append(want, next+i)
			}
			in := csvHeader + csvRow(1) + c.bad + rows.String()
			r, st := read(t, []Input{BytesInput("in.csv", []byte(in))}, DefaultLimits())
			lines := map[int]bool{}
			for _, ev := range r.events {
				lines[ev.Loc.Line] = true
			}
			if got := slices.Sorted(maps.Keys(lines)); !slices.Equal(got, want) || len(r.events) != len(want) {
				t.Errorf("%d rows read, at lines %v; want %v", len(r.events), got, want)
			}
			var errs []int
			for _, e := range r.errs {
				errs = append(errs, e.Line)
			}
			if slices.Sort(errs); !slices.Equal(errs, c.errs) || st[0].Skipped != int64(len(c.errs)) {
				t.Fatalf("errors at lines %v (skipped %d), want %v: %v", errs, st[0].Skipped, c.errs, r.errs)
			}
			if e := r.errs[0]; e.File != "in.csv" || !strings.Contains(e.Error(), c.says) {
				t.Errorf("the row's error says %q, want its file and the reason", e)
			}
		})
	}
}

// FuzzCSVRows writes rows of three columns made of the fuzzer's cells
// (rows split at 0x1e, cells at 0x1f) with encoding/csv, quoting and line
// breaks included, and checks that mamori reads every row at its line and
// reports every row with the wrong number of fields once, at its first
// line, as encoding/csv does. The cells of such rows hold no quote or
// comma, and do not end in a line break, so that no line of theirs reads
// as a row or opens a quote: what only a stray quote can make. With raw,
// the bytes themselves follow the header: a file that encoding/csv reads
// without an error is read alike, and in any file no line is reported
// twice, or both read and reported.
func FuzzCSVRows(f *testing.F) {
	for _, s := range []string{
		"1\x1f2\x1f3",
		"1\x1fpretty\n  multi-line\n\n cell\x1e1\x1f2\x1f3\x1ex\x1fy\x1fz",
		"a\nb\x1f\x1fc\nd\x1e\x1e1\x1f\"q\"\n\x1f3\x1ecell\nover\nlines",
		"1\x1f2\x1f3\x1f4\x1e\x1e\x1e5\x1f6\x1f7",
	} {
		f.Add([]byte(s), false)
	}
	for _, s := range []string{
		"1,2,3\n\"4\n5\",6\n7,8,9\n",
		"1,\"2,3\n4,5,6\n7\",8\n",
		"1,2,\"3\n\"\n4,5,6\r\n\"a\"\"b\",c,d",
	} {
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, b []byte, raw bool) {
		data := []byte("a,b,c\n")
		if raw {
			data = append(data, b...)
		} else {
			var buf bytes.Buffer
			w := csv.NewWriter(&buf)
			for r := range bytes.SplitSeq(b, []byte{0x1e}) {
				cells := strings.Split(string(r), "\x1f")
				if len(cells) != 3 {
					for i, c := range cells {
						c = strings.NewReplacer(`"`, "", ",", "", "\r", "").Replace(c)
						if strings.HasSuffix(c, "\n") {
							c += "."
						}
						cells[i] = c
					}
				}
				w.Write(cells)
			}
			w.Flush()
			data = append(data, buf.Bytes()...)
		}
		lim := DefaultLimits()
		lim.MaxRecord = 1 << 20
		rows, errs, skipped := readCSVLines(t, data, lim)
		if skipped != int64(len(errs)) {
			t.Fatalf("skipped %d, errors at %v", skipped, errs)
		}
		if !slices.IsSorted(errs) || len(slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(rows), errs...))))) != len(rows)+len(errs) {
			t.Fatalf("a line read or reported twice: rows at %v, errors at %v", rows, errs)
		}
		wantRows, wantErrs, clean := csvLines(t, data)
		if !clean || raw && len(wantErrs) > 0 {
			return
		}
		if !slices.Equal(rows, wantRows) || !slices.Equal(errs, wantErrs) {
			t.Fatalf("rows at %v, errors at %v; want rows at %v, errors at %v\n%q", rows, errs, wantRows, wantErrs, data)
		}
	})
}

// readCSVLines reads data with readCSV and returns the lines of the rows
// read, of the errors reported, and the count of records skipped.
func readCSVLines(t *testing.T, data []byte, lim Limits) (rows, errs []int, skipped int64) {
	t.Helper()
	s, err := openStream(BytesInput("f.csv", data), lim)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ch := make(chan *batch, 4)
	fr := &fileReader{ctx: context.Background(), in: Input{Name: "f.csv"}, fs: newFileStats("f.csv"), lim: lim, out: ch,
		onErr: func(e *ParseError) { errs = append(errs, e.Line) }}
	go func() {
		defer close(ch)
		if err := fr.readCSV(s); err != nil {
			fr.fail(0, 0, err)
		}
		fr.flush()
	}()
	for b := range ch {
		for _, sp := range b.spans {
			rows = append(rows, sp.line)
		}
		b.done()
	}
	return rows, errs, fr.fs.Skipped
}

// csvLines reads data with encoding/csv, three fields a row, and returns
// the lines of the rows read and of those with the wrong number of fields;
// clean is false when it found anything else wrong.
func csvLines(t *testing.T, data []byte) (rows, errs []int, clean bool) {
	t.Helper()
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = 3
	if _, err := cr.Read(); err != nil {
		t.Fatalf("header: %v", err)
	}
	for {
		_, err := cr.Read()
		var pe *csv.ParseError
		switch {
		case errors.Is(err, io.EOF):
			return rows, errs, true
		case err == nil:
			line, _ := cr.FieldPos(0)
			rows = append(rows, line)
		case errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount):
			errs = append(errs, pe.StartLine)
		default:
			return nil, nil, false
		}
	}
}

// A Log Analytics CSV whose times are in a local zone (the label says so,
// the cells do not) is refused whole, naming the column, rather than read
// as UTC with every event in the wrong place.
func TestCSVTimesInALocalZoneAreRefused(t *testing.T) {
	t.Parallel()
	local := strings.Replace(csvHeader, "TimeGenerated [UTC]", "TimeGenerated [Local Time]", 1) + csvRow(1) + csvRow(2)
	r, _ := read(t, []Input{BytesInput("activity.csv", []byte(local))}, DefaultLimits())
	if len(r.events) != 0 || len(r.errs) != 1 || !strings.Contains(r.errs[0].Error(), `"TimeGenerated [Local Time]"`) || !strings.Contains(r.errs[0].Error(), "activity.csv:1:") {
		t.Errorf("events %d, errors %v: want none read and one error naming the file, the header's line and the column", len(r.events), r.errs)
	}
	r, _ = read(t, []Input{BytesInput("activity.csv", []byte(csvHeader+csvRow(1)+csvRow(2)))}, DefaultLimits())
	if len(r.events) != 2 || len(r.errs) != 0 {
		t.Errorf("the same export in UTC: events %d, errors %v", len(r.events), r.errs)
	}
}
