// Command plant interleaves a known number of planted records among the
// Activity Log records of internal/benchdata, for bench/compare.sh: after
// every N input lines it inserts the next of ten records, a hit for each
// of five detections of mamori's catalogue and a near miss (decoy) for
// each, in Azure's diagnostic-settings shape. It writes the expected count
// per rule as JSON, which every tool in the comparison must match.
//
//	go run ./plant -every 1000 -in noise.jsonl -o planted.jsonl -counts expected.json
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
)

// Counts is what was written: lines in all, hits per rule, decoys.
type Counts struct {
	Lines  int            `json:"lines"`
	Hits   map[string]int `json:"hits"`
	Decoys int            `json:"decoys"`
}

// Interleave copies in to out, inserting a planted record after every
// `every` lines of in. Lines longer than bufio's buffer are copied whole.
// The same input and seed write the same bytes.
func Interleave(in io.Reader, out io.Writer, every int, seed uint64) (Counts, error) {
	if every < 1 {
		return Counts{}, fmt.Errorf("plant: -every must be at least 1, got %d", every)
	}
	r := rand.New(rand.NewPCG(seed, seed^0x5bd1e995))
	br := bufio.NewReaderSize(in, 1<<20)
	bw := bufio.NewWriterSize(out, 1<<20)
	c := Counts{Hits: map[string]int{}}
	for _, rule := range Rules {
		c.Hits[rule] = 0 // a rule with no hit is still listed
	}
	read, nplanted := 0, 0
	for {
		line, err := br.ReadSlice('\n')
		for err == bufio.ErrBufferFull { // a long line: copy it in pieces
			if _, werr := bw.Write(line); werr != nil {
				return c, werr
			}
			line, err = br.ReadSlice('\n')
		}
		if len(line) > 0 {
			if line[len(line)-1] != '\n' { // a last line without its newline
				line = append(line, '\n')
			}
			if _, werr := bw.Write(line); werr != nil {
				return c, werr
			}
			read++
			c.Lines++
			if read%every == 0 {
				// Hits and decoys alternate over the cycle of ten, so a
				// prefix of the file has all kinds.
				k := nplanted % (2 * len(Rules))
				var p planted
				if k%2 == 0 {
					p = hit(r, k/2, nplanted)
				} else {
					p = decoy(r, k/2, nplanted)
				}
				if _, werr := bw.WriteString(p.line); werr != nil {
					return c, werr
				}
				c.Lines++
				nplanted++
				if p.rule == "" {
					c.Decoys++
				} else {
					c.Hits[p.rule]++
				}
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return c, err
		}
	}
	return c, bw.Flush()
}

func main() {
	every := flag.Int("every", 1000, "insert a planted record after every N input lines")
	in := flag.String("in", "", "input JSON lines (internal/benchdata's output)")
	out := flag.String("o", "", "output JSON lines")
	counts := flag.String("counts", "", "write the expected hits per rule here (JSON)")
	seed := flag.Uint64("seed", 1, "random seed for ids in the planted records")
	flag.Parse()
	if err := run(*in, *out, *counts, *every, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "plant:", err)
		os.Exit(1)
	}
}

func run(inPath, outPath, countsPath string, every int, seed uint64) error {
	if inPath == "" || outPath == "" || countsPath == "" {
		return fmt.Errorf("-in, -o and -counts are required")
	}
	in, err := os.Open(inPath)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(outPath)
	if err != nil {
		return err
	}
	c, err := Interleave(in, out, every, seed)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%s: %w", outPath, err)
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(countsPath, append(b, '\n'), 0o644)
}
