// Command gen rewrites mamori's versioned intel files under data/ from
// their upstream sources, so that every row can be traced and regenerated.
//
// Run it from the repository root:
//
//	go run ./internal/enrich/gen pools  [-intel ../shared/data/intel] [-sigma FILE] [-out data]
//	go run ./internal/enrich/gen sizes  -skus AksNodeVmSizes.Generated.cs [-out data]
//
// pools reads the permissively licensed mining-pool lists (see
// data/mining/README.md) and the hand-reviewed data/mining/shared_parents.csv
// and pool_ports.csv, and writes data/mining/pools.csv,
// browser_mining.txt, ports.csv, miners.txt and stratum.txt. sizes merges the
// Azure Resource SKUs snapshot published in microsoft/aspire with the facts
// written in sizes_facts.go and writes data/vmsizes.csv. The output is
// sorted, so a re-run over the same inputs changes nothing.
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "pools":
		err = runPools(os.Args[2:])
	case "sizes":
		err = runSizes(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: go run ./internal/enrich/gen pools|sizes [flags]  (-h for the flags)")
	os.Exit(2)
}

// newFlags returns a flag set that exits on -h, as a command should.
func newFlags(name string) *flag.FlagSet {
	return flag.NewFlagSet(name, flag.ExitOnError)
}
