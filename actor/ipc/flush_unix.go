//go:build unix

package ipc

import (
	"net"
	"syscall"
)

// inlineWriter writes to a socket without waiting (Flush). Made once per
// Channel, so a write allocates nothing. Used under the Channel's writing
// flag: one write at a time.
type inlineWriter struct {
	raw     syscall.RawConn // nil: not a socket, the writer goroutine does it all
	fn      func(fd uintptr) bool
	buf     []byte
	written int
	err     error
}

func newInlineWriter(conn net.Conn) *inlineWriter {
	w := &inlineWriter{}
	if sc, ok := conn.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			w.raw = raw
		}
	}
	w.fn = w.writeFD
	return w
}

// write writes as much of b as the socket takes at once. An error is one
// the socket reported; a closed descriptor or a passed deadline leaves the
// rest to the writer goroutine, which reports it.
func (w *inlineWriter) write(b []byte) (int, error) {
	if w.raw == nil {
		return 0, nil
	}
	w.buf, w.written, w.err = b, 0, nil
	_ = w.raw.Write(w.fn)
	n, err := w.written, w.err
	w.buf, w.err = nil, nil
	return n, err
}

// writeFD is the RawConn callback: it reports done whatever happens, so
// RawConn.Write never waits for the socket to become writable.
func (w *inlineWriter) writeFD(fd uintptr) bool {
	for w.written < len(w.buf) {
		n, err := syscall.Write(int(fd), w.buf[w.written:])
		if n > 0 {
			w.written += n
		}
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			return true // full: the writer goroutine waits for room
		case err != nil:
			w.err = err
			return true
		case n <= 0:
			return true
		}
	}
	return true
}
