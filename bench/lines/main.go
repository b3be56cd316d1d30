// Command lines counts the lines of a file with bufio and nothing else:
// the floor of bench/compare.sh, the time Go needs only to split the file
// into lines (one goroutine, no parsing).
//
//	go run ./lines FILE
package main

import (
	"bufio"
	"fmt"
	"os"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: lines FILE")
		os.Exit(2)
	}
	n, err := count(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "lines:", err)
		os.Exit(1)
	}
	fmt.Println(n)
}

// count returns the number of lines in path; a long line (up to 16 MiB,
// mamori's default limit for a record) grows the scanner's buffer.
func count(path string) (int, error) {
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
