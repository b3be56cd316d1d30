// Command mamori finds cryptojacking in Azure tenants' logs.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/mamori-sec/mamori/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// The first interrupt asks the command to end, which a hunt does once
	// its reads return; one waiting on standard input or a named pipe that
	// nothing writes to (or a hung network share) never returns. A second
	// interrupt ends the process at once: the signal has its default again.
	go func() {
		<-ctx.Done()
		stop()
	}()
	code := cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
