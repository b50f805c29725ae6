package ipc

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"net"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hitchrt/hitch/actor/msg"
	"github.com/hitchrt/hitch/internal/gid"
)

// closeFlushTimeout bounds how long Close waits for queued frames to reach
// a peer that does not read. A variable so tests can shorten it.
var closeFlushTimeout = 2 * time.Second

// ErrSendQueueFull is returned by [Channel.TrySend] when the Channel's send
// queue holds its limit ([WithSendQueue]) of bytes not yet written; nothing
// was queued. [Channel.WhenWritable] says when to try again.
var ErrSendQueueFull = errors.New("ipc: send queue full")

// Channel is one handshaken, authenticated connection to a peer actor. Make
// one with [Dial] or receive one from [Listener.Serve]; the zero Channel is
// not usable.
//
// Sending encodes a message into the Channel's send queue; the Channel's
// writer goroutine writes everything queued since its last write in one
// write call, so a burst of small messages costs few syscalls. A send never
// waits on the network; only [Channel.Send] waits, and only while the queue
// is full. A caller that sends in bursts (a runner's tick) can queue them
// with [Channel.TrySendHeld] and write them itself with [Channel.Flush],
// in one write and without waking the writer, when the writer is idle.
//
// Receiving is chosen once: either [Channel.Recv], which takes messages
// from a queue that the Channel's reader goroutine fills, or
// [Channel.OnMessage], whose callback the reader goroutine calls for each
// message, with no queue and no goroutine per waiting call. The reader
// starts with that first choice; until then nothing is read.
//
// Who runs what:
//
//	call                  may be called from                blocks
//	Send(ctx, m)          any goroutine but a task step     while the queue is full, until room, the end or ctx
//	TrySend(m)            anywhere, a task step included    never: ErrSendQueueFull when full
//	TrySendHeld(m)        anywhere, a task step included    never; the writer sleeps until Flush
//	Flush()               anywhere, a task step included    never: writes what the socket takes now
//	WhenWritable(fn)      anywhere                          never: fn runs once, on a Channel goroutine, when
//	                                                        the queue has room again or the Channel ends
//	Recv(ctx)             any goroutine but a task step     until a message, the end or ctx
//	OnMessage(fn)         anywhere, once, instead of Recv   never: fn runs on the reader goroutine
//	Close()               any goroutine, fn included        until the queue is flushed (bounded) and the
//	                                                        Channel's goroutines have stopped
//	TaskChannel.Send      a task of the TaskChannel's       parks the task (not the runner) while the queue
//	                        runner                            is full: TrySend, then WhenWritable -> Inbox
//	TaskChannel.Recv      a task of the TaskChannel's       parks the task until a message or the end:
//	                        runner                            OnMessage -> Inbox.Deliver -> Inbox.Receive
//
// Tasks of an actor/sc runner use the Channel through a [TaskChannel]
// ([ForTasks]), which is built on TrySend, WhenWritable and OnMessage:
// nothing it does blocks the runner, and no goroutine is started per wait.
// Plain goroutines use Send and Recv; callbacks that must not block use
// TrySend and WhenWritable.
//
// A Channel ends when the peer hangs up, the connection breaks, the peer
// sends a bad frame or message (or a frame that stalls past
// [WithFrameProgress]), or Close is called. Its end is a
// [*TransportClosed] whose cause says which, logged once at its level
// (below Info for normal ends, Warn for a peer dropped for bad input) and
// returned by [Channel.Err], by Recv once the queued messages are drained
// (or passed to OnMessage's callback), and by the sends.
type Channel struct {
	conn   net.Conn
	peer   *msg.Identity
	remote string // the peer's address and identity, for errors and logs
	logger *slog.Logger
	max    int
	codec  *msg.Codec

	done       chan struct{} // closed when the Channel has ended (err set)
	wake       chan struct{} // cap 1: the writer has work or should check done
	writerDone chan struct{}

	// Receiving.
	fr         *FrameReader  // reader goroutine only, once started
	in         chan msg.Msg  // Recv's queue
	mode       atomic.Uint32 // recvNone, recvQueue or recvPush; set once, under mu
	onMsg      func(msg.Msg, error)
	readerDone chan struct{} // set under mu when the reader starts
	readerGID  atomic.Uint64 // the reader goroutine's goroutineID, in push mode

	mu      sync.Mutex
	pend    []byte           // frames queued, not yet handed to a write; guarded by mu
	spare   []byte           // the writer's other buffer, when it is not writing; guarded by mu
	writing bool             // the writer goroutine is writing; guarded by mu
	highLen int              // the queue is full at this many bytes
	room    chan struct{}    // closed when the queue has room again; nil while nobody waits; guarded by mu
	onRoom  []func()         // WhenWritable callbacks; guarded by mu
	err     *TransportClosed // guarded by mu; set once
	inline  *inlineWriter    // Flush's, made at its first write; guarded by mu
	closing bool             // Close was called; guarded by mu
}

