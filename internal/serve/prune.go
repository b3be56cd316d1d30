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
func (s *Server) prune(ctx context.Context) (Pruned, error) {
	var p Pruned
	if s.cfg.KeepOwn <= 0 || len(s.cfg.Own) == 0 {
		return p, nil
	}
	cps, err := s.cfg.Store.Checkpoints(ctx)
	if err != nil {
		return p, err
	}
	read := map[string]int64{} // absolute path → bytes read, when whole
	for path, cp := range cps {
		if cp.Offset == cp.Size {
			read[s.absPath(path)] = cp.Size
		}
	}
	carried, err := s.cfg.Store.Carried(ctx)
	if err != nil {
		return p, err
	}
	for _, c := range carried {
		delete(read, s.absPath(c.Path))
	}
	cut := s.cfg.Clock().Add(-s.cfg.KeepOwn)
	for _, root := range s.cfg.Own {
		var dirs []string
		filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			switch {
			case err != nil:
				return nil // gone, or not to be read: nothing to remove there
			case d.IsDir():
				dirs = append(dirs, path)
				return nil
			case strings.HasPrefix(d.Name(), "."):
				return nil
			}
			info, err := d.Info()
			if err != nil || !info.Mode().IsRegular() || !info.ModTime().Before(cut) {
				return nil
			}
			if n, ok := read[s.absPath(path)]; ok && n == info.Size() && os.Remove(path) == nil {
				p.Files++
				p.Bytes += n
			}
			return nil
		})
		// Deepest first; a folder that still holds anything stays.
		slices.Reverse(dirs)
		for _, d := range dirs {
			if d != root {
				os.Remove(d)
			}
		}
	}
	return p, nil
}
