package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"

	"github.com/valyala/fastjson"
)

// chunk is how much of the file one worker parses at a time.
const chunk = 1 << 20

// parseLines reads path in chunks cut at line ends and parses every
// non-blank line with fastjson on GOMAXPROCS goroutines. It returns the
// number of lines that parsed, and an error naming the first that did
// not: the floor must read the same records the tools do.
func parseLines(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	chunks := make(chan []byte, 4)
	free := make(chan []byte, 8)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		total int
		bad   error
	)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			var p fastjson.Parser
			n := 0
			for c := range chunks {
				for rest := c; len(rest) > 0; {
					line := rest
					if i := bytes.IndexByte(rest, '\n'); i >= 0 {
						line, rest = rest[:i], rest[i+1:]
					} else {
						rest = nil
					}
					if len(bytes.TrimSpace(line)) == 0 {
						continue
					}
					if _, err := p.ParseBytes(line); err != nil {
						mu.Lock()
						bad = cmpErr(bad, fmt.Errorf("a line does not parse: %v", err))
						mu.Unlock()
						continue
					}
					n++
				}
				free <- c[:0]
			}
			mu.Lock()
			total += n
			mu.Unlock()
		})
	}
	err = cut(f, chunks, free)
	close(chunks)
	wg.Wait()
	if err == nil {
		err = bad
	}
	return total, err
}

// cut reads r into buffers from free (or new ones) and sends each, ending
// at its last newline; the bytes after it start the next buffer.
func cut(r io.Reader, chunks chan<- []byte, free chan []byte) error {
	var carry []byte
	for {
		var buf []byte
		select {
		case buf = <-free:
		default:
			buf = make([]byte, 0, 2*chunk)
		}
		buf = append(buf[:0], carry...)
		if cap(buf) < len(buf)+chunk {
			buf = append(make([]byte, 0, len(buf)+chunk), buf...)
		}
		n, err := io.ReadFull(r, buf[len(buf):len(buf)+chunk])
		buf = buf[:len(buf)+n]
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			if len(buf) > 0 {
				chunks <- buf
			}
			return nil
		}
		if err != nil {
			return err
		}
		i := bytes.LastIndexByte(buf, '\n')
		if i < 0 { // a line longer than the buffer: read on
			carry = buf
			continue
		}
		carry = append(carry[:0:0], buf[i+1:]...)
		chunks <- buf[:i+1]
	}
}

// cmpErr keeps the first error.
func cmpErr(first, next error) error {
	if first != nil {
		return first
	}
	return next
}