const (
	recvNone uint32 = iota
	recvQueue
	recvPush
)

func newChannel(conn net.Conn, fr *FrameReader, peer *msg.Identity, cfg *config) *Channel {
	fr.upgrade(cfg.maxFrame, conn, cfg.progress)
	c := &Channel{
		conn:       conn,
		peer:       peer,
		remote:     conn.RemoteAddr().String() + " " + peer.ID().String(),
		logger:     cfg.logger,
		max:        cfg.maxFrame,
		codec:      cfg.codec,
		done:       make(chan struct{}),
		wake:       make(chan struct{}, 1),
		writerDone: make(chan struct{}),
		fr:         fr,
		in:         make(chan msg.Msg, cfg.recvQueue),
		highLen:    cfg.sendQueue,
		// pend and spare grow with use, then are reused.
	}
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
// already queued may still be received with Recv. A peer's hang-up is
// seen by the reader, so it closes Done only once Recv or OnMessage has
// started it (a failing write also ends the Channel).
func (c *Channel) Done() <-chan struct{} { return c.done }

// Err returns nil while the Channel is open, then the [*TransportClosed]
// that ended it.
func (c *Channel) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		return nil
	}
	return c.err
}

// Send encodes m and queues it, waiting while the send queue is full until
// it has room, the Channel ends, or ctx is done (then it returns
// ctx.Err()). It returns once m is queued, not once it is written. It fails
// with msg's encode error (the Channel stays open) for a message that
// cannot be encoded, with a [*FrameError] for one larger than the maximum
// frame, and with a [*TransportClosed] once the Channel has ended (cause
// [CauseSendClosed] if this side closed it). A message queued just before
// the Channel breaks may be lost; the break is reported by Recv and Err.
//
// Send may be called from many goroutines; it must not be called from a
// task step (use TrySend).
func (c *Channel) Send(ctx context.Context, m msg.Msg) error {
	if ctx == nil {
		panic("ipc: Send: nil context")
	}
	return c.enqueue(ctx, m, nil, false, true, true)
}

// TrySend is Send without the wait: when the send queue is full it returns
// [ErrSendQueueFull] at once, queueing nothing. It never blocks, so a task
// step or a callback may call it; see [Channel.WhenWritable].
func (c *Channel) TrySend(m msg.Msg) error {
	return c.enqueue(context.Background(), m, nil, false, false, true)
}

// SendRaw queues body, an already encoded message, as one frame; it is
// Send without the encoding, for relays and tests. body is copied.
func (c *Channel) SendRaw(ctx context.Context, body []byte) error {
	if ctx == nil {
		panic("ipc: SendRaw: nil context")
	}
	return c.enqueue(ctx, nil, body, true, true, true)
}

// WhenWritable arranges for fn to be called once, when the send queue has
// room again or the Channel has ended, and reports true; when the queue
// has room now (or the Channel has ended) it arranges nothing and reports
// false, so the caller can retry TrySend at once. fn runs on the goroutine
// that made the room (the writer goroutine, or the one calling Close); it
// must not block. Any goroutine may call WhenWritable, any number of times.
func (c *Channel) WhenWritable(fn func()) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil || c.closing || len(c.pend) < c.highLen {
		return false
	}
	c.onRoom = append(c.onRoom, fn)
	return true
}

