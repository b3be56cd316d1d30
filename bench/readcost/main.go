// Command readcost times what reading a file costs the kernel when the
// reader's buffers are warm and when other work has evicted them between
// reads, as a hunt's work does (docs/performance.md, "What a read costs").
//
//	go run ./readcost FILE BUFFERS TOUCH_MB
//
// reads FILE in 256 KiB reads into BUFFERS buffers in turn, touching
// TOUCH_MB of other memory between reads, and prints the wall time and
// the system time.
package main

import (
	"fmt"
	"os"
	"strconv"
	"syscall"
	"time"
)

var sink byte

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: readcost FILE BUFFERS TOUCH_MB")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	nbuf, _ := strconv.Atoi(os.Args[2])
	touch, _ := strconv.Atoi(os.Args[3])
	bufs := make([][]byte, max(nbuf, 1))
	for i := range bufs {
		bufs[i] = make([]byte, 256<<10)
	}
	other := make([]byte, touch<<20+1)
	var before, after syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	start := time.Now()
	var off int64
	for i := 0; ; i++ {
		b := bufs[i%len(bufs)]
		n, err := f.ReadAt(b, off)
		off += int64(n)
		for j := 0; j < n; j += 64 { // the reader looks at what it read
			sink += b[j]
		}
		for j := 0; j < len(other)-1; j += 64 { // and other work evicts it
			other[j]++
		}
		if err != nil {
			break
		}
	}
	syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	fmt.Printf("buffers %d, %d MB touched between reads: %v wall, %v system\n", len(bufs), touch,
		time.Since(start).Round(time.Millisecond), time.Duration(after.Stime.Nano()-before.Stime.Nano()).Round(time.Millisecond))
}
