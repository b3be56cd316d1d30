package source

import (
	"testing"

	"github.com/mamori-sec/mamori"
	"github.com/mamori-sec/mamori/internal/engine"
	"github.com/mamori-sec/mamori/internal/enrich"
	"github.com/mamori-sec/mamori/internal/rules"
)

// BenchmarkReadFileBrief is BenchmarkReadFile as a hunt with the built-in
// catalogue reads the file: the records no rule wants (engine.Wants) are
// read briefly, the others decoded in full, none evaluated.
func BenchmarkReadFileBrief(b *testing.B) {
	set, err := rules.Load(rules.Options{Builtin: mamori.Rules})
	if err != nil {
		b.Fatal(err)
	}
	enr, err := enrich.Load(enrich.Options{})
	if err != nil {
		b.Fatal(err)
	}
	eng, err := engine.New(set, 2, set.Correlations())
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Close()
	eng.SourceAzure = enr.Azure
	benchReadFile(b, Options{Wants: eng.Wants})
}
