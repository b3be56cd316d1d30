package main

import (
	"fmt"
	"os"

	"github.com/mamori-sec/mamori/internal/enrich"
	"github.com/mamori-sec/mamori/internal/event"
	"github.com/mamori-sec/mamori/internal/rules"
)

func main() {
	set, _ := rules.Load(rules.Options{Dirs: []string{os.Args[1]}})
	r := set.ByName("azure.host.miner_process")
	e, _ := enrich.Load(enrich.Options{})
	fe := set.Resolver.NewEvent()
	for _, c := range os.Args[2:] {
		ev := &event.Event{Kind: event.KindProcess, Operation: "execve", Process: &event.Process{CommandLine: c, Image: "/usr/bin/x"}}
		e.Apply(ev)
		fe.Reset(ev)
		k := ""
		if ev.Enrich.Pool != nil {
			k = ev.Enrich.Pool.Kind
		}
		fmt.Printf("%-5v %-8s %q\n", r.Compiled.Match(fe), k, c)
	}
}
