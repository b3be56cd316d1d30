package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/mamori-sec/mamori/internal/eventhub"
	"github.com/mamori-sec/mamori/internal/plural"
	"github.com/mamori-sec/mamori/internal/report"
)

// hubTest says, for each namespace, whether serve can sign in and which
// hubs it would read; ExitOK when every one has a hub to read.
func hubTest(ctx context.Context, h *hubFlags, stdout, stderr io.Writer) int {
	srcs, err := h.sources(stderr)
	if err != nil {
		fmt.Fprintln(stderr, "mamori serve:", report.Terminal(err.Error()))
		return ExitUsage
	}
	code := ExitOK
	for _, s := range srcs {
		fmt.Fprintf(stdout, "%s (%s):\n", s.name, signedInAs(s.cfg))
		hubs, err := eventhub.Describe(ctx, s.cfg, hubLimits.Join)
		switch {
		case err != nil:
			fmt.Fprintln(stdout, "  cannot be read:", report.Terminal(strings.TrimPrefix(err.Error(), "event hub: ")))
			code = ExitError
		case len(hubs) == 0 && len(s.cfg.Hubs) == 0:
			fmt.Fprintln(stdout, "  no hub named insights-…: has a diagnostic setting streamed to this namespace yet?")
			code = ExitError
		}
		for _, hub := range hubs {
			read := fmt.Sprintf("%d not yet read by the group %s", hub.Behind, report.Terminal(h.group))
			if !hub.Committed {
				read = fmt.Sprintf("the group %s has read none: all to read", report.Terminal(h.group))
			}
			fmt.Fprintf(stdout, "  %s: %s, %s kept, %s\n", report.Terminal(hub.Name), plural.Count(hub.Partitions, "partition", "partitions"),
				plural.Count(int(hub.Kept), "message", "messages"), read)
		}
	}
	return code
}

// signedInAs says how serve signs in to a namespace.
func signedInAs(cfg eventhub.Config) string {
	switch {
	case cfg.Conn != nil:
		return "signed in with the connection string of the policy " + report.Terminal(cfg.Conn.KeyName)
	case cfg.Credential != nil:
		return "signed in with Entra ID"
	case cfg.TLS:
		return "no sign-in, TLS"
	}
	return "no sign-in"
}
