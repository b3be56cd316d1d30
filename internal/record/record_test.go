package record

import (
	"testing"
	"time"

	"github.com/valyala/fastjson"
)

func TestTimeForms(t *testing.T) {
	t.Parallel()
	want := time.Date(2021, 4, 28, 14, 32, 14, 29000000, time.UTC)
	cases := []struct {
		in   string
		want time.Time
	}{
		{"2021-04-28T14:32:14.029Z", want},
		{"2021-04-28T14:32:14.0290000Z", want},
		{"2021-04-28T09:32:14.029-05:00", want},
		{"2021-04-28T14:32:14.029", want},
		{"2021-04-28 14:32:14.029", want},
		{"4/28/2021, 2:32:14.029 PM", want},
		{"1619620334.029", want},
		{"1619620334029", want},
		{"  2021-04-28T14:32:14.029Z ", want},
	}
	for _, c := range cases {
		got, err := Time(c.in)
		if err != nil || !got.Equal(c.want) || got.Location() != time.UTC {
			t.Errorf("Time(%q) = %v, %v; want %v UTC", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "yesterday", "2021-13-45T00:00:00Z", "-5", "12:00"} {
		if _, err := Time(bad); err == nil {
			t.Errorf("Time(%q): no error", bad)
		}
	}
}

func TestAccessorsToleratesShapes(t *testing.T) {
	t.Parallel()
	v := fastjson.MustParse(`{"Properties":"{\"statusCode\":\"Created\",\"n\":\"42\",\"inner\":{\"ok\":\"TRUE\"}}","count":7,"list":"[1,2]","nul":null,"f":"2.5"}`)
	var sc Scratch
	if got := sc.Str(v, "properties", "statusCode"); got != "Created" {
		t.Errorf("string holding JSON, other casing: %q", got)
	}
	if n, ok := sc.Int(v, "properties", "n"); !ok || n != 42 {
		t.Errorf("number in a string: %d %v", n, ok)
	}
	if b, ok := sc.Bool(v, "Properties", "inner", "ok"); !ok || !b {
		t.Errorf("bool in a string: %v %v", b, ok)
	}
	if n, ok := sc.Int(v, "count"); !ok || n != 7 {
		t.Errorf("number: %d %v", n, ok)
	}
	if a := sc.Array(v, "list"); len(a) != 2 {
		t.Errorf("array in a string: %d", len(a))
	}
	if sc.Get(v, "nul") != nil || sc.Str(v, "missing", "deeper") != "" {
		t.Error("null or missing should read as absent")
	}
	if f, ok := sc.Float(v, "f"); !ok || f != 2.5 {
		t.Errorf("float in a string: %v %v", f, ok)
	}
	if got := sc.FirstStr(v, "missing/x", "Properties/statusCode"); got != "Created" {
		t.Errorf("FirstStr: %q", got)
	}
	if got := sc.Lower("MICROSOFT.COMPUTE/X"); got != "microsoft.compute/x" || sc.Lower("MICROSOFT.COMPUTE/X") != got {
		t.Errorf("Lower: %q", got)
	}
}

func TestSubscriptionOf(t *testing.T) {
	t.Parallel()
	for id, want := range map[string]string{
		"/subscriptions/abc/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm": "abc",
		"/SUBSCRIPTIONS/ABC-1/resourceGroups/RG":                                              "ABC-1",
		"/Subscriptions/abc":                                                                  "abc",
		"/providers/Microsoft.Management/managementGroups/mg/subscriptions/def/x":             "def",
		"/providers/Microsoft.Authorization/roleAssignments/1":                                "",
		"/subscriptions":    "",
		"subscriptions/abc": "",
		"":                  "",
	} {
		if got := SubscriptionOf(id); got != want {
			t.Errorf("SubscriptionOf(%q) = %q, want %q", id, got, want)
		}
	}
}

func TestHostName(t *testing.T) {
	for in, want := range map[string]string{
		"Train-0000003":                        "train-0000003",
		" vm-01.internal.cloudapp.net ":        "vm-01",
		"vm-01.":                               "vm-01",
		"10.0.0.4":                             "",
		"fe80::1":                              "",
		"7d9e1f20-3b4a-4c6d-9e8f-a1b2c3d4e5f6": "",
		"Contoso Production":                   "",
		"/subscriptions/x/virtualMachines/v":   "",
		"":                                     "",
	} {
		if got := HostName(in); got != want {
			t.Errorf("HostName(%q) = %q, want %q", in, got, want)
		}
	}
}
