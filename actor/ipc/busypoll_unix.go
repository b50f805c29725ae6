//go:build unix

package ipc

import (
	"io"
	"os"
	"runtime"
	"syscall"
)

// pollReader is the Channel's connection as its frame reader reads it.
// When the Channel waits for an answer, a read that finds nothing keeps
// trying, yielding the processor between tries, until a byte arrives or
// the window closes; only then does it park in the network poller. It
// waits for an answer within the window after one or two writes not yet
// answered (a request, or a reply before the next request) and after a
// small read (a request whose reply someone else is making). The answer
// usually lands inside the window and is read without the poller's
// wake-up, which is most of a round trip between two processes. An idle
// Channel never polls. The sender of a one-way stream does not (it writes
// more than twice without an answer); its receiver polls only after a
// small read, so not while it catches up with a fast stream in large
// reads, and at most one window after each small one.
type pollReader struct {
	rc     syscall.RawConn
	c      *Channel
	window int64 // nanoseconds; > 0
	recvAt int64 // when a read last returned bytes, on the clock of now
	small  bool  // that read was small: a request or a reply, not a stream

	// The RawConn callback's arguments and results.
	fn    func(fd uintptr) bool
	buf   []byte
	until int64
	n     int
	err   error
	got   bool
}

// newPollReader returns the busy-polling reader for c's connection, or nil
// when the connection has no descriptor to poll.
func newPollReader(c *Channel, window int64) *pollReader {
	sc, ok := c.conn.(syscall.Conn)
	if !ok || window <= 0 {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	r := &pollReader{rc: rc, c: c, window: window}
	r.fn = r.spin
	return r
}

// smallRead is the most a read may return for the reader to expect the
// peer's next message soon after it: more is a stream catching up.
const smallRead = 4 << 10

func (r *pollReader) Read(p []byte) (int, error) {
	n, err := r.read(p)
	if n > 0 {
		if r.c.unanswered.Load() != 0 {
			r.c.unanswered.Store(0)
		}
		r.recvAt, r.small = now(), n <= smallRead
	}
	return n, err
}

func (r *pollReader) read(p []byte) (int, error) {
	var until int64
	if w := r.c.unanswered.Load(); w > 0 && w <= maxUnanswered {
		until = r.c.sentAt.Load() + r.window
	}
	if r.small {
		until = max(until, r.recvAt+r.window)
	}
	if until == 0 || now() >= until || r.c.pollStop.Load() {
		return r.c.conn.Read(p)
	}
	r.buf, r.until, r.n, r.err, r.got = p, until, 0, nil, false
	err := r.rc.Read(r.fn)
	n, got := r.n, r.got
	if err == nil {
		err = r.err
	}
	r.buf, r.err = nil, nil
	if got || err != nil {
		return n, err
	}
	return r.c.conn.Read(p)
}

// spin is the RawConn callback: read without waiting until something
// arrives, the connection fails or ends, or the window closes. It never
// asks the poller to wait; Read falls back to the connection for that.
func (r *pollReader) spin(fd uintptr) bool {
	for {
		n, err := syscall.Read(int(fd), r.buf)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			if now() >= r.until || r.c.pollStop.Load() {
				return true
			}
			runtime.Gosched()
			continue
		case err != nil:
			r.err, r.got = os.NewSyscallError("read", err), true
		case n == 0 && len(r.buf) > 0:
			r.err, r.got = io.EOF, true
		default:
			r.n, r.got = n, true
		}
		return true
	}
}
