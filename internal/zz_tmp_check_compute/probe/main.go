package main

import (
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"github.com/mamori-sec/mamori/internal/enrich"
)

func main() {
	e, err := enrich.Load(enrich.Options{})
	if err != nil {
		panic(err)
	}
	for _, a := range os.Args[1:] {
		kind, v, _ := strings.Cut(a, "=")
		switch kind {
		case "ip":
			h, p, _ := strings.Cut(v, ":")
			ip := netip.MustParseAddr(h)
			port, _ := strconv.Atoi(p)
			m, ok := e.PoolEndpoint(ip, uint16(port))
			fmt.Printf("%s: %+v pool=%v %+v\n", v, e.IP(ip), ok, m)
		case "dns":
			m, ok := e.PoolDomain(v)
			fmt.Printf("%s: %v %+v\n", v, ok, m)
		case "cmd":
			m, ok := e.PoolCommandLine(v)
			fmt.Printf("%q: %v %+v\n", v, ok, m)
		case "size":
			s, ok := enrich.SizeOf(v)
			fmt.Printf("%s: %v %+v\n", v, ok, s)
		}
	}
}
