package sigma_test

import (
	"github.com/mamori-sec/mamori/internal/sigma"

	"strings"
	"testing"
)

// An OR whose branches take different operations demands, of one
// operation's records, the needles of the branches that operation can
// satisfy: run_command's run-command actions need none, its script
// extensions their types, so an extension's write must name a script's
// type where a run command need name nothing.
func TestNeedlesWhere(t *testing.T) {
	t.Parallel()
	const runCommand = "actions:\n    op: [run/action, runcommands/write]\n" +
		"scripts:\n    op: extensions/write\n    type: [CustomScript, RunCommandLinux]\n" +
		"started:\n    outcome: started\n" +
		"condition: (actions or scripts) and started"
	tests := []struct {
		name, det, op string
		want          string // groups joined by ";", needles by ","; "never" when no branch can hold
	}{
		{"a script extension's write: the scripts' types", runCommand, "extensions/write", "customscript,runcommandlinux"},
		{"a run command: nothing", runCommand, "run/action", ""},
		{"another operation: never", runCommand, "vaults/write", "never"},
		{"operation in another case", runCommand, "Extensions/Write", "customscript,runcommandlinux"},
		{"one branch needs no operation: its needles stay",
			"a:\n    op: x/write\nb:\n    type: alpha\ncondition: a or b", "x/write", ""},
		{"two of three, one ruled out: both others",
			"a:\n    op: x/write\n    f: alpha\nb:\n    g: beta\nc:\n    h: gamma\ncondition: 2 of them", "y/write", "beta;gamma"},
		{"one of three, one ruled out: either other",
			"a:\n    op: x/write\n    f: alpha\nb:\n    g: beta\nc:\n    h: gamma\ncondition: 1 of them", "y/write", "beta,gamma"},
		{"one of two, one ruled out: the other's every needle",
			"a:\n    op: x/write\nb:\n    g: beta\n    h: gamma\ncondition: a or b", "y/write", "beta;gamma"},
		{"two of three, two ruled out: never",
			"a:\n    op: x/write\nb:\n    op: z/write\nc:\n    h: gamma\ncondition: 2 of them", "y/write", "never"},
		{"a negation rules nothing out",
			"a:\n    op: x/write\nb:\n    f: alpha\ncondition: b and not a", "y/write", "alpha"},
		{"and: every needle", "a:\n    op: x/write\n    f: alpha\n    g|contains: gamma\ncondition: a", "x/write", "alpha;gamma"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := &mapResolver{indexed: map[string]bool{"op": true}, opaque: map[string]bool{"op": true, "outcome": true}}
			c := compile(t, r, tc.det, nil)
			groups, never := c.NeedlesWhere("operation", sigma.StringValue(tc.op))
			got := "never"
			if !never {
				var gs []string
				for _, g := range groups {
					gs = append(gs, strings.Join(g, ","))
				}
				got = strings.Join(gs, ";")
			}
			if got != tc.want {
				t.Errorf("NeedlesWhere(%q) = %q, want %q (Needles %q)", tc.op, got, tc.want, c.Needles())
			}
		})
	}
}
