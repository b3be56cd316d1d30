package eval

import (
	"bytes"
	"fmt"
	"os"
)

// The markers around the generated evaluation table in docs/detections.md.
// Everything between them is replaced; the prose around them is kept.
const (
	DocBegin = "<!-- eval:begin (written by mamori eval --update-doc) -->"
	DocEnd   = "<!-- eval:end -->"
)

// UpdateDoc replaces the text between DocBegin and DocEnd in the Markdown
// file at path with table. A file without both markers is an error, not a
// silent append: the table belongs in one known place.
func UpdateDoc(path, table string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	out, err := replaceBlock(b, table)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, out, 0o644)
}

func replaceBlock(doc []byte, table string) ([]byte, error) {
	i := bytes.Index(doc, []byte(DocBegin))
	j := bytes.Index(doc, []byte(DocEnd))
	if i < 0 || j < i {
		return nil, fmt.Errorf("no %q … %q block to replace", DocBegin, DocEnd)
	}
	var b bytes.Buffer
	b.Write(doc[:i+len(DocBegin)])
	b.WriteString("\n")
	b.WriteString(table)
	b.Write(doc[j:])
	return b.Bytes(), nil
}
