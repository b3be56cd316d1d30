package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// serve tells its receivers of more than alerts: a log that stopped
// arriving, or arrives again, and one of its own readers failing, or
// reading again. Each is news once (the cycle that finds it), so a post
// the receiver did not take would lose it: the team paged only on alerts
// would not learn the service went blind. The store holds such news for
// the receiver that did not take it (notify_news, schema 25), as it holds
// alerts (held.go), and the next cycle tells it with its own.

// newsTable is schema version 25's addition. route names the receiver
// (notify.Route.Name: its tenants, never its URL, which is a secret);
// kind is what the news is (NewsQuiet, …), name the log's or reader's
// name as told; body is what the receiver is told of it (JSON, the
// caller's); since is the wall time of the post that first did not get
// through.
const newsTable = `
CREATE TABLE IF NOT EXISTS notify_news (
	route TEXT NOT NULL,
	kind  TEXT NOT NULL,
	name  TEXT NOT NULL,
	body  BLOB NOT NULL,
	since INTEGER NOT NULL,
	PRIMARY KEY (route, kind, name)
) WITHOUT ROWID;
`

// Kinds of news.
const (
	NewsQuiet   = "quiet"         // a log stopped arriving
	NewsBack    = "back"          // a log arrives again
	NewsFailing = "failing"       // one of serve's readers fails
	NewsMended  = "reading_again" // that reader reads again
)

// News is one piece of news held for a receiver.
type News struct {
	Kind, Name string
	Body       []byte
	Since      time.Time
}

// HoldNews keeps news a receiver (route) did not take, to be told by a
// later cycle; news held already keeps when it was first not told, and
// its body is the latest.
func (s *Store) HoldNews(ctx context.Context, route string, news []News, now time.Time) error {
	if len(news) == 0 {
		return nil
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		put, err := tx.PrepareContext(ctx, `INSERT INTO notify_news (route, kind, name, body, since) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (route, kind, name) DO UPDATE SET body = excluded.body`)
		if err != nil {
			return err
		}
		defer put.Close()
		for _, n := range news {
			if _, err := put.ExecContext(ctx, route, n.Kind, n.Name, n.Body, now.UnixNano()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store %s: holding news for the webhook: %w", s.path, err)
	}
	return nil
}

// NewsHeld returns the news held for each receiver, oldest first, and
// forgets what was held since before now less HeldKept (dropped counts
// it): a week late, that a log stopped is said by `mamori status`.
func (s *Store) NewsHeld(ctx context.Context, now time.Time) (held map[string][]News, dropped int, err error) {
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM notify_news WHERE since < ?", now.Add(-HeldKept).UnixNano())
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		dropped = int(n)
		rows, err := tx.QueryContext(ctx, "SELECT route, kind, name, body, since FROM notify_news ORDER BY since, kind, name")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var route string
			var n News
			var since int64
			if err := rows.Scan(&route, &n.Kind, &n.Name, &n.Body, &since); err != nil {
				return err
			}
			n.Since = time.Unix(0, since).UTC()
			if held == nil {
				held = map[string][]News{}
			}
			held[route] = append(held[route], n)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, fmt.Errorf("store %s: news held for the webhook: %w", s.path, err)
	}
	return held, dropped, nil
}

// ReleaseNews forgets the news held for a receiver once it took it.
func (s *Store) ReleaseNews(ctx context.Context, route string) error {
	if _, err := s.db.ExecContext(ctx, "DELETE FROM notify_news WHERE route = ?", route); err != nil {
		return fmt.Errorf("store %s: news held for the webhook: %w", s.path, err)
	}
	return nil
}

// NewsHeldCount counts the news held for the receivers, and since when the
// first was; it changes nothing (`mamori status`).
func (s *Store) NewsHeldCount(ctx context.Context) (int, time.Time, error) {
	var n int
	var first sql.NullInt64
	if err := s.db.QueryRowContext(ctx, "SELECT count(*), min(since) FROM notify_news").Scan(&n, &first); err != nil {
		return 0, time.Time{}, fmt.Errorf("store %s: news held for the webhook: %w", s.path, err)
	}
	var since time.Time
	if first.Valid {
		since = time.Unix(0, first.Int64).UTC()
	}
	return n, since, nil
}
