package store

import (
	"context"
	"fmt"
	"net/netip"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
	"github.com/mamori-sec/mamori/internal/coverage"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/incident"
)

// Each cycle's logs add up: records sum, the span widens, and the last
// arrival moves on only with a cycle that read new records; a time the
// cycle did not have (no event with a time) leaves the stored one.
func TestLogsAddUp(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	s := open(t, path)
	wall := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	far := time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC) // beyond nanoseconds' range
	cycles := [][]LogSeen{
		{{Kind: "signin", Records: 10, First: t0.Add(time.Hour), Last: t0.Add(2 * time.Hour), Arrived: wall}},
		{{Kind: "signin", Records: 5, First: t0, Last: t0.Add(90 * time.Minute), Arrived: wall.Add(time.Hour)},
			{Kind: "process", Records: 3}},
		{{Kind: "signin", First: t0.Add(time.Minute), Last: far}}, // read again, nothing new
	}
	for _, c := range cycles {
		if _, err := s.Commit(ctx, Cycle{Logs: c}); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	logs, err := open(t, path).Logs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]LogSeen{}
	for _, l := range logs {
		got[l.Kind] = l
	}
	want := map[string]LogSeen{
		"signin":  {Kind: "signin", Records: 15, First: t0, Last: far, Arrived: wall.Add(time.Hour)},
		"process": {Kind: "process", Records: 3},
	}
	if len(got) != len(want) {
		t.Fatalf("logs = %+v", logs)
	}
	for k, w := range want {
		g := got[k]
		if g.Records != w.Records || !g.First.Equal(w.First) || !g.Last.Equal(w.Last) || !g.Arrived.Equal(w.Arrived) {
			t.Errorf("%s = %+v, want %+v", k, g, w)
		}
	}
}

