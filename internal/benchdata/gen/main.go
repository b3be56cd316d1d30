// Command gen writes a benchmark file of realistic Activity Log records:
//
//	go run ./internal/benchdata/gen -size 1073741824 -o /tmp/activity.jsonl
//
// It prints how many hits it planted, which `mamori hunt` must all find.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/mamori-sec/mamori/internal/benchdata"
)

func main() {
	size := flag.Int64("size", 1<<30, "bytes to write")
	out := flag.String("o", "activity.jsonl", "output file")
	seed := flag.Uint64("seed", 1, "random seed: the same seed writes the same bytes")
	every := flag.Int("plant-every", 100000, "plant a GPU driver extension install every N records")
	perDay := flag.Int("per-day", 0, "records a day, in time order from 2026-03-01, so a larger file covers more days (0: the four weeks of March whatever the size, a larger file a busier tenant)")
	flag.Parse()
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	hits, err := benchdata.WritePaced(f, *size, *seed, *every, *perDay)
	if err == nil {
		err = f.Close()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("wrote %s: %d planted hits\n", *out, len(hits))
}
