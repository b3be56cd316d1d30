package sigma_test

import (
	"errors"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mamori-sec/mamori/internal/fields"
	"github.com/mamori-sec/mamori/internal/samples"
	"github.com/mamori-sec/mamori/internal/sigma"
)

// TestSigmaHQRules loads every SigmaHQ rule of the shared corpus: each must
// compile against mamori's fields or be refused with a named feature; no
// rule may fail for another reason. The Azure rules written for the
// placeholder set are the only ones expected to be refused (placeholders
// without values).
func TestSigmaHQRules(t *testing.T) {
	t.Parallel()
	root := filepath.Join(samples.Dir(t), "sigmahq")
	res := fields.New()
	compiled, refused := 0, map[string][]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".yml") {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rules, err := sigma.ParseFile(p)
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			return nil
		}
		for _, r := range rules {
			_, err := sigma.Compile(r, res, nil)
			var ue *sigma.UnsupportedError
			switch {
			case err == nil:
				compiled++
			case errors.As(err, &ue):
				refused[ue.Feature] = append(refused[ue.Feature], rel)
				if !strings.HasPrefix(rel, "rules-placeholder") {
					t.Errorf("%s: refused outside the placeholder set: %v", rel, err)
				}
			default:
				t.Errorf("%s: %v", rel, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	total := compiled
	for feature, files := range refused {
		total += len(files)
		t.Logf("unsupported %s: %d rules (%s)", feature, len(files), strings.Join(files, ", "))
	}
	t.Logf("%d rules: %d compile, %d refused", total, compiled, total-compiled)
	if total < 130 {
		t.Errorf("only %d rules found under %s", total, root)
	}
	if got := refused["placeholder"]; len(got) != 7 || !slices.IsSorted(got) {
		t.Errorf("placeholder rules refused: %q, want the 7 of rules-placeholder", got)
	}
}
