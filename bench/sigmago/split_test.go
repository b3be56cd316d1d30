package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestSplitKeepsLinesWhole(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
	}{
		{"lines across block boundaries", strings.Repeat(strings.Repeat("a", 999)+"\n", 3000)},
		{"a line longer than a block", "x\n" + strings.Repeat("b", 3*blockSize) + "\ny\n"},
		{"no final newline", strings.Repeat("c", blockSize+10) + "\nlast"},
		{"empty", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := make(chan []byte, 100)
			var got bytes.Buffer
			done := make(chan error)
			go func() { done <- split(strings.NewReader(tt.in), out) }()
			for b := range out {
				if len(b) == 0 {
					t.Error("an empty block")
				}
				got.Write(b)
				if !bytes.HasSuffix(b, []byte("\n")) && got.Len() != len(tt.in) {
					t.Errorf("a block ends inside a line, at byte %d", got.Len())
				}
			}
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if got.String() != tt.in {
				t.Errorf("blocks joined are %d bytes, want the %d bytes read", got.Len(), len(tt.in))
			}
		})
	}
}