// enqueue encodes m (or, for raw, copies body) into the send queue; when
// the queue is full it waits for room until ctx ends if wait is set, and
// fails with ErrSendQueueFull at once if not. With wake unset the writer
// is left asleep (TrySendHeld: the caller flushes).
func (c *Channel) enqueue(ctx context.Context, m msg.Msg, body []byte, raw, wait, wake bool) error {
	c.mu.Lock()
	for {
		if c.closing {
			c.mu.Unlock()
			return &TransportClosed{Cause: CauseSendClosed, Peer: c.remote}
		}
		if c.err != nil {
			err := c.err
			c.mu.Unlock()
			return err
		}
		if len(c.pend) < c.highLen {
			break
		}
		if !wait {
			c.mu.Unlock()
			return ErrSendQueueFull
		}
		if c.room == nil {
			c.room = make(chan struct{})
		}
		room := c.room
		c.mu.Unlock()
		select {
		case <-room:
		case <-ctx.Done():
			return ctx.Err()
		}
		c.mu.Lock()
	}
	start := len(c.pend)
	var b []byte
	var err error
	if !raw {
		b, err = c.codec.Encode(append(c.pend, 0, 0, 0, 0), m)
		if err == nil && len(b)-start-headerLen > c.max {
			err = &FrameError{Len: uint64(len(b) - start - headerLen), Max: c.max, Reason: "outgoing " + m.Kind().String() + " exceeds the maximum"}
		}
		if err == nil {
			putLen(b[start:])
		}
	} else {
		b, err = AppendFrame(c.pend, body, c.max)
	}
	if err != nil {
		c.pend = b[:start] // keep any capacity the encoder grew
		c.mu.Unlock()
		return err
	}
	c.pend = b
	writing := c.writing
	c.mu.Unlock()
	if !writing && wake {
		c.kick() // a writer mid-write picks the new frames up after it
	}
	return nil
}

// openRoomLocked wakes Send calls waiting for room and returns the
// WhenWritable callbacks to run once mu is released.
func (c *Channel) openRoomLocked() []func() {
	if c.room != nil {
		close(c.room)
		c.room = nil
	}
	fns := c.onRoom
	c.onRoom = nil
	return fns
}

