// Command lines is the floor of bench/compare.sh: the time Go needs only
// to split a file into lines (one goroutine, bufio, no parsing), or, with
// -parse, to split it and parse every line with fastjson (the parser
// mamori uses) on every core and do nothing else: what any Go tool that
// reads every record pays before it does any work.
//
//	go run ./lines FILE
//	go run ./lines -parse FILE
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
)

func main() {
	parse := flag.Bool("parse", false, "parse every line as JSON with fastjson, on every core")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: lines [-parse] FILE")
		os.Exit(2)
	}
	count := countLines
	if *parse {
		count = parseLines
	}
	n, err := count(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "lines:", err)
		os.Exit(1)
	}
	fmt.Println(n)
}

// countLines returns the number of lines in path; a long line (up to 16
// MiB, mamori's default limit for a record) grows the scanner's buffer.
func countLines(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	n := 0
	for sc.Scan() {
		n++
	}
	return n, sc.Err()
}
