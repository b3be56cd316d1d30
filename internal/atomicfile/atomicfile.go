// Package atomicfile writes a file whole or not at all. Readers of the
// folder see the old file or the new one, never a half-written one: the
// data goes to a hidden temporary file beside it (serve and the readers
// pass over dot files, so a folder being watched never shows it), is
// synced, and is renamed over the name, and the folder is synced so that
// the rename too is on disk when Write returns. What mamori writes so
// (intel tables, a posture capture's manifest, fetched log pages, event
// hub messages whose offsets are committed next) must survive a crash.
package atomicfile

import (
	"io/fs"
	"os"
	"path/filepath"
)

// Write writes data to dir/name (dir must exist) with permissions perm.
func Write(dir, name string, data []byte, perm fs.FileMode) error {
	f, err := os.CreateTemp(dir, "."+name+".*.partial")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(perm)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, name))
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync() // not every system syncs a folder; the file is written all the same
		d.Close()
	}
	return nil
}
