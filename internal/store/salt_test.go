package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mamori-sec/mamori/internal/correlate"
	"github.com/mamori-sec/mamori/internal/sigma"
)

// salt returns the store's salt as the file holds it.
func salt(t *testing.T, s *Store) []byte {
	t.Helper()
	var b []byte
	if err := s.db.QueryRowContext(context.Background(), "SELECT value FROM meta WHERE name = 'baseline_salt'").Scan(&b); err != nil {
		t.Fatalf("the store's salt: %v", err)
	}
	return b
}

// storedKeys returns the baseline's stored keys.
func storedKeys(t *testing.T, s *Store) [][]byte {
	t.Helper()
	rows, err := s.db.QueryContext(context.Background(), "SELECT key FROM baseline ORDER BY tenant, rule, key")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var k []byte
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		out = append(out, k)
	}
	return out
}

// Each store makes its own salt, 32 random bytes, when it is created,
// and keeps it: a dictionary of hashed user names made for one store is
// of no use on another.
func TestEachStoreHasItsOwnSalt(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a := open(t, filepath.Join(dir, "a.db"))
	b := open(t, filepath.Join(dir, "b.db"))
	sa, sb := salt(t, a), salt(t, b)
	if len(sa) != 32 || len(sb) != 32 {
		t.Fatalf("salts of %d and %d bytes, want 32", len(sa), len(sb))
	}
	if bytes.Equal(sa, sb) || bytes.Equal(sa, make([]byte, 32)) {
		t.Error("two stores share their salt, or it is zeros")
	}
	a.Close()
	if again := salt(t, open(t, filepath.Join(dir, "a.db"))); !bytes.Equal(again, sa) {
		t.Error("a store opened again has another salt: its baseline is lost")
	}
}

// The same key recorded in two stores is kept as two unrelated hashes,
// neither the key's plain SHA-256 (which anyone can compute from a
// guess), in the table or anywhere in the files; each store still sees it.
func TestSameKeyIsHashedApartInTwoStores(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	key := correlate.BaselineKey("alice@contoso.com", "eastus")
	plain := sha256.Sum256([]byte(key))
	var kept [][]byte
	for _, name := range []string{"a", "b"} {
		dir := t.TempDir()
		path := filepath.Join(dir, name+".db")
		s := open(t, path)
		bl := s.Baseline(ctx)
		bl.Record("t1", "first_region", key, t0)
		if _, err := s.Commit(ctx, Cycle{Baseline: bl}); err != nil {
			t.Fatal(err)
		}
		keys := storedKeys(t, s)
		if len(keys) != 1 {
			t.Fatalf("store %s keeps %d keys, want 1", name, len(keys))
		}
		if bytes.Equal(keys[0], plain[:]) {
			t.Errorf("store %s keeps the key's plain SHA-256", name)
		}
		kept = append(kept, keys[0])
		s.Close()
		noneHolds(t, dir, string(plain[:]))
		if _, ok := open(t, path).Baseline(ctx).Seen("t1", "first_region", key); !ok {
			t.Errorf("store %s opened again does not see the key", name)
		}
	}
	if bytes.Equal(kept[0], kept[1]) {
		t.Error("two stores keep the same hash of the same key")
	}
}