// A store of an older schema (1 before the logs table, … 4 before the
// regions table, 5 before the principal_names table, 6 before the
// owner_sightings table, 7 before tenant_logs' events, 8 before hashed
// baseline keys, 9 before their salt, 10 before the compute creates, 11
// before their jobs, 12 before compute_created, 13 before the
// checkpoints' ctime, inode and look, 14 before the regions' seen and
// the scale tables, 15 before the record keys) is upgraded in place when
// opened, keeping what it holds.
func TestUpgradeFromSchema1(t *testing.T) {
	// What versions 1 to 15 were: this schema without the tables added
	// since. Version 9 hashed the baseline's keys: before it, baseline was
	// this, its keys text (with a key to keep, seen after the upgrade).
	const since8 = `; DROP TABLE baseline;
		CREATE TABLE baseline (tenant TEXT NOT NULL, rule TEXT NOT NULL, key TEXT NOT NULL, last_seen INTEGER NOT NULL,
			PRIMARY KEY (tenant, rule, key)) WITHOUT ROWID;
		INSERT INTO baseline VALUES ('t1', 'first_region', 'westeurope', 1)`
	// Version 8 added tenant_logs' events column: before it, tenant_logs
	// was this (with a row to keep).
	const since7 = `; DROP TABLE tenant_logs;
		CREATE TABLE tenant_logs (tenant TEXT NOT NULL, kind TEXT NOT NULL, first INTEGER NOT NULL, last INTEGER NOT NULL,
			arrived INTEGER NOT NULL, PRIMARY KEY (tenant, kind)) WITHOUT ROWID;
		INSERT INTO tenant_logs VALUES ('t2', 'signin', 1, 2, 3)`
	// Version 7 also added the logs table's unnamed column: before it, logs
	// was this (with a row to keep).
	const since6 = `; DROP TABLE owner_sightings; DROP TABLE logs;
		CREATE TABLE logs (kind TEXT PRIMARY KEY, records INTEGER NOT NULL, first INTEGER, last INTEGER, arrived INTEGER) WITHOUT ROWID;
		INSERT INTO logs (kind, records) VALUES ('dns', 7)`
	// Version 10 added the meta table (the baseline's salt): before it,
	// the keys were their plain SHA-256 (with a key to keep).
	// Version 11 added the compute creates' tables, 12 compute_creates'
	// jobs column, 13 compute_created. Version 14 added the checkpoints'
	// tail, ctime, inode and looked: before it, checkpoints was this (with
	// a row to keep). Version 15 added the regions' seen and the scale
	// tables: before it, regions was this (with a row to keep).
	// Version 16 added record_keys and logs' key_level (dropped from the
	// logs table version 7 made, which since6 makes without it), 17
	// start_writes, 18 owned_addrs, 19 first_fires, 20 alert_ops, 21
	// notify_held, 22 its waiting column and notify_told, 23
	// subscription_logs' events, 24 readers, 25 notify_news.
	const sealed = `; INSERT INTO baseline VALUES ('t1', 'first_region', ` + sealSQL + `((SELECT value FROM meta WHERE name = 'baseline_salt'), ` + keyHashSQL + `('westeurope')), 1)`
	// subscription_logs' events (23) is dropped from every store that has
	// the table (4 on), after the rest.
	const since22 = "; ALTER TABLE subscription_logs DROP COLUMN events"
	// readers (24) and notify_news (25) are dropped from every store
	// before 24; 24 lacks only notify_news.
	const since24 = "; DROP TABLE notify_news"
	const since23 = "; DROP TABLE readers" + since24
	const since21 = "; DROP TABLE notify_told; ALTER TABLE notify_held DROP COLUMN waiting"
	const since20 = "; DROP TABLE notify_held; DROP TABLE notify_told"
	const since19 = "; DROP TABLE alert_ops" + since20
	const since18 = "; DROP TABLE first_fires" + since19
	const since17 = "; DROP TABLE owned_addrs" + since18
	const since16 = "; DROP TABLE start_writes" + since17
	const since15 = since16 + "; DROP TABLE record_keys"
	const noKeyLevel = "; ALTER TABLE logs DROP COLUMN key_level"
	const since14 = since15 + `; DROP TABLE scale_sizes; DROP TABLE scale_writes; DROP TABLE regions;
		CREATE TABLE regions (resource TEXT PRIMARY KEY, region TEXT NOT NULL) WITHOUT ROWID;
		INSERT INTO regions VALUES ('/subscriptions/s0/old', 'westus')`
	const since13 = `; DROP TABLE checkpoints;
		CREATE TABLE checkpoints (path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime INTEGER NOT NULL, offset INTEGER NOT NULL,
			line INTEGER NOT NULL, lines INTEGER NOT NULL, head TEXT NOT NULL) WITHOUT ROWID;
		INSERT INTO checkpoints VALUES ('/logs/old.json', 10, 5, 10, 2, 1, 'h')` + since14
	const since12 = `; DROP TABLE compute_created` + since13
	const since10 = `; DROP TABLE compute_ops; DROP TABLE compute_creates` + since12
	const since9 = `; DROP TABLE meta` + since10
	const sch10 = since10 + sealed
	const sch11 = `; ALTER TABLE compute_creates DROP COLUMN jobs` + since12 + sealed
	const sch12 = since12 + sealed
	const sch13 = since13 + sealed
	const sch14 = since14 + sealed
	const sch15 = since15 + sealed
	const sch16 = since16 + sealed
	const sch17 = since17 + sealed
	const sch18 = since18 + sealed
	const sch19 = since19 + sealed
	const sch20 = since20 + sealed
	const sch21 = since21 + sealed
	const sch22 = sealed
	const sch9 = since9 + `; INSERT INTO baseline VALUES ('t1', 'first_region', ` + keyHashSQL + `('westeurope'), 1)`
	// Before 5 there was no regions table: dropped last, after since14
	// made it as version 14 had it.
	const noRegions = "; DROP TABLE regions"
	for v, drop := range map[int]string{1: "DROP TABLE logs; DROP TABLE tenant_logs; DROP TABLE subscription_logs; DROP TABLE principal_names; DROP TABLE owner_sightings" + since8 + since9 + noRegions,
		2: "DROP TABLE tenant_logs; DROP TABLE subscription_logs; DROP TABLE principal_names" + since6 + since8 + since9 + noRegions,
		3: "DROP TABLE subscription_logs; DROP TABLE principal_names" + since6 + since7 + since8 + since9 + noRegions, 4: "DROP TABLE principal_names" + since6 + since7 + since8 + since9 + noRegions,
		5: "DROP TABLE principal_names" + since6 + since7 + since8 + since9, 6: since6[2:] + since7 + since8 + since9, 7: since7[2:] + since8 + since9 + noKeyLevel,
		8: since8[2:] + since9 + noKeyLevel, 9: sch9[2:] + noKeyLevel, 10: sch10[2:] + noKeyLevel, 11: sch11[2:] + noKeyLevel,
		12: sch12[2:] + noKeyLevel, 13: sch13[2:] + noKeyLevel, 14: sch14[2:] + noKeyLevel, 15: sch15[2:] + noKeyLevel,
		16: sch16[2:], 17: sch17[2:], 18: sch18[2:], 19: sch19[2:], 20: sch20[2:], 21: sch21[2:], 22: sch22[2:], 23: sealed[2:], 24: sealed[2:]} {
		if v >= 4 && v < 23 {
			drop += since22
		}
		if v < 24 {
			drop += since23
		} else {
			drop += since24
		}
		t.Run(fmt.Sprint(v), func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "m.db")
			s := open(t, path)
			if _, err := s.Commit(ctx, Cycle{Alerts: []alert.Alert{{ID: "a1", Rule: "r", Tenant: "t1", Time: t0, Severity: alert.High}}}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.db.ExecContext(ctx, fmt.Sprintf("%s; PRAGMA user_version = %d", drop, v)); err != nil {
				t.Fatal(err)
			}
			s.Close()
			s = open(t, path)
			var got int
			if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&got); err != nil || got != schemaVersion {
				t.Errorf("user_version = %d (%v), want %d", got, err, schemaVersion)
			}
			if as, err := s.Alerts(ctx, time.Time{}); err != nil || len(as) != 1 {
				t.Errorf("alerts after the upgrade = %v (%v), want the one stored", as, err)
			}
			if err := s.Hold(ctx, []alert.Alert{{ID: "a1"}}, nil, t0, true); err != nil {
				t.Errorf("holding an alert for the webhook after the upgrade: %v", err)
			}
			if c, err := s.HeldCount(ctx); err != nil || c.Waiting != 1 || c.Held != 0 {
				t.Errorf("held after the upgrade: %+v (%v), want 1 waiting", c, err)
			}
			if err := s.SetTold(ctx, map[string]alert.Severity{"inc-1": alert.High}, t0); err != nil {
				t.Errorf("an incident told after the upgrade: %v", err)
			}
			if err := s.NoteRead(ctx, ReadNoted{Kind: ReaderEventHub, Source: "ns", At: t0, Whole: true, Items: 3}); err != nil {
				t.Errorf("a reader's read after the upgrade: %v", err)
			}
			if err := s.HoldNews(ctx, "r", []News{{Kind: NewsQuiet, Name: "Activity Log", Body: []byte("{}")}}, time.Now()); err != nil {
				t.Errorf("news held after the upgrade: %v", err)
			}
			if last, ok := s.Baseline(ctx).Seen("t1", "first_region", "westeurope"); !ok || last.UnixNano() != 1 {
				t.Errorf("the baseline key kept before the upgrade: seen %v at %v, want seen at 1 ns", ok, last)
			}
			if _, err := s.Commit(ctx, Cycle{Logs: []LogSeen{{Kind: "activity", Records: 1}, {Kind: "process", Records: 3, Unnamed: 2}},
				TenantLogs: []TenantLogSeen{{Tenant: "t1", Kind: "activity", First: t0, Last: t0, Arrived: t0, Events: 4},
					{Tenant: "t1", Subscription: "s1", Kind: "activity", First: t0, Last: t0, Arrived: t0}},
				Learned: &Learned{Regions: map[string]string{"/subscriptions/s1/x": "eastus"}, Sizes: map[string]string{"/subscriptions/s1/vmss": "Standard_F2s_v2"},
					Starts: []event.StartWrite{{ID: "/subscriptions/s1/vm/gpu", Size: "Standard_ND96asr_v4", SizeAt: t0}},
					Owned:  []event.OwnedAddr{{Tenant: "t1", Prefix: netip.MustParsePrefix("4.156.33.7/32")}}},
				Names:     map[string]string{"sp-1": "pipeline"},
				Sightings: sighted("s1", "/logs/t1", "t1", 3), Compute: &ComputeCycle{Ops: map[uint64]OpState{1: OpJob}}}); err != nil {
				t.Errorf("a cycle after the upgrade: %v", err)
			}
			if ws, _, err := s.StartWrites(ctx, time.Now(), 10); err != nil || len(ws) != 1 || ws[0].Size != "Standard_ND96asr_v4" {
				t.Errorf("start_writes after the upgrade = %+v (%v), want the write the cycle kept", ws, err)
			}
			if ps, _, err := s.Owned(ctx, time.Now(), 10); err != nil || len(ps) != 1 {
				t.Errorf("owned_addrs after the upgrade = %v (%v), want the address the cycle kept", ps, err)
			}
			cps, err := s.Checkpoints(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if old := (Checkpoint{Path: "/logs/old.json", Size: 10, ModTime: time.Unix(0, 5).UTC(), Offset: 10, Line: 2, Lines: true, Head: "h"}); v < 14 && cps[old.Path] != old {
				t.Errorf("the checkpoint kept before the upgrade = %+v, want %+v (nothing known of its ctime, inode, look)", cps[old.Path], old)
			}
			cp := Checkpoint{Path: "/logs/new.json", Size: 1, ModTime: t0, Offset: 1, Line: 1, Lines: true, Head: "h", Tail: "t",
				Ctime: t0.Add(time.Second), Inode: 1 << 63, Looked: t0.Add(time.Minute)}
			if _, err := s.Commit(ctx, Cycle{Checkpoints: []Checkpoint{cp}}); err != nil {
				t.Fatal(err)
			}
			if cps, err = s.Checkpoints(ctx); err != nil || cps[cp.Path] != cp {
				t.Errorf("a checkpoint after the upgrade = %+v (%v), want %+v", cps[cp.Path], err, cp)
			}
			if _, err := s.Commit(ctx, Cycle{Logs: []LogSeen{{Kind: "signin", Records: 2}},
				Keys: map[string]coverage.KeySample{"signin": {Keys: []coverage.KeyCount{{Key: 8, Readings: 2, Unit: 3}}}}}); err != nil {
				t.Errorf("a cycle with record keys after the upgrade: %v", err)
			}
			if c, err := s.ComputeCreates(ctx); err != nil || c != (ComputeCreates{Creates: 1, Unsized: 1, Jobs: 1}) {
				t.Errorf("compute creates after the upgrade = %+v (%v), want the one committed", c, err)
			}
			created := []incident.Created{{Tenant: "t1", Time: t0, Principals: []string{"oid-1"}, Compute: alert.Compute{Size: "Standard_NC6", Count: 2}}}
			if _, err := s.Commit(ctx, Cycle{Created: created}); err != nil {
				t.Errorf("a cycle's creates after the upgrade: %v", err)
			}
			if got, err := s.Created(ctx, time.Time{}); err != nil || !reflect.DeepEqual(got, created) {
				t.Errorf("creates after the upgrade = %+v (%v), want the one committed", got, err)
			}
			l, err := s.Learned(ctx, time.Now(), 10)
			if err != nil || l.Regions["/subscriptions/s1/x"] != "eastus" || l.Sizes["/subscriptions/s1/vmss"] != "Standard_F2s_v2" {
				t.Errorf("learned after the upgrade = %+v (%v), want what was committed", l, err)
			}
			if v >= 5 && v < 15 && l.Regions["/subscriptions/s0/old"] != "westus" {
				t.Errorf("the region kept before the upgrade is gone (or taken for older than it is kept): %v", l.Regions)
			}
			if names, err := s.PrincipalNames(ctx); err != nil || names["sp-1"] != "pipeline" {
				t.Errorf("names after the upgrade = %v (%v), want the one committed", names, err)
			}
			logs, err := s.Logs(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range logs {
				if l.Kind == "process" && l.Unnamed != 2 || l.Kind == "dns" && (l.Records != 7 || l.Unnamed != 0 || l.Repeats != 0) ||
					l.Kind == "signin" && l.Repeats != 1 {
					t.Errorf("logs after the upgrade: %+v", l)
				}
			}
			if v > 1 && v < 7 && !slices.ContainsFunc(logs, func(l LogSeen) bool { return l.Kind == "dns" }) {
				t.Errorf("the logs row before the upgrade is gone: %+v", logs)
			}
			if got, err := s.Sightings(ctx); err != nil || got.Subscriptions["s1"]["t1"] != 3 || got.Folders["/logs/t1"]["t1"] != 3 {
				t.Errorf("sightings after the upgrade = %v (%v), want the ones committed", got, err)
			}
			tl, err := s.TenantLogs(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range tl {
				if l.Tenant == "t1" && l.Subscription == "" && l.Events != 4 || l.Tenant == "t2" && l.Events != 0 {
					t.Errorf("tenant logs after the upgrade: %+v", l)
				}
			}
			if v > 2 && v < 8 && !slices.ContainsFunc(tl, func(l TenantLogSeen) bool { return l.Tenant == "t2" }) {
				t.Errorf("the tenant_logs row before the upgrade is gone: %+v", tl)
			}
		})
	}
}

// A tenant's log widens its span each cycle, and its arrival moves on
// only with a later event than the store held: records read again (the
// open windows' carry) are not arrivals. Forgetting a tenant drops its
// logs, its subscriptions' with them, and no other's.
func TestTenantLogs(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "m.db"))
	w1, w2, w3 := t0.Add(time.Hour), t0.Add(2*time.Hour), t0.Add(3*time.Hour)
	cycles := [][]TenantLogSeen{
		{{Tenant: "a", Kind: "activity", First: t0, Last: t0.Add(time.Hour), Arrived: w1, Events: 5},
			{Tenant: "b", Kind: "signin", First: t0, Last: t0, Arrived: w1, Events: 1}},
		// a: only records read again, earlier ones; b: a later event.
		{{Tenant: "a", Kind: "activity", First: t0.Add(-time.Hour), Last: t0.Add(30 * time.Minute), Arrived: w2, Events: 2},
			{Tenant: "b", Kind: "signin", First: t0.Add(time.Minute), Last: t0.Add(time.Minute), Arrived: w2, Events: 1}},
		{{Tenant: "a", Kind: "activity", First: t0.Add(time.Hour), Last: t0.Add(2 * time.Hour), Arrived: w3, Events: 4},
			{Tenant: "a", Subscription: "s1", Kind: "activity", First: t0.Add(time.Hour), Last: t0.Add(90 * time.Minute), Arrived: w3, Events: 3}},
	}
	// The tenants' and subscriptions' events add up over the cycles.
	want := [][]TenantLogSeen{
		{{Tenant: "a", Kind: "activity", First: t0, Last: t0.Add(time.Hour), Arrived: w1, Events: 5},
			{Tenant: "b", Kind: "signin", First: t0, Last: t0, Arrived: w1, Events: 1}},
		{{Tenant: "a", Kind: "activity", First: t0.Add(-time.Hour), Last: t0.Add(time.Hour), Arrived: w1, Events: 7},
			{Tenant: "b", Kind: "signin", First: t0, Last: t0.Add(time.Minute), Arrived: w2, Events: 2}},
		{{Tenant: "a", Kind: "activity", First: t0.Add(-time.Hour), Last: t0.Add(2 * time.Hour), Arrived: w3, Events: 11},
			{Tenant: "a", Subscription: "s1", Kind: "activity", First: t0.Add(time.Hour), Last: t0.Add(90 * time.Minute), Arrived: w3, Events: 3},
			{Tenant: "b", Kind: "signin", First: t0, Last: t0.Add(time.Minute), Arrived: w2, Events: 2}},
	}
	for i, c := range cycles {
		if _, err := s.Commit(ctx, Cycle{TenantLogs: c}); err != nil {
			t.Fatal(err)
		}
		got, err := s.TenantLogs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.EqualFunc(got, want[i], func(a, b TenantLogSeen) bool {
			return a.Tenant == b.Tenant && a.Subscription == b.Subscription && a.Kind == b.Kind && a.First.Equal(b.First) && a.Last.Equal(b.Last) && a.Arrived.Equal(b.Arrived) && a.Events == b.Events
		}) {
			t.Errorf("after cycle %d:\n%+v\nwant\n%+v", i+1, got, want[i])
		}
	}
	if n, err := s.ForgetTenant(ctx, "a"); err != nil || n != 2 {
		t.Fatalf("forget a: %d, %v", n, err)
	}
	if got, err := s.TenantLogs(ctx); err != nil || len(got) != 1 || got[0].Tenant != "b" {
		t.Errorf("after forgetting a: %+v, %v", got, err)
	}
	if n, err := s.ForgetTenant(ctx, "nobody"); err != nil || n != 0 {
		t.Errorf("forget an unknown tenant: %d, %v", n, err)
	}
}
