package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPoolPortsFileIsRead(t *testing.T) {
	t.Parallel()
	in := "# a comment\nport,strength,pools,note\n10128,strong,MoneroOcean,MoneroOcean plain\n5555,strong,SupportXMR;xmrpool.eu,medium difficulty\n2222,weak,2Miners,\"2Miners plain; also SSH, alternate\"\n"
	got, err := parsePoolPorts(strings.NewReader(in), "pool_ports.csv")
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]poolPort{10128: {strong: true, pools: "MoneroOcean", note: "MoneroOcean plain"},
		5555: {strong: true, pools: "SupportXMR;xmrpool.eu", note: "medium difficulty"},
		2222: {pools: "2Miners", note: "2Miners plain; also SSH, alternate"}}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(poolPort{})); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}

func TestBadPoolPortsRowsAreAllNamedWithTheirLines(t *testing.T) {
	t.Parallel()
	in := "# reviewed\nport,strength,pools,note\n" +
		"10128,strong,MoneroOcean,plain\n" + // line 3: fine
		"70000,strong,X,too high\n" + // 4
		"10032,medium,MoneroOcean,\n" + // 5
		"10064,strong,,plain\n" + // 6: who publishes it?
		"10128,weak,MoneroOcean,again\n" + // 7
		"10256,strong,MoneroOcean;,plain\n" // 8: an empty name
	_, err := parsePoolPorts(strings.NewReader(in), "pool_ports.csv")
	if err == nil {
		t.Fatal("bad rows accepted")
	}
	for _, want := range []string{
		`pool_ports.csv:4: bad port "70000"`,
		`pool_ports.csv:5: port 10032: strength must be strong or weak, not "medium"`,
		`pool_ports.csv:6: port 10064: pools "": the names of the pools`,
		"pool_ports.csv:7: port 10128 listed twice",
		`pool_ports.csv:8: port 10256: pools "MoneroOcean;"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
	if _, err := parsePoolPorts(strings.NewReader("port,strength,names,note\n"), "pool_ports.csv"); err == nil || !strings.Contains(err.Error(), "pool_ports.csv:1: want header") {
		t.Errorf("wrong header: %v", err)
	}
}

func TestMergedPortsAreSortedAndSharedPortsStayWeak(t *testing.T) {
	t.Parallel()
	falco := []int{8080, 3333, 14444, 25, 3333}
	reviewed := map[int]poolPort{
		10128: {strong: true, pools: "MoneroOcean", note: "MoneroOcean plain"},
		3333:  {strong: true, pools: "SupportXMR", note: "SupportXMR plain"},
		2222:  {pools: "2Miners", note: "2Miners plain; also SSH"},
		8080:  {pools: "SupportXMR", note: "SupportXMR plain; also HTTP proxies"},
	}
	got, err := mergePorts(falco, reviewed, "pool_ports.csv")
	if err != nil {
		t.Fatal(err)
	}
	want := []portRow{
		{port: 25, note: "SMTP"},
		{port: 2222, pools: "2Miners", note: "2Miners plain; also SSH"},
		{port: 3333, strong: true, pools: "SupportXMR", note: "SupportXMR plain"},
		{port: 8080, pools: "SupportXMR", note: "SupportXMR plain; also HTTP proxies"},
		{port: 10128, strong: true, pools: "MoneroOcean", note: "MoneroOcean plain"},
		{port: 14444, strong: true},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(portRow{})); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}

// A reviewed pool port called strong that an ordinary service is known to
// share is a contradiction for a person to resolve, not for the generator
// to decide quietly either way.
func TestPoolPortMarkedStrongButSharedIsRefused(t *testing.T) {
	t.Parallel()
	_, err := mergePorts([]int{8080}, map[int]poolPort{8080: {strong: true, note: "SupportXMR"}, 10128: {strong: true, note: "MoneroOcean"}}, "pool_ports.csv")
	if err == nil || !strings.Contains(err.Error(), "pool_ports.csv: port 8080 is marked strong, but HTTP proxy shares it") {
		t.Errorf("got %v", err)
	}
}

// The generated file is byte-for-byte the same for the same inputs,
// whatever order the maps are walked in.
func TestPortsFileIsReproducible(t *testing.T) {
	t.Parallel()
	reviewed := map[int]poolPort{}
	for p := 10001; p <= 10064; p++ {
		reviewed[p] = poolPort{strong: p%2 == 0, pools: "A;B", note: "pool, port"}
	}
	dir := t.TempDir()
	var first []byte
	for i := range 5 {
		rows, err := mergePorts([]int{3333, 25}, reviewed, "pool_ports.csv")
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "ports.csv")
		if err := writePorts(path, rows); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = b
			if !strings.Contains(string(b), "port,strength,pools,note\n25,weak,,SMTP\n3333,strong,,\n10001,weak,A;B,\"pool, port\"\n10002,strong,A;B,\"pool, port\"\n") {
				t.Fatalf("unexpected output:\n%s", b)
			}
		} else if string(b) != string(first) {
			t.Fatalf("run %d differs from the first:\n%s\n---\n%s", i, b, first)
		}
	}
}

// The checked-in review itself must parse and agree with weakPorts.
func TestRepositoryPoolPortsAreConsistent(t *testing.T) {
	t.Parallel()
	path := filepath.Join("..", "..", "..", "data", "mining", "pool_ports.csv")
	reviewed, err := readPoolPorts(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mergePorts(nil, reviewed, path); err != nil {
		t.Fatal(err)
	}
}