// A schema 9 store kept each key as its plain SHA-256, the key itself
// gone. The upgrade keys those hashes in place, and first_seen, run by
// the correlation engine over the upgraded store, still knows the keys
// learned before: a principal seen in its region before the upgrade is
// not new after it; one never seen is. No file keeps a plain hash.
func TestUpgradeKeysTheSchema9Baseline(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "m.db")
	// As schema 9 was: no salt, keys as their SHA-256 (sch9), with a few
	// hundred others so the keys fill pages as a served store's do.
	s := openSchema9(t, path)
	rules := firstRegion(t)
	old := sch9{s}
	for i := range 300 {
		old.Record("t1", "first_region", correlate.BaselineKey(fmt.Sprintf("svc-%03d", i), "westus"), t0)
	}
	st := rules.Stream(correlate.Options{Store: old, DataStart: t0, Baseline: 2 * 24 * time.Hour})
	if fs := st.Add(region("alice@contoso.com", "eastus", 0)); len(fs) != 0 {
		t.Fatalf("a key of the learning period fired: %v", fs)
	}
	st.Flush()
	s.Close()
	alice := sha256.Sum256([]byte(correlate.BaselineKey("alice@contoso.com", "eastus")))
	if !holds(t, dir, string(alice[:])) {
		t.Fatal("the schema 9 store does not hold the key's plain SHA-256: nothing to upgrade")
	}

	s = open(t, path)
	var v int
	if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil || v != schemaVersion {
		t.Fatalf("after the upgrade: version %d (%v), want %d", v, err, schemaVersion)
	}
	if len(salt(t, s)) != 32 {
		t.Fatal("the upgraded store has no salt")
	}
	noneHolds(t, dir, string(alice[:])) // open: its WAL too
	for _, k := range storedKeys(t, s) {
		if bytes.Equal(k, alice[:]) {
			t.Error("the upgrade left the key's plain SHA-256")
			break
		}
	}
	bl := s.Baseline(ctx)
	st = rules.Stream(correlate.Options{Store: bl, DataStart: t0, Baseline: 2 * 24 * time.Hour})
	if fs := st.Add(region("alice@contoso.com", "eastus", 5)); len(fs) != 0 {
		t.Errorf("a principal in its region seen before the upgrade is new after it: %v", fs)
	}
	if fs := append(st.Add(region("mallory@contoso.com", "eastus", 5)), st.Flush()...); len(fs) != 1 {
		t.Errorf("a principal never seen: %d alerts, want 1 (the rule does not fire: the test sees nothing)", len(fs))
	}
	if _, err := s.Commit(ctx, Cycle{Baseline: bl}); err != nil {
		t.Fatal(err)
	}
	if n := len(storedKeys(t, s)); n != 300+2 {
		t.Errorf("%d keys after a cycle, want %d: the upgraded hash is not the one recorded", n, 300+2)
	}
	s.Close()
	noneHolds(t, dir, string(alice[:]))
}

// A schema 9 store's prunes (keys unseen for their window) left their
// plain hashes in the file's free space, which the upgrade's rewrite of
// the rows does not reach: the upgraded file holds none of them.
func TestUpgradeLeavesNoPrunedPlainHash(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "m.db")
	s := openSchema9(t, path)
	key := func(i int) string { return correlate.BaselineKey(fmt.Sprintf("svc-%03d", i), "westus") }
	for i := range 600 {
		sch9{s}.Record("t1", "first_region", key(i), t0.Add(-time.Duration(i%2)*30*24*time.Hour))
	}
	// As schema 9's Commit pruned.
	if _, err := s.db.ExecContext(ctx, "DELETE FROM baseline WHERE last_seen < ?", t0.UnixNano()); err != nil {
		t.Fatal(err)
	}
	s.Close()
	pruned := func() (n int) {
		for i := 1; i < 600; i += 2 {
			h := sha256.Sum256([]byte(key(i)))
			if holds(t, dir, string(h[:])) {
				n++
			}
		}
		return n
	}
	if pruned() == 0 {
		t.Fatal("the schema 9 store keeps no pruned hash: nothing to clean")
	}
	s = open(t, path)
	if n := pruned(); n > 0 {
		t.Errorf("the upgraded store holds %d plain hashes of pruned keys", n)
	}
	if n := len(storedKeys(t, s)); n != 300 {
		t.Errorf("%d keys after the upgrade, want the 300 kept", n)
	}
}

// Two processes opening a schema 9 store at once both find it upgraded
// once: the one that waited for the other's lock must not key the hashes
// again (twice keyed, the baseline is lost), as it would if it ran the
// upgrade it decided on before the other's commit.
func TestUpgradeTogetherKeysOnce(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	s := openSchema9(t, path)
	sch9{s}.Record("t1", "first_region", "eastus", t0)
	s.Close()
	openTogether(t, path)
	s = open(t, path)
	before := salt(t, s)
	// The one that waited runs the upgrade on the upgraded store.
	if _, err := s.db.ExecContext(ctx, upgrade); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(salt(t, s), before) {
		t.Error("the upgrade run again made another salt")
	}
	if _, ok := s.Baseline(ctx).Seen("t1", "first_region", "eastus"); !ok {
		t.Error("after two upgrades, the key kept before is not seen")
	}
}

