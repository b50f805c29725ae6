package ipc

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/hitchrt/hitch/actor/msg"
)

// closeFlushTimeout bounds how long Close waits for queued frames to reach
// a peer that does not read. A variable so tests can shorten it.
var closeFlushTimeout = 2 * time.Second

// Channel is one handshaken, authenticated connection to a peer actor. Make
// one with [Dial] or receive one from [Listener.Serve].
//
// A Channel owns two goroutines. The reading one reads frames, decodes them
// and queues complete messages for [Channel.Recv], so a slow network never
// blocks the caller's runtime. The writing one flushes whatever [Channel.Send]
// queued since its last write in a single write: a burst of small messages
// costs few syscalls. Users multiplex dialogs over one Channel by context id.
//
// Send and SendRaw may be called from many goroutines; so may Recv, though
// each message goes to exactly one caller. Close may be called from any
// goroutine, any number of times.
//
// A Channel ends when the peer hangs up, the connection breaks, the peer
// sends a bad frame or message, or Close is called. Its end is a
// [*TransportClosed] whose cause says which, logged once at its level
// (below Info for normal ends, Warn for a peer dropped for bad input) and
// returned by [Channel.Err], by Recv once the queued messages are drained,
// and by Send.
type Channel struct {
	conn   net.Conn
	peer   *msg.Identity
	remote string // the peer's address and identity, for errors and logs
	logger *slog.Logger
	max    int

	in   chan msg.Msg
	done chan struct{} // closed when the channel has ended (err set)
	wake chan struct{} // cap 1: the writer has work or should check done
	wg   sync.WaitGroup

	mu      sync.Mutex
	cond    sync.Cond // signalled when pend shrinks or the channel ends
	enc     *msg.Codec
	pend    []byte           // frames queued for the writer; guarded by mu
	spare   []byte           // the writer's other buffer; guarded by mu when not writing
	highLen int              // Send waits while len(pend) is at least this
	err     *TransportClosed // guarded by mu; set once
	closing bool             // Close was called; guarded by mu

	fr  *FrameReader
	dec *msg.Codec
}

func newChannel(conn net.Conn, fr *FrameReader, enc, dec *msg.Codec, peer *msg.Identity, cfg *config) *Channel {
	c := &Channel{
		conn:    conn,
		peer:    peer,
		remote:  conn.RemoteAddr().String() + " " + peer.ID().String(),
		logger:  cfg.logger,
		max:     cfg.maxFrame,
		in:      make(chan msg.Msg, cfg.recvQueue),
		done:    make(chan struct{}),
		wake:    make(chan struct{}, 1),
		enc:     enc,
		dec:     dec,
		fr:      fr,
		highLen: cfg.sendQueue,
		pend:    make([]byte, 0, 64<<10),
		spare:   make([]byte, 0, 64<<10),
	}
	c.cond.L = &c.mu
	c.wg.Add(2)
	go c.readLoop()
	go c.writeLoop()
	return c
}

// Peer returns the identity the peer announced in the handshake: Nonce is
// the peer's handshake nonce and Proof is nil. The caller must not modify
// it.
func (c *Channel) Peer() *msg.Identity { return c.peer }

// RemoteAddr returns the peer's network address.
func (c *Channel) RemoteAddr() net.Addr { return c.conn.RemoteAddr() }

// LocalAddr returns this side's network address.
func (c *Channel) LocalAddr() net.Addr { return c.conn.LocalAddr() }

// Done returns a channel closed when the Channel has ended. Messages
// already queued may still be received with Recv.
func (c *Channel) Done() <-chan struct{} { return c.done }

// Err returns nil while the Channel is open, then the
// [*TransportClosed] that ended it.
func (c *Channel) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		return nil
	}
	return c.err
}

// Send encodes m and queues it for the writer goroutine. It returns once m
// is queued, not once it is written; it blocks only while more than the
// send queue limit (1 MiB) is waiting to be written. It fails with
// msg's encode error (the Channel stays open) for a message that cannot be
// encoded, with a [*FrameError] for one larger than the maximum frame, and
// with the Channel's [*TransportClosed] once it has ended (cause
// [CauseSendClosed] if the caller closed it). A message queued just
// before the Channel breaks may be lost; the break is reported by Recv and
// Err.
func (c *Channel) Send(m msg.Msg) error {
	c.mu.Lock()
	if err := c.waitRoomLocked(); err != nil {
		c.mu.Unlock()
		return err
	}
	start := len(c.pend)
	b, err := c.enc.Encode(append(c.pend, 0, 0, 0, 0), m)
	if err == nil && len(b)-start-headerLen > c.max {
		err = &FrameError{Len: uint64(len(b) - start - headerLen), Max: c.max, Reason: "outgoing " + m.Kind().String() + " exceeds the maximum"}
	}
	if err != nil {
		if cap(b) > cap(c.pend) {
			c.pend = b[:start]
		} else {
			c.pend = c.pend[:start]
		}
		c.mu.Unlock()
		return err
	}
	putLen(b[start:])
	c.pend = b
	c.mu.Unlock()
	c.kick()
	return nil
}

