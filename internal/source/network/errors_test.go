package network

import (
	"strings"
	"testing"

	"github.com/mamori-sec/mamori/internal/record"
	"github.com/valyala/fastjson"
)

// TestTimeErrorQuotesTheRecordBriefly: an unreadable time is quoted cut,
// so a column that holds other text does not carry all of it into the
// message (standard error, serve's journal).
func TestTimeErrorQuotesTheRecordBriefly(t *testing.T) {
	t.Parallel()
	const tail = "sig=AbC%2Bdef%3D"
	long := "https://acct.blob.core.windows.net/logs/x.json?sv=2022-11-02&ss=b&srt=o&sp=r&se=2026-12-01T00:00:00Z&" + tail
	v := fastjson.MustParse(`{"category":"AzureFirewallDnsProxy","time":"` + long + `","operationName":"AzureFirewallDnsProxyLog",` +
		`"properties":{"msg":"DNS Request: 10.40.2.4:53457 - 47856 A IN pool.example.com. udp 52 false 512 NOERROR qr,rd,ra 114 0.000271s"}}`)
	shape, ok := Detect(v, record.Hint{})
	if !ok {
		t.Fatal("the record is not claimed")
	}
	var sc record.Scratch
	_, err := Decode(&sc, v, shape, nil)
	if err == nil {
		t.Fatal("no error")
	}
	if msg := err.Error(); strings.Contains(msg, tail) || len(msg) > 120 {
		t.Errorf("%d bytes, quotes the record's tail: %q", len(msg), msg)
	}
}
