package eventhub

import (
	"strings"
	"testing"
)

func TestParseConnectionString(t *testing.T) {
	const key = "c2VjcmV0LWtleS1vZi10aGUtdGVzdA=="
	c, err := ParseConnectionString(" Endpoint=sb://Contoso-Logs.servicebus.windows.net/;SharedAccessKeyName=listen;SharedAccessKey=" + key + ";EntityPath=insights-activity-logs ")
	if err != nil || c.Host != "contoso-logs.servicebus.windows.net" || c.KeyName != "listen" || c.Hub != "insights-activity-logs" {
		t.Fatalf("%+v, %v", c, err)
	}
	for _, bad := range []string{
		"",
		"Endpoint=https://x.servicebus.windows.net/;SharedAccessKeyName=a;SharedAccessKey=" + key,
		"Endpoint=sb://x.servicebus.windows.net/;SharedAccessKey=" + key,
		"Endpoint=sb://x.servicebus.windows.net/;SharedAccessKeyName=a;SharedAccessKey=",
		"Endpoint=sb://x.servicebus.windows.net/;SharedAccessKeyName=a;" + key,
		"Endpoint=sb://../;SharedAccessKeyName=a;SharedAccessKey=" + key,
		"Endpoint=sb://x.servicebus.windows.net/;SharedAccessKeyName=a;SharedAccessKey=" + key + ";EntityPath=../etc",
		strings.Repeat("a", 5000),
	} {
		_, err := ParseConnectionString(bad)
		if err == nil || strings.Contains(err.Error(), key) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestBroker(t *testing.T) {
	for in, want := range map[string]string{
		"contoso-logs":                              "contoso-logs.servicebus.windows.net:9093",
		"Contoso-Logs.servicebus.windows.net":       "contoso-logs.servicebus.windows.net:9093",
		"sb://contoso-logs.servicebus.windows.net/": "contoso-logs.servicebus.windows.net:9093",
		"contoso-logs.servicebus.usgovcloudapi.net": "contoso-logs.servicebus.usgovcloudapi.net:9093",
		"127.0.0.1:9092":                            "127.0.0.1:9092",
		"contoso-logs.servicebus.windows.net:9093":  "contoso-logs.servicebus.windows.net:9093",
	} {
		if got, err := Broker(in); err != nil || got != want {
			t.Errorf("%q: %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "a b", "x:", "-x", "../x", "x/y"} {
		if got, err := Broker(bad); err == nil {
			t.Errorf("%q: %q", bad, got)
		}
	}
}

// FuzzParseConnectionString: no input panics, none a key is quoted from,
// and what it accepts names a namespace's host and, if any, a hub that
// can name a folder.
func FuzzParseConnectionString(f *testing.F) {
	for _, s := range []string{
		"Endpoint=sb://x.servicebus.windows.net/;SharedAccessKeyName=a;SharedAccessKey=k;EntityPath=h",
		"endpoint=sb://X/;sharedaccesskeyname=a;sharedaccesskey=k",
		";;=;Endpoint=", "Endpoint=sb://[::1]/;SharedAccessKeyName=a;SharedAccessKey=k",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseConnectionString(s)
		if err != nil {
			if strings.Contains(s, "SharedAccessKey=") && len(s) > 40 && strings.Contains(err.Error(), s) {
				t.Fatalf("the error quotes the string: %v", err)
			}
			return
		}
		if !validHost(c.Host) || c.KeyName == "" || (c.Hub != "" && !ValidHub(c.Hub)) || strings.Contains(c.String(), c.text) {
			t.Fatalf("accepted %+v", c)
		}
	})
}
