// Package parsers measures how fast JSON lines can be parsed on this machine
// by the parsers mamori could use: the floor under any reader of
// Activity Log records (docs/performance.md, "How fast JSON parses here").
package parsers

import (
	"bytes"
	"os"
	"testing"

	"github.com/minio/simdjson-go"
	"github.com/valyala/fastjson"
)

// load reads the JSON lines file named by MAMORI_BENCH_JSONL (made with
// go run ./internal/benchdata/gen -size 64000000 -o FILE).
func load(b *testing.B) []byte {
	path := os.Getenv("MAMORI_BENCH_JSONL")
	if path == "" {
		b.Skip("MAMORI_BENCH_JSONL names no file")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// BenchmarkFastjsonLines parses every line into a tree, as mamori's
// readers do.
func BenchmarkFastjsonLines(b *testing.B) {
	data := load(b)
	b.SetBytes(int64(len(data)))
	var p fastjson.Parser
	for b.Loop() {
		rest := data
		for len(rest) > 0 {
			i := bytes.IndexByte(rest, '\n')
			if i < 0 {
				i = len(rest)
			}
			if _, err := p.ParseBytes(rest[:i]); err != nil {
				b.Fatal(err)
			}
			rest = rest[min(i+1, len(rest)):]
		}
	}
}

// BenchmarkFastjsonValidate only validates every line.
func BenchmarkFastjsonValidate(b *testing.B) {
	data := load(b)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		rest := data
		for len(rest) > 0 {
			i := bytes.IndexByte(rest, '\n')
			if i < 0 {
				i = len(rest)
			}
			if err := fastjson.ValidateBytes(rest[:i]); err != nil {
				b.Fatal(err)
			}
			rest = rest[min(i+1, len(rest)):]
		}
	}
}

// BenchmarkSimdND parses 1 MiB chunks of lines with simdjson-go (AVX2).
func BenchmarkSimdND(b *testing.B) {
	if !simdjson.SupportedCPU() {
		b.Skip("cpu")
	}
	data := load(b)
	b.SetBytes(int64(len(data)))
	var pj *simdjson.ParsedJson
	for b.Loop() {
		eachChunk(data, func(c []byte) {
			var err error
			if pj, err = simdjson.ParseND(c, pj); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// eachChunk calls fn with data cut into chunks of about 1 MiB that end at
// a line's end, as mamori's reader cuts a file.
func eachChunk(data []byte, fn func([]byte)) {
	const chunk = 1 << 20
	for rest := data; len(rest) > 0; {
		end := min(chunk, len(rest))
		if j := bytes.LastIndexByte(rest[:end], '\n'); j >= 0 && end < len(rest) {
			end = j + 1
		}
		fn(rest[:end])
		rest = rest[end:]
	}
}

// BenchmarkSimdNDOp parses and reads operationName of each record.
func BenchmarkSimdNDOp(b *testing.B) {
	if !simdjson.SupportedCPU() {
		b.Skip("cpu")
	}
	data := load(b)
	b.SetBytes(int64(len(data)))
	var pj *simdjson.ParsedJson
	var el *simdjson.Element
	n := 0
	for b.Loop() {
		eachChunk(data, func(c []byte) {
			var err error
			if pj, err = simdjson.ParseND(c, pj); err != nil {
				b.Fatal(err)
			}
			iter := pj.Iter()
			for {
				typ := iter.Advance()
				if typ != simdjson.TypeRoot {
					break
				}
				_, root, err := iter.Root(nil)
				if err != nil {
					b.Fatal(err)
				}
				el, err = root.FindElement(el, "operationName")
				if err == nil {
					if s, err := el.Iter.StringBytes(); err == nil && len(s) > 0 {
						n++
					}
				}
			}
		})
	}
	_ = n
}
