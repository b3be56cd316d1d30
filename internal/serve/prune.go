package serve

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// serve writes some folders itself (--eventhub's messages, --fetch's
// pages): copies of what Azure keeps, which grow by every cycle's worth
// for as long as serve runs. Config.KeepOwn removes their files a cycle
// read whole longer ago than it: what they held is in the store (alerts,
// baselines, how each log went). A file a correlation window still
// reads again (carried) is kept, as is any file serve has not read to
// its end, and every hidden one (a read's marker, one being written).
// Folders others write (an export synced down) are never touched.

// Pruned is what a cycle removed.
type Pruned struct {
	Files int
	Bytes int64
}

// prune removes the files of the Own folders read whole, not carried,
// and last written more than KeepOwn ago, then the folders left empty.
// The folders are walked first: the store is asked what was read only
// when some file is old enough (most cycles, none is).
func (s *Server) prune(ctx context.Context) (Pruned, error) {
	var p Pruned
	if s.cfg.KeepOwn <= 0 || len(s.cfg.Own) == 0 {
		return p, nil
	}
	cut := s.cfg.Clock().Add(-s.cfg.KeepOwn)
	old := map[string]int64{} // path → size, of the files old enough
	var dirs []string         // each root's folders, below it
	for _, root := range s.cfg.Own {
		filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			switch {
			case err != nil:
				return nil // gone, or not to be read: nothing to remove there
			case d.IsDir():
				if path != root {
					dirs = append(dirs, path)
				}
				return nil
			case strings.HasPrefix(d.Name(), "."):
				return nil
			}
			if info, err := d.Info(); err == nil && info.Mode().IsRegular() && info.ModTime().Before(cut) {
				old[path] = info.Size()
			}
			return nil
		})
	}
	if len(old) > 0 {
		read, err := s.readWhole(ctx)
		if err != nil {
			return p, err
		}
		for path, size := range old {
			if n, ok := read[s.absPath(path)]; ok && n == size && os.Remove(path) == nil {
				p.Files++
				p.Bytes += n
			}
		}
	}
	// Deepest first; a folder that still holds anything stays.
	slices.Reverse(dirs)
	for _, d := range dirs {
		os.Remove(d)
	}
	return p, nil
}

// readWhole are the files (absolute paths) the store's checkpoints say
// were read to their end, with their sizes, less those holding records
// carried to the next cycle.
func (s *Server) readWhole(ctx context.Context) (map[string]int64, error) {
	cps, err := s.cfg.Store.Checkpoints(ctx)
	if err != nil {
		return nil, err
	}
	read := map[string]int64{}
	for path, cp := range cps {
		if cp.Offset == cp.Size {
			read[s.absPath(path)] = cp.Size
		}
	}
	carried, err := s.cfg.Store.Carried(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range carried {
		delete(read, s.absPath(c.Path))
	}
	return read, nil
}
