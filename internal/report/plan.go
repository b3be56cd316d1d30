package report

import (
	"fmt"
	"strings"

	"github.com/mamori-sec/mamori/internal/incident"
	"github.com/mamori-sec/mamori/internal/respond"
)

// maxCommands is how many commands of one step the terminal prints: a
// mass deployment is thousands of machines, and the HTML report and
// `--format json`'s plan list every one.
const maxCommands = 8

// writePlan prints what to do about an incident (respond.Plan): each
// step's title, what it acts on when that is not already in its commands,
// and its commands, escaped as everything the attacker named.
func writePlan(b *strings.Builder, in *incident.Incident, steps []respond.Step) {
	if len(steps) == 0 {
		return
	}
	fmt.Fprintf(b, "WHAT TO DO about %s, in this order (check each target is not your team's own; the HTML report says why each)\n", in.ID)
	for i, s := range steps {
		title := s.Title
		if len(s.Targets) > 0 && !strings.HasPrefix(s.Targets[0], "/") {
			title += ": " + clipList(s.Targets, 4)
		}
		fmt.Fprintf(b, "%3d. %s\n", i+1, Terminal(title))
		shown := s.Commands[:min(len(s.Commands), maxCommands)]
		for _, c := range shown {
			fmt.Fprintf(b, "       %s\n", Terminal(c))
		}
		if more := len(s.Commands) - len(shown); more > 0 {
			fmt.Fprintf(b, "       … and %d more commands (mamori hunt --report FILE lists every one)\n", more)
		}
	}
}
