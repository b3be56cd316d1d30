package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// News a receiver did not take is held for it alone, first-not-told kept
// and the latest body, until it takes a post; a week late it is dropped.
func TestNewsHeldForItsReceiver(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "m.db"))
	now := time.Date(2026, 11, 2, 3, 0, 0, 0, time.UTC)
	quiet := News{Kind: NewsQuiet, Name: "Activity Log of tenant t1", Body: []byte(`{"for":"30h"}`)}
	if err := s.HoldNews(ctx, "a", []News{quiet, {Kind: NewsFailing, Name: "event hub ns", Body: []byte(`{}`)}}, now); err != nil {
		t.Fatal(err)
	}
	quiet.Body = []byte(`{"for":"31h"}`)
	if err := s.HoldNews(ctx, "a", []News{quiet}, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.HoldNews(ctx, "b", []News{quiet}, now.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	held, dropped, err := s.NewsHeld(ctx, now.Add(3*time.Hour))
	if err != nil || dropped != 0 || len(held["a"]) != 2 || len(held["b"]) != 1 {
		t.Fatalf("held %+v, dropped %d (%v)", held, dropped, err)
	}
	if q := held["a"][1]; q.Kind != NewsQuiet || string(q.Body) != `{"for":"31h"}` || !q.Since.Equal(now) {
		t.Errorf("the quiet log held again: %+v; want its latest body, held since %v", q, now)
	}
	if n, since, err := s.NewsHeldCount(ctx); err != nil || n != 3 || !since.Equal(now) {
		t.Errorf("count %d since %v (%v)", n, since, err)
	}
	if err := s.ReleaseNews(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if held, _, _ := s.NewsHeld(ctx, now.Add(3*time.Hour)); len(held["a"]) != 0 || len(held["b"]) != 1 {
		t.Errorf("after a took its post: %+v", held)
	}
	if held, dropped, _ := s.NewsHeld(ctx, now.Add(2*time.Hour+HeldKept+time.Second)); len(held) != 0 || dropped != 1 {
		t.Errorf("a week on: held %+v, dropped %d", held, dropped)
	}
}
