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
	code := cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
