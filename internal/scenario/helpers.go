package scenario

import (
	"go.yaml.in/yaml/v3"

	"github.com/mamori-sec/mamori/internal/rules"
)

func yamlUnmarshal(b []byte, v any) error { return yaml.Unmarshal(b, v) }

// silentBase reports whether a rule makes alerts of its own. Base rules of
// correlations that do not generate make none; until correlations run,
// every rule does.
func silentBase(_ *rules.Set, _ *rules.Rule) (generates bool, why string) { return true, "" }
