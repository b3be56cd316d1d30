package store

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	stdhash "hash"

	"modernc.org/sqlite"
)

// metaTable is schema version 10's addition: what the store keeps about
// itself. Its one row, baseline_salt, is the store's secret that keys the
// baseline's hashes (keyer): an unsalted SHA-256 of "user, region" is
// confirmed by hashing a guess, the same in every store. The salt is made
// in the transaction that makes the table, so two processes creating or
// upgrading a store at once keep the first one's.
const metaTable = `
CREATE TABLE IF NOT EXISTS meta (
	name  TEXT PRIMARY KEY,
	value BLOB NOT NULL
) WITHOUT ROWID;
INSERT INTO meta (name, value) VALUES ('baseline_salt', ` + newSaltSQL + `()) ON CONFLICT (name) DO NOTHING;
`

// saltSize is the salt's length: as long as the hash, as HMAC's key.
const saltSize = 32

// SQL functions for the schema and its upgrade: a new salt, SHA-256 of a
// key an older mamori kept in clear, and the keyed hash of a digest.
const (
	newSaltSQL = "mamori_new_salt"
	keyHashSQL = "mamori_key_hash"
	sealSQL    = "mamori_key_seal"
)

func init() {
	sqlite.MustRegisterScalarFunction(newSaltSQL, 0, func(*sqlite.FunctionContext, []driver.Value) (driver.Value, error) {
		return newSalt(), nil
	})
	sqlite.MustRegisterDeterministicScalarFunction(keyHashSQL, 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		key, ok := args[0].(string)
		if !ok {
			return nil, fmt.Errorf("%s: a key of type %T, not text", keyHashSQL, args[0])
		}
		d := sha256.Sum256([]byte(key))
		return d[:], nil
	})
	sqlite.MustRegisterDeterministicScalarFunction(sealSQL, 2, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		// Types and lengths only: neither value may reach an error.
		salt, ok := args[0].([]byte)
		d, isBlob := args[1].([]byte)
		if !ok || len(salt) != saltSize || !isBlob || len(d) != sha256.Size {
			return nil, fmt.Errorf("%s: want a salt of %d bytes and a digest of %d", sealSQL, saltSize, sha256.Size)
		}
		h := newKeyer(salt).seal(hash(d))
		return h[:], nil
	})
}

func newSalt() []byte {
	b := make([]byte, saltSize)
	rand.Read(b) // never fails (crypto/rand): it crashes the program rather
	return b
}

// readSalt returns the store's salt, which migrate has made.
func (s *Store) readSalt(ctx context.Context) ([]byte, error) {
	var salt []byte
	err := s.db.QueryRowContext(ctx, "SELECT value FROM meta WHERE name = 'baseline_salt'").Scan(&salt)
	if errors.Is(err, sql.ErrNoRows) || err == nil && len(salt) != saltSize {
		// Not the value: it is the secret.
		return nil, fmt.Errorf("store %s: the baseline's salt is missing or damaged (meta table): the baseline cannot be read", s.path)
	}
	if err != nil {
		return nil, fmt.Errorf("store %s: reading the baseline's salt: %w", s.path, err)
	}
	return salt, nil
}

// A keyer makes keys' hashes: HMAC-SHA-256(salt, SHA-256(key)). The
// SHA-256 inside is what schema 9 kept, which is what lets the upgrade
// key a store's hashes without their keys (seal). It is not safe for
// concurrent use (Baseline holds its lock).
type keyer struct {
	mac stdhash.Hash
	buf hash // scratch: a hash's Write and Sum take slices
}

func newKeyer(salt []byte) *keyer { return &keyer{mac: hmac.New(sha256.New, salt)} }

// of returns key's hash.
func (k *keyer) of(key string) hash { return k.seal(sha256.Sum256([]byte(key))) }

// seal returns the keyed hash of a key's SHA-256.
func (k *keyer) seal(d hash) hash {
	k.buf = d
	k.mac.Reset()
	k.mac.Write(k.buf[:])
	k.mac.Sum(k.buf[:0]) // over d, which Write has taken
	return k.buf
}
