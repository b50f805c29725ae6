//go:build unix

package ipc

import (
	"net"
	"syscall"
)

// inlineWriter makes the one non-blocking write an inline send does, on
// the connection's descriptor; nil when conn has none (then every write
// goes through the writer goroutine).
type inlineWriter struct {
	rc  syscall.RawConn
	fn  func(fd uintptr) bool // w.write, made once
	buf []byte                // the write's arguments and results, for fn
	n   int
	err error
}

func newInlineWriter(conn net.Conn) *inlineWriter {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	w := &inlineWriter{rc: rc}
	w.fn = w.write
	return w
}

// try writes as much of buf as the socket takes now, without waiting, and
// returns how much that was. An error is the connection's.
func (w *inlineWriter) try(buf []byte) (int, error) {
	w.buf, w.n, w.err = buf, 0, nil
	err := w.rc.Write(w.fn)
	n := w.n
	if err == nil {
		err = w.err
	}
	w.buf, w.err = nil, nil
	return n, err
}

// write is the RawConn callback: write until done or the socket is full,
// and never ask the poller to wait.
func (w *inlineWriter) write(fd uintptr) bool {
	for w.n < len(w.buf) {
		n, err := syscall.Write(int(fd), w.buf[w.n:])
		if n > 0 {
			w.n += n
		}
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			return true
		case err != nil:
			w.err = err
			return true
		case n <= 0:
			return true
		}
	}
	return true
}