func runAll(fns []func()) {
	for _, fn := range fns {
		fn()
	}
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
// [*TransportClosed] on every call. The first call starts the reader.
//
// Recv may be called from many goroutines (each message goes to one
// caller), but not from a task step, and not on a Channel whose messages go
// to OnMessage: that is a programming error, and Recv panics.
//
// Raw and []byte fields of the message are the caller's; they are never
// overwritten.
func (c *Channel) Recv(ctx context.Context) (msg.Msg, error) {
	if c.mode.Load() != recvQueue {
		c.startReader(recvQueue, nil)
	}
	select {
	case m, ok := <-c.in:
		if ok {
			return m, nil
		}
		return nil, c.endErr()
	default:
	}
	if ctx.Done() == nil { // a ctx that never ends: a plain receive is cheaper than a select
		m, ok := <-c.in
		if ok {
			return m, nil
		}
		return nil, c.endErr()
	}
	select {
	case m, ok := <-c.in:
		if ok {
			return m, nil
		}
		return nil, c.endErr()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// OnMessage makes the reader goroutine hand every message to fn, in
// arrival order, one call at a time, with no queue in between: fn(m, nil)
// for each message, then fn(nil, end) once with the Channel's
// [*TransportClosed]. While fn runs nothing more is read, so fn should hand
// the message on (to a task inbox, through the runner's token) and return;
// it may call TrySend, Send and Close. If the Channel has already ended, fn
// is called once with the end before OnMessage returns.
//
// OnMessage is called at most once per Channel, instead of Recv; calling
// it again, after Recv, or with a nil fn is a programming error, and it
// panics.
func (c *Channel) OnMessage(fn func(msg.Msg, error)) {
	if fn == nil {
		panic("ipc: OnMessage: nil callback")
	}
	c.startReader(recvPush, fn)
}

// startReader fixes how messages are received and starts the reader
// goroutine, unless the Channel has already ended or is closing.
func (c *Channel) startReader(mode uint32, fn func(msg.Msg, error)) {
	c.mu.Lock()
	switch old := c.mode.Load(); {
	case old == mode && mode == recvQueue:
		c.mu.Unlock()
		return
	case old == recvPush && mode == recvQueue:
		c.mu.Unlock()
		panic("ipc: Recv on a Channel whose messages go to OnMessage")
	case old == recvQueue:
		c.mu.Unlock()
		panic("ipc: OnMessage on a Channel already received from with Recv")
	case old == recvPush:
		c.mu.Unlock()
		panic("ipc: OnMessage called twice")
	}
	c.onMsg = fn
	c.mode.Store(mode)
	if c.err != nil || c.closing {
		c.mu.Unlock()
		if mode == recvPush {
			fn(nil, c.endErr())
		} else {
			close(c.in)
		}
		return
	}
	c.readerDone = make(chan struct{})
	c.mu.Unlock()
	go c.readLoop(mode)
}

// endErr is the error Recv and OnMessage report at the end: the Channel's
// TransportClosed, or a local close while Close is still flushing.
func (c *Channel) endErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return c.err
	}
	return &TransportClosed{Cause: CauseLocalClose, Peer: c.remote}
}

// Close ends the Channel: it stops accepting sends, gives the queued frames
// a short bounded time to reach the peer, closes the connection and waits
// for the Channel's goroutines to stop (except the reader when Close is
// called from OnMessage's callback, which runs on it). A Recv blocked in
// another goroutine returns the [*TransportClosed] with cause
// [CauseLocalClose]. Close returns nil; repeat calls do nothing more.
func (c *Channel) Close() error {
	c.mu.Lock()
	c.closing = true
	fns := c.openRoomLocked()
	readerDone := c.readerDone
	c.mu.Unlock()
	runAll(fns)
	// Bound the final flush, even if a write is already stuck on a peer
	// that does not read.
	_ = c.conn.SetWriteDeadline(time.Now().Add(closeFlushTimeout))
	c.kick()
	<-c.writerDone
	if readerDone != nil && !(c.mode.Load() == recvPush && c.readerGID.Load() == goroutineID()) {
		<-readerDone
	}
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
	fns := c.openRoomLocked()
	c.mu.Unlock()
	_ = c.conn.Close()
	close(c.done)
	c.kick()
	runAll(fns)
	tc.report(c.logger)
}

// readLoop reads and decodes messages and delivers them until the Channel
// ends.
func (c *Channel) readLoop(mode uint32) {
	defer close(c.readerDone)
	if mode == recvPush {
		c.readerGID.Store(goroutineID())
	}
	for {
		body, err := c.fr.ReadFrame()
		if err != nil {
			c.end(c.classify(err))
			break
		}
		m, err := c.codec.Decode(body)
		if err != nil {
			c.end(&TransportClosed{Cause: CauseBroken, Peer: c.remote, Err: err})
			break
		}
		if mode == recvPush {
			c.onMsg(m, nil)
			continue
		}
		// A plain send when there is room: a select over two channels
		// costs several times more, on every message.
		select {
		case c.in <- m:
			continue
		default:
		}
		select {
		case c.in <- m:
			continue
		case <-c.done:
		}
		break
	}
	if mode == recvPush {
		c.onMsg(nil, c.endErr())
	} else {
		close(c.in)
	}
}

// classify maps a read or write error to its close cause.
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

// writeLoop writes what senders leave to it, one write per batch, until
// the Channel ends or is closed (then it flushes, within a bound, and ends
// it).
func (c *Channel) writeLoop() {
	defer close(c.writerDone)
	for {
		select {
		case <-c.wake:
		case <-c.done:
		}
		// Write until the queue is empty: frames queued during a write go
		// out in the next one, without waiting for another kick.
		for {
			c.mu.Lock()
			if c.err != nil {
				c.mu.Unlock()
				return
			}
			if len(c.pend) == 0 || c.writing {
				// Nothing to write, or Flush is writing inline (it
				// kicks when it leaves something or the Channel closes).
				closing := c.closing && !c.writing
				c.mu.Unlock()
				if closing {
					c.end(&TransportClosed{Cause: CauseLocalClose, Peer: c.remote})
					return
				}
				break
			}
			buf, fns := c.takeLocked()
			c.mu.Unlock()
			runAll(fns)
			_, werr := c.conn.Write(buf)
			c.mu.Lock()
			c.writing, c.spare = false, buf[:0]
			c.mu.Unlock()
			if werr != nil {
				c.end(c.classify(werr))
				return
			}
		}
	}
}

// takeLocked takes the send queue for a write (the writer's, or Flush's):
// the writing flag is set, and the queue, now empty, has room again. It
// returns the queued bytes and the WhenWritable callbacks to run once mu
// is released.
func (c *Channel) takeLocked() ([]byte, []func()) {
	buf := c.pend
	c.pend, c.spare = c.spare[:0], nil
	c.writing = true
	return buf, c.openRoomLocked()
}

// putLen writes the body length (len(frame)-4) into frame's header.
func putLen(frame []byte) {
	binary.BigEndian.PutUint32(frame, uint32(len(frame)-headerLen))
}

// goroutineID tells the calling goroutine apart from the others alive,
// so Close can see that it runs on the reader goroutine (inside
// OnMessage's callback). Where internal/gid has no fast answer it reads
// the id from the stack header ("goroutine 123 [running]:"), which costs a
// microsecond; Close and the reader's start are the only callers.
func goroutineID() uint64 {
	if g := gid.Current(); g != 0 {
		return uint64(g)
	}
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = b[len("goroutine "):]
	i := 0
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	id, _ := strconv.ParseUint(string(b[:i]), 10, 64)
	return id
}
