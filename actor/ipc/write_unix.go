//go:build unix

package ipc

import (
	"errors"
	"net"
	"syscall"
)

// directWriter makes one non-blocking write attempt on a socket, so a
// sender can put its frames on the wire itself when the writer goroutine is
// idle, saving the hand-over to it. nil for a connection without a file
// descriptor (then every write goes through the writer goroutine).
type directWriter struct{ rc syscall.RawConn }

func newDirectWriter(conn net.Conn) *directWriter {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return &directWriter{rc}
}

// try writes what the socket takes of b now, without waiting, and returns
// how much that was. It never blocks: a full socket buffer writes 0 bytes.
func (w *directWriter) try(b []byte) (int, error) {
	var n int
	var werr error
	err := w.rc.Write(func(fd uintptr) bool {
		for {
			n, werr = syscall.Write(int(fd), b)
			if werr != syscall.EINTR {
				break
			}
		}
		return true // one attempt: never wait for the socket here
	})
	if n < 0 {
		n = 0
	}
	if err != nil {
		return n, err
	}
	if werr != nil && !errors.Is(werr, syscall.EAGAIN) {
		return n, werr
	}
	return n, nil
}
