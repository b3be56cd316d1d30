//go:build !linux && !openbsd && !darwin && !freebsd && !netbsd

package serve

import (
	"os"
	"time"
)

// statusOf gives nothing where the system's file status has no ctime or
// inode mamori reads (Windows): the stamp is the size and time alone, as
// a checkpoint of an older store's is.
func statusOf(os.FileInfo) (ctime time.Time, ino uint64) { return time.Time{}, 0 }
