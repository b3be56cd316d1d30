package sigma

import (
	"regexp"
	"regexp/syntax"
	"slices"
	"testing"
)

// The miner rule's expressions, as the catalogue writes them.
var minerExprs = []string{
	`(?:^|\s)(?:-o|--url)[ =]["']?stratum`,
	`(?:^|\s)--coin[ =]["']?[A-Za-z]`,
	`(?:^|\s)(?:-a|--algo)[ =]["']?(?:rx/(?:0|wow|arq|graft|sfx|keva|yada)|cn(?:-lite|-heavy|-pico)?/(?:0|1|2|r|fast|half|xao|rto|rwz|zls|double|ccx|upx2|tube|xhv|tlo)|cn-pico|argon2/(?:chukwa|chukwav2|ninja)|randomx|kawpow|ethash|etchash|autolykos2?|ghostrider|octopus)(?:["'\s]|$)`,
	`(?:^|\s)(?:-u|--user)[ =]["']?[48][0-9AB][1-9A-HJ-NP-Za-km-z]{93}(?:[^1-9A-HJ-NP-Za-km-z]|$)`,
	`^(?i)(/|/subscriptions/[^/]+/?|/providers/microsoft\.management/managementgroups/[^/]+/?)$`,
	`^(?i)\s*(standard\s*)?n[cdgv]`,
}

func TestRequiredLiterals(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		expr string
		lits []string // nil: no filter
		fold bool
	}{
		{`stratum`, []string{"stratum"}, false},
		{`(?i)StraTum\+tcp`, []string{"stratum+tcp"}, true},
		{`(?:-a|--algo)[ =]x`, []string{"-a x", "-a=x", "--algo x", "--algo=x"}, false},
		// ^ or a space: the start, or one of \s's five before it.
		{`(?:^|\s)--coin[ =]`, []string{"--coin ", "--coin=", " --coin ", " --coin=", "\t--coin ", "\t--coin=",
			"\n--coin ", "\n--coin=", "\f--coin ", "\f--coin=", "\r--coin ", "\r--coin="}, false},
		{`a.*bcd`, []string{"bcd"}, false},
		{`(ab)+cd`, []string{"ab"}, false}, // as good as cd: the first kept
		{`(abc)+`, []string{"abc"}, false},
		{`x{2,}yz`, []string{"yz"}, false},
		{`(?:foo|b.r)`, []string{"b", "foo"}, false},
		{`(?:foo|.)`, nil, false},
		{`a*`, nil, false},
		{`.`, nil, false},
		{`(?:ab)?`, nil, false},
		{`é`, nil, false},
		{`^$`, nil, false},
		{`[0-9]+`, nil, false},
	} {
		re, err := syntax.Parse(c.expr, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		lits, fold, ok := requiredLiterals(re)
		slices.Sort(lits)
		slices.Sort(c.lits)
		if ok != (c.lits != nil) || !slices.Equal(lits, c.lits) || ok && fold != c.fold {
			t.Errorf("%s: literals %q fold %v ok %v, want %q fold %v", c.expr, lits, fold, ok, c.lits, c.fold)
		}
	}
	// Each of the miner rule's options requires something.
	for _, e := range minerExprs[:4] {
		re, _ := syntax.Parse(e, syntax.Perl)
		if _, _, ok := requiredLiterals(re); !ok {
			t.Errorf("%s: no literal required", e)
		}
	}
}

// FuzzLiteralFilter: whatever the expression and the text, the filter
// never refuses a text the expression matches.
func FuzzLiteralFilter(f *testing.F) {
	texts := []string{
		"/tmp/.x/xmrig -o stratum+tcp://pool:3333 -u 44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A --cuda",
		"xmrig --algo=rx/0 --coin=monero", "xmrig -a kawpow", "STRATUM", "ſtratum", "\u212aawpow", "Standard_NC24ads_A100_v4",
		"/subscriptions/abc", "/", "", "\xff\xfe stratum",
	}
	for _, e := range minerExprs {
		for _, s := range texts {
			f.Add(e, s)
		}
	}
	f.Add(`(?i)kawpow`, "\u212aAWPOW")
	f.Add(`(?i)s`, "ſ")
	f.Add(`a|b?`, "")
	f.Fuzz(func(t *testing.T, expr, text string) {
		re, err := regexp.Compile(expr)
		if err != nil {
			return
		}
		tree, err := syntax.Parse(expr, syntax.Perl)
		if err != nil {
			t.Fatalf("regexp compiles %q, syntax does not parse it: %v", expr, err)
		}
		filter := literalFilter(tree)
		if filter != nil && re.MatchString(text) && !filter(text) {
			lits, fold, _ := requiredLiterals(tree)
			t.Fatalf("%q matches %q, yet the filter (%q, fold %v) refuses it", expr, text, lits, fold)
		}
	})
}
