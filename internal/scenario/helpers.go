package scenario

import (
	"go.yaml.in/yaml/v3"

	"github.com/mamori-sec/mamori/internal/rules"
)

func yamlUnmarshal(b []byte, v any) error { return yaml.Unmarshal(b, v) }

// generates reports whether a rule makes alerts of its own: the base rules
// of correlations that do not generate only feed them.
func generates(set *rules.Set, r *rules.Rule) bool {
	c := set.Correlations()
	return c == nil || !c.Silent(r.Name)
}
