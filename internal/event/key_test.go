package event

import (
	"strings"
	"testing"
	"time"
)

// AppendLower lowers as strings.ToLower does, ASCII eight bytes at a
// time, every byte around the letters ('@', '[', '`', '{') kept.
func TestAppendLower(t *testing.T) {
	t.Parallel()
	var all strings.Builder
	for c := range 128 {
		all.WriteByte(byte(c))
	}
	for _, s := range []string{"", "A", all.String(), "/SUBSCRIPTIONS/FF3B5424-FA1C-4575-BD43-3A93D520F2D6/RESOURCEGROUPS/ML-TRAINING",
		"ÄBC/DEF", "/SUBSCRIPTIONS/S1/RESOURCEGROUPS/RG-É"} {
		if got, want := string(AppendLower([]byte("x"), s)), "x"+strings.ToLower(s); got != want {
			t.Errorf("%q: %q, want %q", s, got, want)
		}
	}
}

// A record read briefly from one export and in full from another has one
// key: a brief reader's key from its views is the full event's; the
// Activity Log's key goes by its time to the millisecond, case aside; an
// event without a key has none, and no two kinds of key meet.
func TestRecordKey(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 3, 1, 7, 20, 0, 123456789, time.UTC)
	const res = "/subscriptions/s1/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm1"
	full := Event{Kind: KindActivity, Shape: "activity.loganalytics", ID: "d20b9652", Time: t0, Operation: "microsoft.compute/virtualmachines/write",
		Status: "Start", CorrelationID: "823b525c", ResourceID: res}
	var buf []byte
	key := RecordKey(&full, &buf)
	brief := ActivityRecordKey(&buf, t0.Truncate(time.Millisecond), full.Operation, 0, "START", " 823B525C ", strings.ToUpper(res))
	if key == 0 || brief != key {
		t.Errorf("Activity Log: full %x, brief %x", key, brief)
	}
	other := full
	other.Time = t0.Add(time.Millisecond)
	if RecordKey(&other, &buf) == key {
		t.Error("a millisecond apart, one key")
	}
	signIn := Event{Kind: KindSignIn, Time: t0, ID: "eb6057eb"}
	if k := RecordKey(&signIn, &buf); k == 0 || k != IDRecordKey(&buf, KindSignIn, "eb6057eb") || k == IDRecordKey(&buf, KindAudit, "eb6057eb") {
		t.Errorf("sign-in by its id: %x", k)
	}
	for _, e := range []Event{
		{Kind: KindFlow, Shape: "flow.vnet", Time: t0},
		{Kind: KindActivity, Time: t0, Operation: full.Operation}, // no correlation id, no id
		{Kind: KindProcess, ID: "1772591649.128:4007", Process: &Process{}},
		{Kind: KindDNS, Shape: "firewall.dns", Time: t0, DNS: &DNS{Query: "x"}}, // no port
		{Kind: KindSignIn, Brief: true},
	} {
		if k := RecordKey(&e, &buf); k != 0 {
			t.Errorf("%+v: key %x, want none", e, k)
		}
	}
	if ActivityRecordKey(&buf, t0, full.Operation, 0, "Start", "", res) != 0 || IDRecordKey(&buf, KindSignIn, "") != 0 {
		t.Error("a brief event without a correlation id or an id has a key")
	}
}

// OpKey runs once per compute create record read: it allocates nothing,
// and an id is its key whatever its case and the spaces around it.
func TestOpKey(t *testing.T) {
	const id = "823b525c-5daf-4c45-9a48-d333daa40592"
	if OpKey(id) != OpKey(" 823B525C-5DAF-4C45-9A48-D333DAA40592 ") || OpKey(id) == OpKey("823b525c-5daf-4c45-9a48-d333daa40593") {
		t.Error("keys do not follow the ids")
	}
	if n := testing.AllocsPerRun(100, func() { OpKey(id) }); n != 0 {
		t.Errorf("%v allocations a key", n)
	}
}
