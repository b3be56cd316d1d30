package cli

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/mamori-sec/mamori/internal/notify"
	"github.com/mamori-sec/mamori/internal/store"
)

// A message's news (logs that stopped or arrive again, readers failing or
// reading again) is found once, by the cycle it happens in: when the
// receiver does not take the post, the store holds it for that receiver
// (store.HoldNews) and the next cycles tell it with their own until one
// post gets through, as held alerts are.

// heldQuiet is what the store keeps of a quiet log: how long it has been
// quiet is said again when told.
type heldQuiet struct {
	Arrived time.Time `json:"arrived"`
	Last    time.Time `json:"last,omitzero"`
}

// heldFailing is what the store keeps of a failing reader.
type heldFailing struct {
	Since time.Time `json:"since"`
	Said  string    `json:"said"`
}

// newsOf is the news of m, to hold when its receiver did not take it.
func newsOf(m *notify.Message) []store.News {
	var out []store.News
	add := func(kind, name string, v any) {
		b, err := json.Marshal(v)
		if err != nil {
			return // the types above always marshal
		}
		out = append(out, store.News{Kind: kind, Name: name, Body: b})
	}
	for _, q := range m.Quiet {
		add(store.NewsQuiet, q.Name, heldQuiet{Arrived: q.Arrived, Last: q.Last})
	}
	for _, name := range m.Back {
		add(store.NewsBack, name, struct{}{})
	}
	for _, f := range m.Failing {
		add(store.NewsFailing, f.Name, heldFailing{Since: f.Since, Said: f.Said})
	}
	for _, name := range m.Mended {
		add(store.NewsMended, name, struct{}{})
	}
	return out
}

// withNews adds to m the news held for its receiver that m does not tell
// already; news this mamori cannot read is passed over (a week on, the
// store forgets it).
func withNews(m *notify.Message, held []store.News, now time.Time) {
	for _, n := range held {
		switch n.Kind {
		case store.NewsQuiet:
			var q heldQuiet
			if json.Unmarshal(n.Body, &q) == nil && !slices.ContainsFunc(m.Quiet, func(x notify.QuietLog) bool { return x.Name == n.Name }) {
				m.Quiet = append(m.Quiet, notify.QuietLog{Name: n.Name, For: now.Sub(q.Arrived), Arrived: q.Arrived, Last: q.Last})
			}
		case store.NewsBack:
			if !slices.Contains(m.Back, n.Name) {
				m.Back = append(m.Back, n.Name)
			}
		case store.NewsFailing:
			var f heldFailing
			if json.Unmarshal(n.Body, &f) == nil && !slices.ContainsFunc(m.Failing, func(x notify.FailingReader) bool { return x.Name == n.Name }) {
				m.Failing = append(m.Failing, notify.FailingReader{Name: n.Name, Since: f.Since, Said: f.Said})
			}
		case store.NewsMended:
			if !slices.Contains(m.Mended, n.Name) {
				m.Mended = append(m.Mended, n.Name)
			}
		}
	}
}
