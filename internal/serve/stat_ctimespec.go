//go:build darwin || freebsd || netbsd

package serve

import (
	"os"
	"syscall"
	"time"
)

// statusOf is a file's status change time and inode number (stamp).
func statusOf(info os.FileInfo) (ctime time.Time, ino uint64) {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return time.Time{}, 0
	}
	return time.Unix(int64(st.Ctimespec.Sec), int64(st.Ctimespec.Nsec)).UTC(), uint64(st.Ino)
}
