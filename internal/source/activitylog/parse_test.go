package activitylog

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/valyala/fastjson"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/record"
)

func TestStatusMessage(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 2000) // 4000 bytes of two-byte runes
	cases := []struct {
		name, raw, want string
	}{
		{"plain text is trimmed", `"  Conflict  "`, "Conflict"},
		{"code and message of a bare error object", `{"Code":"Conflict","Message":"busy"}`, "Conflict: busy"},
		{"a JSON document without a message stays compact JSON", `"{\"status\": \"Failed\"}"`, `{"status":"Failed"}`},
		{"null is no message", `null`, ""},
		{"a long message is cut at a rune boundary", `"` + long + `"`, long[:2048] + "…"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var sc record.Scratch
			if got := statusMessage(&sc, fastjson.MustParse(c.raw)); got != c.want {
				t.Fatalf("got %q\nwant %q", got, c.want)
			}
		})
	}
}

func TestQuotaExceededVariants(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, msg string
		want      *event.Quota
	}{
		{
			"message without the word quota is not parsed", "Allocation failed. We do not have sufficient capacity.", nil,
		},
		{
			"a quota mentioned without being exceeded is not a failure", "Quota request accepted.", nil,
		},
		{
			"line-wrapped regional message without the additional-details label",
			"Operation could not be completed as it results in exceeding approved Total Regional Cores quota.\nLocation: eastus\nCurrent Limit: 10, Current Usage: 0, Additional Required: 16, (Minimum) New Limit Required: 16.",
			&event.Quota{Family: "cores", Region: "eastus", Limit: 16, Current: 10, Required: 16, Exceeded: true, Source: "statusmessage"},
		},
		{
			"a Batch quota failure without figures keeps the event's region",
			"The specified account has reached its dedicated core quota.",
			&event.Quota{Region: "northeurope", Exceeded: true, Source: "statusmessage"},
		},
		{
			"absurd figures are ignored rather than overflowing",
			"exceeding approved standardNDFamily Cores quota. Current Limit: 99999999999999999999999, Current Usage: -1",
			&event.Quota{Family: "standardNDFamily", Region: "northeurope", Current: 999999999999999999, Exceeded: true, Source: "statusmessage"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got := quotaExceeded(c.msg, "northeurope")
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %s\nwant %s", show(got), show(c.want))
			}
		})
	}
}

func TestResourceIDs(t *testing.T) {
	t.Parallel()
	cases := []struct {
		id, typ, sub string
	}{
		{"/subscriptions/s1/resourcegroups/rg/providers/microsoft.compute/virtualmachinescalesets/v/extensions/e",
			"microsoft.compute/virtualmachinescalesets/extensions", "s1"},
		{"/subscriptions/s1/providers/microsoft.compute/locations/eastus/providers/microsoft.quota/quotas/f",
			"microsoft.quota/quotas", "s1"},
		{"/providers/microsoft.management/managementgroups/root", "microsoft.management/managementgroups", ""},
		{"/providers/microsoft.authorization", "microsoft.authorization", ""},
		{"/subscriptions/s1/resourcegroups/rg", "microsoft.resources/subscriptions/resourcegroups", "s1"},
		{"/subscriptions/s1", "microsoft.resources/subscriptions", "s1"},
		{"/subscriptions/s1/resourcegroups/rg/providers/microsoft.web/sites", "microsoft.web/sites", "s1"},
		{"not an id", "", ""},
	}
	for _, c := range cases {
		if got := typeOf(c.id); got != c.typ {
			t.Errorf("typeOf(%q) = %q, want %q", c.id, got, c.typ)
		}
		if got := record.SubscriptionOf(c.id); got != c.sub {
			t.Errorf("record.SubscriptionOf(%q) = %q, want %q", c.id, got, c.sub)
		}
	}
}

// TestLowerNames checks the member-name lower-casing against the standard
// library on names of every length around the eight-byte words it checks
// at a time, with the upper-case letter and the bytes next to A and Z in
// every position.
func TestLowerNames(t *testing.T) {
	t.Parallel()
	for n := 1; n <= 20; n++ {
		for pos := range n {
			for _, c := range []byte{'A', 'Z', '@', '[', 'a', 'z', 0xc3} {
				name := []byte(strings.Repeat("x", n))
				name[pos] = c
				var buf [maxName]byte
				got := string(lower(&buf, name))
				// ASCII letters are lowered; other bytes stay as they are.
				want := []byte(string(name))
				if 'A' <= c && c <= 'Z' {
					want[pos] = c + 'a' - 'A'
				}
				if got != string(want) {
					t.Errorf("lower(%q) = %q, want %q", name, got, want)
				}
			}
		}
	}
}

// TestScanNames checks that each name a scan lists is read, in any casing,
// and that the lists reach every member the scans keep: a name missing
// from a list would never be read.
func TestScanNames(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		list  []string
		slots func(*fastjson.Value) reflect.Value // the scan's result
	}{
		{"top", topList, func(v *fastjson.Value) reflect.Value { return reflect.ValueOf(scanTop(v)) }},
		{"properties", propList, func(v *fastjson.Value) reflect.Value { return reflect.ValueOf(scanProps(v)) }},
		{"claims", claimList, func(v *fastjson.Value) reflect.Value { return reflect.ValueOf(scanClaims(v)) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			filled := map[int]bool{}
			for _, n := range c.list {
				for _, spelling := range []string{n, strings.ToUpper(n)} {
					doc := fmt.Sprintf(`{"other":1,%q:"x"}`, spelling)
					got := c.slots(fastjson.MustParse(doc))
					found := false
					for i := range got.NumField() {
						if !got.Field(i).IsNil() {
							found = true
							filled[i] = true
						}
					}
					if !found {
						t.Errorf("member %q is listed but not read", spelling)
					}
				}
			}
			typ := c.slots(fastjson.MustParse(`{}`)).Type()
			for i := range typ.NumField() {
				if !filled[i] {
					t.Errorf("field %s is read by no listed name", typ.Field(i).Name)
				}
			}
		})
	}
}

// TestLastIndex checks the forward search against strings.LastIndex,
// overlapping occurrences included.
func TestLastIndex(t *testing.T) {
	t.Parallel()
	const sep = "/providers/"
	for _, s := range []string{
		"", "/providers/", "/subscriptions/x/providers/a/b", "/providers/a/providers/b",
		"/providers/providers/", "/providers/providers/providers/x", "no separator", "/providers",
	} {
		if got, want := lastIndex(s, sep), strings.LastIndex(s, sep); got != want {
			t.Errorf("lastIndex(%q) = %d, want %d", s, got, want)
		}
	}
}
