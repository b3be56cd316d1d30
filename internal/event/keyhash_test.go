package event

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"hash/fnv"
	"math/bits"
	"strings"
	"testing"
	"time"
)

// Keys made with a store's secret are the same in every process that
// opens the store: HMAC-SHA-256 of what every export writes alike, no
// seed of the program's in it, another secret another key. A brief
// reader's key is the full event's, as with the hunt's own keys. A key
// that holds an id ends in as many zero bits as its unit, a hash of its
// text without a secret, and is made only when that unit is in the
// sample.
func TestKeyHash(t *testing.T) {
	t.Parallel()
	secret := []byte("a store's secret")
	t0 := time.Date(2026, 3, 1, 7, 20, 0, 123456789, time.UTC)
	const res = "/subscriptions/s1/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm1"
	full := Event{Kind: KindActivity, Shape: "activity.loganalytics", ID: "d20b9652", Time: t0, Operation: "microsoft.compute/virtualmachines/write",
		Status: "Start", CorrelationID: "823b525c", ResourceID: res}
	var buf []byte
	mac := func(b []byte) uint64 {
		m := hmac.New(sha256.New, secret)
		m.Write(b)
		return binary.LittleEndian.Uint64(m.Sum(nil))
	}
	h, again, other := NewKeyHash(secret), NewKeyHash(secret), NewKeyHash([]byte("another store's"))
	key := h.RecordKey(&full, &buf, nil)
	if want := mac(AppendActivityKey([]byte{keyActivity}, KindActivity, t0, full.Operation, 0, "Start", "823b525c", res)); key != want {
		t.Errorf("Activity Log: %x, want the HMAC of its key, %x", key, want)
	}
	if brief := again.ActivityRecordKey(&buf, t0.Truncate(time.Millisecond), full.Operation, 0, "START", " 823B525C ", strings.ToUpper(res)); brief != key {
		t.Errorf("Activity Log: full %x, brief (another KeyHash of the secret) %x", key, brief)
	}
	if other.RecordKey(&full, &buf, nil) == key || RecordKey(&full, &buf) == key {
		t.Error("another secret, or the hunt's own seed, made the same key")
	}

	id := appendIDKey(nil, KindSignIn, "eb6057eb", 0)
	f := fnv.New64a()
	f.Write(id)
	x := f.Sum64()
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	tz := bits.TrailingZeros64(x ^ x>>31)
	signIn := Event{Kind: KindSignIn, Time: t0, ID: "eb6057eb"}
	k := h.RecordKey(&signIn, &buf, nil)
	if want := (mac(id) | 1) << tz; k != want || bits.TrailingZeros64(k) != tz {
		t.Errorf("sign-in: %x, want %x, ending in its unit's %d zero bits", k, want, tz)
	}
	if brief := again.IDRecordKey(&buf, nil, KindSignIn, "eb6057eb"); brief != k {
		t.Errorf("sign-in: full %x, brief %x", k, brief)
	}
	var in, out KeyLevels
	in[KindSignIn], out[KindSignIn] = tz, tz+1
	if h.IDRecordKey(&buf, &in, KindSignIn, "eb6057eb") != k || h.RecordKey(&signIn, &buf, &in) != k {
		t.Error("in the sample: no key, or another")
	}
	if h.IDRecordKey(&buf, &out, KindSignIn, "eb6057eb") != 0 || h.RecordKey(&signIn, &buf, &out) != 0 {
		t.Error("out of the sample: a key made")
	}
	var none *KeyHash
	if none.RecordKey(&signIn, &buf, nil) != RecordKey(&signIn, &buf) || none.IDRecordKey(&buf, &out, KindSignIn, "eb6057eb") != IDRecordKey(&buf, KindSignIn, "eb6057eb") {
		t.Error("a nil KeyHash does not make the hunt's own keys")
	}
}

// TestKeyHashOpKey: a store's operation keys follow the ids as OpKey's
// do, and depend on its secret.
func TestKeyHashOpKey(t *testing.T) {
	const id = "823b525c-5daf-4c45-9a48-d333daa40592"
	h, other := NewKeyHash([]byte("store one")), NewKeyHash([]byte("store two"))
	if h.OpKey(id) != h.OpKey(" 823B525C-5DAF-4C45-9A48-D333DAA40592 ") || h.OpKey(id) == h.OpKey("823b525c-5daf-4c45-9a48-d333daa40593") {
		t.Error("keys do not follow the ids")
	}
	if h.OpKey(id) == other.OpKey(id) || h.OpKey(id) == OpKey(id) {
		t.Error("the key does not depend on the secret")
	}
	if (*KeyHash)(nil).OpKey(id) != OpKey(id) {
		t.Error("a nil KeyHash makes the hunt's own key")
	}
}