// SendRaw queues body, an already encoded message, as one frame; it is
// Send without the encoding, for tests and relays. body is copied.
func (c *Channel) SendRaw(body []byte) error {
	c.mu.Lock()
	if err := c.waitRoomLocked(); err != nil {
		c.mu.Unlock()
		return err
	}
	b, err := AppendFrame(c.pend, body, c.max)
	c.pend = b
	c.mu.Unlock()
	if err != nil {
		return err
	}
	c.kick()
	return nil
}

// waitRoomLocked waits while the send queue is full and reports the end.
func (c *Channel) waitRoomLocked() error {
	for len(c.pend) >= c.highLen && c.err == nil && !c.closing {
		c.cond.Wait()
	}
	if c.closing {
		return &TransportClosed{Cause: CauseSendClosed, Peer: c.remote}
	}
	if c.err != nil {
		return c.err
	}
	return nil
}

func (c *Channel) kick() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// Recv returns the next message from the peer, blocking until one arrives,
// the Channel ends, or ctx is done (then it returns ctx.Err()). After the
// end, queued messages are still returned in order, then the Channel's
// [*TransportClosed] on every call.
//
// Raw and []byte fields of the message are the caller's; they are never
// overwritten.
func (c *Channel) Recv(ctx context.Context) (msg.Msg, error) {
	select {
	case m, ok := <-c.in:
		if ok {
			return m, nil
		}
		return nil, c.Err()
	default:
	}
	select {
	case m, ok := <-c.in:
		if ok {
			return m, nil
		}
		return nil, c.Err()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Close ends the Channel: it stops accepting sends, gives the writer a
// short bounded time to flush what was already queued, closes the
// connection and waits for its goroutines to stop. A Recv blocked in
// another goroutine returns the [*TransportClosed] with cause
// [CauseLocalClose]. Close returns nil; repeat calls do nothing more.
func (c *Channel) Close() error {
	c.mu.Lock()
	c.closing = true
	c.cond.Broadcast()
	c.mu.Unlock()
	// Bound the final flush, even if the writer is already stuck in a write
	// to a peer that does not read.
	_ = c.conn.SetWriteDeadline(time.Now().Add(closeFlushTimeout))
	c.kick()
	c.wg.Wait()
	return nil
}

// end records the Channel's end once, closes the connection and logs it.
func (c *Channel) end(tc *TransportClosed) {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return
	}
	c.err = tc
	c.cond.Broadcast()
	c.mu.Unlock()
	_ = c.conn.Close()
	close(c.done)
	c.kick()
	tc.report(c.logger)
}

// readLoop reads, decodes and queues messages until the Channel ends.
func (c *Channel) readLoop() {
	defer c.wg.Done()
	defer close(c.in)
	for {
		body, err := c.fr.ReadFrame()
		if err != nil {
			c.end(c.classify(err))
			return
		}
		m, err := c.dec.Decode(body)
		if err != nil {
			c.end(&TransportClosed{Cause: CauseBroken, Peer: c.remote, Err: err})
			return
		}
		select {
		case c.in <- m:
		case <-c.done:
			return
		}
	}
}

// classify maps a read error to its close cause.
func (c *Channel) classify(err error) *TransportClosed {
	c.mu.Lock()
	closing := c.closing
	c.mu.Unlock()
	switch {
	case closing:
		return &TransportClosed{Cause: CauseLocalClose, Peer: c.remote}
	case err == io.EOF:
		return &TransportClosed{Cause: CausePeerEOF, Peer: c.remote}
	case errors.Is(err, ErrFrame):
		return &TransportClosed{Cause: CauseBroken, Peer: c.remote, Err: err}
	case errors.Is(err, net.ErrClosed):
		return &TransportClosed{Cause: CauseLocalClose, Peer: c.remote, Err: err}
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ECONNABORTED):
		return &TransportClosed{Cause: CauseReset, Peer: c.remote, Err: err}
	}
	return &TransportClosed{Cause: CauseReset, Peer: c.remote, Err: err}
}

// writeLoop writes queued frames, one write per batch, until the Channel
// ends or is closed (then it flushes, within a bound, and ends it).
func (c *Channel) writeLoop() {
	defer c.wg.Done()
	for {
		select {
		case <-c.wake:
		case <-c.done:
		}
		c.mu.Lock()
		if c.err != nil {
			c.mu.Unlock()
			return
		}
		closing := c.closing
		buf := c.pend
		c.pend = c.spare[:0]
		c.spare = nil
		c.cond.Broadcast()
		c.mu.Unlock()
		var werr error
		if len(buf) > 0 {
			_, werr = c.conn.Write(buf)
		}
		c.mu.Lock()
		c.spare = buf[:0]
		c.mu.Unlock()
		if closing {
			c.end(&TransportClosed{Cause: CauseLocalClose, Peer: c.remote})
			return
		}
		if werr != nil {
			c.end(c.classify(werr))
			return
		}
	}
}

// putLen writes the body length (len(frame)-4) into frame's header.
func putLen(frame []byte) {
	binary.BigEndian.PutUint32(frame, uint32(len(frame)-headerLen))
}
