package htmlreport

import (
	"strings"
	"testing"
)

func TestSVGText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		absent   []string
		present  string
	}{
		{"script tag is escaped", "<script>alert(1)</script>", []string{"<", ">"}, "&lt;script&gt;"},
		{"attribute break-out is escaped", `"><img src=x onerror=alert(1)>`, []string{`"`, "<", ">"}, "&#34;&gt;&lt;img"},
		{"single quote and ampersand are escaped", `a' & b`, []string{"'", " & "}, "&amp;"},
		{"bidi override becomes visible", "safe\u202etxt.exe", []string{"\u202e"}, `\u202e`},
		{"NUL becomes visible", "a\x00b", []string{"\x00"}, `\x00`},
		{"newline cannot break a label", "a\nb", []string{"\n"}, `a\nb`},
		{"invalid UTF-8 is replaced", "a\xffb", []string{"\xff"}, "a\ufffdb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := svgText(tt.in)
			for _, a := range tt.absent {
				if strings.Contains(got, a) {
					t.Errorf("svgText(%q) = %q holds %q", tt.in, got, a)
				}
			}
			if !strings.Contains(got, tt.present) {
				t.Errorf("svgText(%q) = %q, want it to hold %q", tt.in, got, tt.present)
			}
		})
	}
}