// openSchema9 opens the store at path made as schema 9 was: no salt (no
// meta table), the version 9.
func openSchema9(t *testing.T, path string) *Store {
	t.Helper()
	s := open(t, path)
	if _, err := s.db.ExecContext(context.Background(), "DROP TABLE meta; PRAGMA user_version = 9"); err != nil {
		t.Fatal(err)
	}
	return s
}

// sch9 is a schema 9 mamori's baseline: keys as their plain SHA-256.
type sch9 struct{ s *Store }

func (b sch9) Seen(tenant, rule, key string) (time.Time, bool) {
	var t int64
	h := sha256.Sum256([]byte(key))
	if b.s.db.QueryRow("SELECT last_seen FROM baseline WHERE tenant = ? AND rule = ? AND key = ?", tenant, rule, h[:]).Scan(&t) != nil {
		return time.Time{}, false
	}
	return time.Unix(0, t).UTC(), true
}

func (b sch9) Record(tenant, rule, key string, at time.Time) {
	h := sha256.Sum256([]byte(key))
	if _, err := b.s.db.Exec(`INSERT INTO baseline VALUES (?, ?, ?, ?)
		ON CONFLICT (tenant, rule, key) DO UPDATE SET last_seen = max(last_seen, excluded.last_seen)`, tenant, rule, h[:], at.UnixNano()); err != nil {
		panic(err)
	}
}

// firstRegion compiles a first_seen correlation: a principal creating
// compute in a region it was not seen in.
func firstRegion(t *testing.T) *correlate.Set {
	t.Helper()
	rules, err := sigma.Parse([]byte(`title: Compute created
name: compute
id: id-compute
logsource:
    product: azure
detection:
    sel:
        x: 1
    condition: sel
---
title: New region
name: first_region
level: high
tags: [attack.impact]
correlation:
    type: first_seen
    rules: [compute]
    group-by: [principal, region]
`))
	if err != nil {
		t.Fatal(err)
	}
	var corrs, dets []*sigma.Rule
	for _, r := range rules {
		if r.Kind == sigma.KindCorrelation {
			corrs = append(corrs, r)
		} else {
			dets = append(dets, r)
		}
	}
	set, err := correlate.Compile(corrs, dets)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// region is a compute match by principal in region, day days after t0.
func region(principal, region string, day int) correlate.Match {
	return correlate.Match{Rule: "compute", RuleID: "id-compute", Tenant: "t1", Time: t0.Add(time.Duration(day) * 24 * time.Hour),
		Fields: map[string][]string{"principal": {principal}, "region": {region}}}
}

// A schema 9 mamori that stopped without closing its store (killed, a
// power cut) leaves its last cycles in the WAL, plain hashes with them.
// The upgrade's checkpoint copies them into the file, keyed, and empties
// the WAL, where they would otherwise stay as long as the store is open.
func TestUpgradeAfterACrashLeavesNoPlainHash(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	s := openSchema9(t, path)
	key := correlate.BaselineKey("alice@contoso.com", "eastus")
	sch9{s}.Record("t1", "first_region", key, t0)
	// The files as the crash left them: the cycle in the WAL.
	crashed := t.TempDir()
	for _, f := range []string{"m.db", "m.db-wal"} {
		data, err := os.ReadFile(filepath.Join(filepath.Dir(path), f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(crashed, f), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	plain := sha256.Sum256([]byte(key))
	if !holds(t, crashed, string(plain[:])) {
		t.Fatal("the crashed store holds no plain hash: nothing to upgrade")
	}
	s = open(t, filepath.Join(crashed, "m.db"))
	noneHolds(t, crashed, string(plain[:]))
	if _, ok := s.Baseline(ctx).Seen("t1", "first_region", key); !ok {
		t.Error("the key the crashed cycle kept is not seen after the upgrade")
	}
}
