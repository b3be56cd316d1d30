package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// A reader's failing span starts at its first failure after a whole read,
// holds through the failures after it (the last one's words kept), and
// ends at the next whole read; its items add up over every read, its
// waiting is the last read's; a serve started without it forgets it.
func TestReadersFailAndMend(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	s := open(t, path)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	for _, r := range []ReadNoted{
		{Kind: ReaderEventHub, Source: "NS1", At: at(0), Whole: true, Items: 10, Waiting: 5},
		{Kind: ReaderFetch, Source: "", At: at(0), Whole: true, Items: 7},
		{Kind: ReaderEventHub, Source: "ns1", At: at(5), Said: "the brokers refused the sign-in", Items: 2, Waiting: 9},
		{Kind: ReaderEventHub, Source: "ns1", At: at(10), Said: "no broker answered"},
	} {
		if err := s.NoteRead(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	s = open(t, path) // kept across a restart
	rs, err := s.Readers(ctx)
	if err != nil || len(rs) != 2 {
		t.Fatalf("readers = %+v (%v), want the hub and the fetch", rs, err)
	}
	hub := rs[0]
	if hub.Kind != ReaderEventHub || hub.Source != "ns1" || !hub.Failing.Equal(at(5)) || !hub.Whole.Equal(at(0)) || !hub.Tried.Equal(at(10)) ||
		hub.Said != "no broker answered" || hub.Items != 12 || hub.Waiting != 0 {
		t.Errorf("the failing hub = %+v, want failing since 5m, whole at 0, tried at 10m, 12 items, the last words", hub)
	}
	if f := rs[1]; f.Kind != ReaderFetch || !f.Failing.IsZero() || !f.Whole.Equal(at(0)) || f.Items != 7 {
		t.Errorf("the fetch = %+v, want whole at 0 and never failing", f)
	}
	if err := s.NoteRead(ctx, ReadNoted{Kind: ReaderEventHub, Source: "ns1", At: at(15), Whole: true, Items: 1}); err != nil {
		t.Fatal(err)
	}
	if rs, _ = s.Readers(ctx); !rs[0].Failing.IsZero() || !rs[0].Whole.Equal(at(15)) || rs[0].Said != "" || rs[0].Items != 13 {
		t.Errorf("the hub mended = %+v, want no failing span, whole at 15m, 13 items", rs[0])
	}
	// A first read that fails fails from then.
	if err := s.NoteRead(ctx, ReadNoted{Kind: ReaderFetch, Source: "T2", At: at(20), Said: "refused"}); err != nil {
		t.Fatal(err)
	}
	if rs, _ = s.Readers(ctx); len(rs) != 3 || rs[2].Source != "t2" || !rs[2].Failing.Equal(at(20)) || !rs[2].Whole.IsZero() {
		t.Errorf("readers = %+v, want a third, failing since its first read", rs)
	}
	if err := s.MarkTold(ctx, ReaderFetch, "T2", true); err != nil {
		t.Fatal(err)
	}
	if rs, _ = s.Readers(ctx); !rs[2].Told || rs[0].Told || rs[1].Told {
		t.Errorf("told = %v %v %v, want the third's alone", rs[0].Told, rs[1].Told, rs[2].Told)
	}
	n, err := s.KeepReaders(ctx, []ReadNoted{{Kind: ReaderEventHub, Source: "NS1"}})
	if err != nil || n != 2 {
		t.Fatalf("KeepReaders forgot %d (%v), want 2", n, err)
	}
	if rs, _ = s.Readers(ctx); len(rs) != 1 || rs[0].Source != "ns1" {
		t.Errorf("readers kept = %+v, want the hub alone", rs)
	}
}
