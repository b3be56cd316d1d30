//go:build unix

package source

import (
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// openFile opens a file to read, as os.Open does but without offering it
// to the runtime's poller: os.Open sets the descriptor non-blocking, asks
// epoll to watch it (which a regular file refuses) and sets it blocking
// again, four system calls more a file that show on a folder of thousands
// of hourly blobs. A pipe or device opened so is read by blocking reads,
// which cost a thread while they wait, not correctness.
func openFile(path string) (*os.File, error) {
	for {
		fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: path, Err: err}
		}
		return os.NewFile(uintptr(fd), path), nil
	}
}
