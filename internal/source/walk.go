package source

import (
	"bytes"
	"cmp"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// walk lists what Expand reads under the folder root: its regular files
// and links to files, hidden names passed over, sorted by name, with the
// errors met (folders that cannot be read, links not followed), sorted
// too. Folders are read by several goroutines at once: an export of
// hourly blobs is a folder per hour and per resource, thousands of them,
// and read one after the other they took a quarter of a hunt over a large
// tenant's flow logs, before any file was read. A link named as root is
// followed; names found begin with root as given (cleaned, as
// filepath.Join cleans).
func walk(root string) ([]Input, []error) {
	var w walker
	w.spare = make(chan struct{}, runtime.GOMAXPROCS(0))
	w.visit(root)
	w.wg.Wait()
	slices.SortFunc(w.found, func(x, y Input) int { return cmpString(x.Name, y.Name) })
	slices.SortFunc(w.errs, func(x, y error) int { return cmp.Compare(x.Error(), y.Error()) })
	return w.found, w.errs
}

type walker struct {
	spare chan struct{} // a token for each goroutine that may read a folder beside this one
	wg    sync.WaitGroup
	mu    sync.Mutex
	found []Input
	errs  []error
}

// visit reads folder dir and the folders under it: on a goroutine of its
// own while a token is spare, else on this one.
func (w *walker) visit(dir string) {
	entries, err := os.ReadDir(dir) // what it read before an error, too
	var found []Input
	var errs []error
	if err != nil {
		errs = append(errs, err)
	}
	for _, d := range entries {
		if d.Name()[0] == '.' {
			continue
		}
		p := filepath.Join(dir, d.Name())
		switch {
		case d.IsDir():
			select {
			case w.spare <- struct{}{}:
				w.wg.Go(func() {
					w.visit(p)
					<-w.spare
				})
			default:
				w.visit(p)
			}
		case d.Type().IsRegular():
			// The folder's entry says what it is: no stat of each file.
			if isStoreJournal(dir, d.Name(), entries) {
				continue
			}
			found = append(found, fileInput(p))
		case d.Type()&fs.ModeSymlink != 0:
			in, err := linkInput(p)
			if err != nil {
				errs = append(errs, err)
			} else if in != nil {
				found = append(found, *in)
			}
		}
	}
	w.mu.Lock()
	w.found = append(w.found, found...)
	w.errs = append(w.errs, errs...)
	w.mu.Unlock()
}

// isStoreJournal reports whether name, in dir, is a file SQLite keeps
// beside a database also in dir (serve's store in the folder it watches,
// hunted while serve runs): part of the database, not a log that could not
// be read. The database itself is never opened here, nor the shared
// memory: this runs inside serve too, and closing any descriptor of a file
// drops the process's POSIX locks on it, SQLite's among them. A WAL or a
// rollback journal is known by its own first bytes; the shared memory,
// which has none, by the WAL beside it.
func isStoreJournal(dir, name string, entries []fs.DirEntry) bool {
	has := func(n string) bool {
		_, ok := slices.BinarySearchFunc(entries, n, func(e fs.DirEntry, n string) int { return strings.Compare(e.Name(), n) })
		return ok
	}
	for _, j := range storeJournals {
		base, ok := strings.CutSuffix(name, j.suffix)
		if !ok || base == "" || !has(base) {
			continue
		}
		if j.magic == nil {
			return has(base + "-wal")
		}
		return startsWith(filepath.Join(dir, name), j.magic...)
	}
	return false
}

// startsWith reports whether the file at path begins with one of magic,
// or is empty.
func startsWith(path string, magic ...[]byte) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var head [8]byte
	n, _ := io.ReadFull(f, head[:])
	if n == 0 {
		return true // a WAL before its first write, or after a checkpoint truncated it
	}
	for _, m := range magic {
		if bytes.HasPrefix(head[:n], m) {
			return true
		}
	}
	return false
}
