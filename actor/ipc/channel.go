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
// Sending encodes a message into the Channel's send queue. When nothing is
// being written and the send looks like a request or a reply (the Channel
// has received since its last such write) or the frame is large, the
// sender writes it at once itself, with one write that never waits; what
// the socket does not take, and every other send, is left to the Channel's
// writer goroutine, which writes everything queued since its last write
// in one call, so a burst of small messages costs few syscalls. A send
// never waits on the network; only [Channel.Send] waits, and only while
// the queue is full.
//
// Receiving is chosen once: either [Channel.Recv], which reads and decodes
// the next message on the calling goroutine (no goroutine and no queue in
// between), or [Channel.OnMessage], whose callback the Channel's reader
// goroutine calls for each message, with no goroutine per waiting call.
// Until that first choice nothing is read.
//
// Who runs what:
//
//	call                  may be called from                blocks
//	Send(ctx, m)          any goroutine but a task step     while the queue is full, until room, the end or ctx
//	TrySend(m)            anywhere, a task step included    never: ErrSendQueueFull when full
//	WhenWritable(fn)      anywhere                          never: fn runs once, on a Channel goroutine, when
//	                                                        the queue has room again or the Channel ends
//	Recv(ctx)             any goroutine but a task step     until a message, the end or ctx
//	Release(m)            anywhere                          never
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
// returned by [Channel.Err], by Recv once the messages already read are
// drained (or passed to OnMessage's callback), and by the sends.
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
	fr         *FrameReader  // the reader goroutine's, or the holder of rturn's
	pool       bodyPool      // large bodies' buffers, for Release
	dec        *msg.Decoder  // used with fr
	mode       atomic.Uint32 // recvNone, recvDirect or recvPush; set once, under mu
	onMsg      func(msg.Msg, error)
	readerDone chan struct{} // set under mu when the reader starts
	readerGID  atomic.Uint64 // the reader goroutine's goroutineID, in push mode

	// Recv reads on the caller's goroutine: rturn is held by the Recv that
	// reads (see recvTurn); rended (guarded by rturn) says the reading side is
	// over. A Recv whose ctx can end watches it with a context.AfterFunc,
	// kept while later calls pass a ctx with the same Done channel, that
	// pulls the read deadline into the past to interrupt the read (see
	// recvWatch).
	rturn      sync.Mutex
	rwaiters   atomic.Int32  // Recv calls waiting for rturn under a ctx that can end
	rfree      chan struct{} // cap 1: rturn was released while someone waited
	rended     bool
	rmu        sync.Mutex
	rdone      <-chan struct{} // the watched ctx's Done; guarded by rmu
	rstop      func() bool     // stops the watch; guarded by rmu
	rgen       uint64          // the watch's number; guarded by rmu
	rwait      uint64          // the watch a read is under now, 0 for none; guarded by rmu
	rcancelled bool            // the read deadline is in the past on purpose; guarded by rmu

	iw         *inlineWriter // sends' own writes; nil: the writer goroutine does them all
	recvSeen   atomic.Bool   // a message arrived since the last inline write
	sentAt     atomic.Int64  // when frames were last handed to a write, on the clock of now
	unanswered atomic.Int32  // writes since the reader last received; see pollReader
	pollStop   atomic.Bool   // a read must not busy-poll: it was interrupted, or the Channel is closing

	mu      sync.Mutex
	pend    []byte           // frames queued, not yet handed to a write; guarded by mu
	spare   []byte           // the writer's other buffer, when it is not writing; guarded by mu
	writing bool             // a write is in progress (the writer goroutine's or a send's); guarded by mu
	highLen int              // the queue is full at this many bytes
	room    chan struct{}    // closed when the queue has room again; nil while nobody waits; guarded by mu
	onRoom  []func()         // WhenWritable callbacks; guarded by mu
	err     *TransportClosed // guarded by mu; set once
	closing bool             // Close was called; guarded by mu
}

const (
	recvNone uint32 = iota
	recvDirect
	recvPush
)

func newChannel(conn net.Conn, fr *FrameReader, peer *msg.Identity, cfg *config) *Channel {
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
		rfree:      make(chan struct{}, 1),
		highLen:    cfg.sendQueue,
		// pend and spare grow with use, then are reused.
	}
	fr.upgrade(cfg.maxFrame, recvDeadline{c}, cfg.progress)
	fr.intr = c.readInterrupted
	fr.pool = &c.pool
	c.dec = c.codec.NewDecoder()
	c.iw = newInlineWriter(conn)
	if pr := newPollReader(c, int64(cfg.pollWindow())); pr != nil {
		fr.r = pr
	}
	c.recvSeen.Store(true)
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

// Done returns a channel closed when the Channel has ended. A peer's
// hang-up is seen by whoever reads: a Recv in progress, or the reader
// goroutine once OnMessage has started it (a failing write also ends the
// Channel).
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
	return c.enqueue(ctx, m, nil, false, true, false)
}

// TrySend is Send without the wait: when the send queue is full it returns
// [ErrSendQueueFull] at once, queueing nothing. It never blocks, so a task
// step or a callback may call it; see [Channel.WhenWritable].
func (c *Channel) TrySend(m msg.Msg) error {
	return c.enqueue(context.Background(), m, nil, false, false, false)
}

// SendRaw queues body, an already encoded message, as one frame; it is
// Send without the encoding, for relays and tests. body is copied.
func (c *Channel) SendRaw(ctx context.Context, body []byte) error {
	if ctx == nil {
		panic("ipc: SendRaw: nil context")
	}
	return c.enqueue(ctx, nil, body, true, true, false)
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
// fails with ErrSendQueueFull at once if not. With hold set, nothing is
// written until a Flush (or a write that starts for another reason).
func (c *Channel) enqueue(ctx context.Context, m msg.Msg, body []byte, raw, wait, hold bool) error {
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
	if c.writing || hold {
		c.mu.Unlock()
		return nil // the write in progress is followed by the next
	}
	if c.iw != nil && (len(b) >= inlineMin || c.recvSeen.Load()) {
		c.writeInline()
		return nil
	}
	c.mu.Unlock()
	c.kick()
	return nil
}

// startWriteLocked hands the queued frames to a write: it marks a write in
// progress, gives the queue the spare buffer, releases mu and runs the
// WhenWritable callbacks the room wakes. It returns the frames to write.
func (c *Channel) startWriteLocked() []byte {
	buf := c.pend
	c.pend, c.spare = c.spare[:0], nil
	c.writing = true
	fns := c.openRoomLocked()
	c.mu.Unlock()
	runAll(fns)
	return buf
}

// inlineMin is the size of queued frames a send writes itself even in a
// burst: one syscall per frame that large costs little beside the copy.
const inlineMin = 64 << 10

// writeInline writes the queue on the sending goroutine with one write
// that never waits; the rest, if the socket is full, and the frames queued
// meanwhile are left to the writer goroutine. Called with mu held; returns
// with it released.
func (c *Channel) writeInline() {
	c.recvSeen.Store(false)
	buf := c.startWriteLocked()
	c.noteWrite()
	n, werr := c.iw.try(buf)
	c.mu.Lock()
	c.writing = false
	if n < len(buf) && werr == nil {
		// The socket is full: the rest goes first, before what was queued
		// meanwhile.
		rest := copy(buf, buf[n:])
		buf = append(buf[:rest], c.pend...)
		c.pend, c.spare = buf, c.pend[:0]
	} else {
		c.spare = buf[:0]
	}
	more := len(c.pend) > 0 || c.closing
	c.mu.Unlock()
	if werr != nil {
		c.end(c.classify(werr))
		return
	}
	if more {
		c.kick()
	}
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
// the Channel ends, or ctx is done (then it returns ctx.Err(), and a frame
// partly read stays where it was for the next call). Once the Channel has
// ended, messages already read from the connection are still returned in
// order, then the Channel's [*TransportClosed] on every call.
//
// Recv reads and decodes on the calling goroutine. It may be called from
// many goroutines (each message goes to one caller; they take turns), but
// not from a task step, and not on a Channel whose messages go to
// OnMessage: that is a programming error, and Recv panics.
//
// Raw and []byte fields of the message are the caller's; they are never
// overwritten.
func (c *Channel) Recv(ctx context.Context) (msg.Msg, error) {
	if c.mode.Load() != recvDirect {
		c.startReader(recvDirect, nil)
	}
	done := ctx.Done()
	if !c.rturn.TryLock() {
		if err := c.recvTurn(ctx, done); err != nil {
			return nil, err
		}
	}
	m, err := c.recvLocked(ctx, done)
	c.rturn.Unlock()
	if c.rwaiters.Load() > 0 {
		select {
		case c.rfree <- struct{}{}:
		default:
		}
	}
	return m, err
}

// recvTurn waits for another Recv to finish reading, or for ctx to end.
func (c *Channel) recvTurn(ctx context.Context, done <-chan struct{}) error {
	if done == nil {
		c.rturn.Lock()
		return nil
	}
	c.rwaiters.Add(1)
	defer c.rwaiters.Add(-1)
	// Counted as a waiter before trying: a Recv that finishes after a
	// failed try sees the count and leaves a token in rfree.
	for !c.rturn.TryLock() {
		select {
		case <-c.rfree:
		case <-done:
			return ctx.Err()
		}
	}
	return nil
}

// recvLocked is Recv once it holds rturn.
func (c *Channel) recvLocked(ctx context.Context, done <-chan struct{}) (msg.Msg, error) {
	if c.rended {
		return nil, c.endErr()
	}
	watched := false
	if done != nil && !c.fr.hasFrame() {
		// A read that may wait: let ctx interrupt it.
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		c.recvWatch(ctx, done)
		watched = true
	}
	body, err := c.fr.ReadFrame()
	if watched {
		c.recvUnwatch()
	}
	if err != nil {
		if err == errInterrupted {
			return nil, ctx.Err()
		}
		c.recvEnd(c.classify(err))
		return nil, c.endErr()
	}
	m, err := c.dec.Decode(body)
	if err != nil {
		c.recvEnd(&TransportClosed{Cause: CauseBroken, Peer: c.remote, Err: err})
		return nil, c.endErr()
	}
	if c.fr.lentBuf != nil {
		c.pool.lend(m, c.fr.lentBuf)
	}
	if !c.recvSeen.Load() {
		c.recvSeen.Store(true)
	}
	return m, nil
}

// recvWatch arranges for the end of ctx (whose Done is done) to interrupt
// the read about to start. The watch stays registered after the read, so a
// loop of Recv calls under one ctx registers it once.
func (c *Channel) recvWatch(ctx context.Context, done <-chan struct{}) {
	c.rmu.Lock()
	if c.rdone != done {
		if c.rstop != nil {
			c.rstop()
		}
		c.rgen++
		gen := c.rgen
		c.rdone = done
		c.rstop = context.AfterFunc(ctx, func() { c.recvInterrupt(gen) })
	}
	c.rwait = c.rgen
	c.rmu.Unlock()
}

// recvInterrupt runs when a watched ctx ends: if a read is under that
// watch, its deadline moves into the past so the read returns.
func (c *Channel) recvInterrupt(gen uint64) {
	c.rmu.Lock()
	if c.rwait == gen {
		c.rcancelled = true
		c.pollStop.Store(true)
		_ = c.conn.SetReadDeadline(time.Unix(1, 0))
	}
	c.rmu.Unlock()
}

// recvUnwatch ends the watch of the read just finished, clearing a
// deadline an interruption left in the past (the frame reader sets the
// progress bound afresh when it reads again).
func (c *Channel) recvUnwatch() {
	c.rmu.Lock()
	c.rwait = 0
	if c.rcancelled {
		c.rcancelled = false
		c.pollStop.Store(false)
		_ = c.conn.SetReadDeadline(time.Time{})
	}
	c.rmu.Unlock()
}

// recvStopWatch drops the ctx watch, so the Channel no longer hangs off
// that ctx.
func (c *Channel) recvStopWatch() {
	c.rmu.Lock()
	if c.rstop != nil {
		c.rstop()
		c.rstop, c.rdone = nil, nil
	}
	c.rmu.Unlock()
}

// recvEnd ends the reading side for Recv and the Channel with it.
func (c *Channel) recvEnd(tc *TransportClosed) {
	c.rended = true
	c.end(tc)
	c.recvStopWatch()
}

// readInterrupted is the frame reader's intr: a read failed on a deadline
// that recvInterrupt set.
func (c *Channel) readInterrupted() bool {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	return c.rcancelled
}

// recvDeadline is the frame reader's deadliner: it sets the progress
// bound, unless an interruption holds the deadline in the past.
type recvDeadline struct{ c *Channel }

func (d recvDeadline) SetReadDeadline(t time.Time) error {
	d.c.rmu.Lock()
	defer d.c.rmu.Unlock()
	if d.c.rcancelled {
		return nil
	}
	return d.c.conn.SetReadDeadline(t)
}

// Release says that the caller is done with m, a message received from
// this Channel (by Recv or OnMessage's callback): neither m nor any slice
// in it (its Raw and []byte fields) will be used again, by anyone. The
// buffer m was decoded from may then receive a later message. Releasing
// is optional; it saves an allocation, and the cache misses of fresh
// memory, per message above 512 bytes, which is most of the cost of
// receiving a large one. Release of a message that holds no such buffer, of one
// received long ago (after several later large ones), from another
// Channel, or twice, does nothing. Any goroutine, at any time.
func (c *Channel) Release(m msg.Msg) { c.pool.release(m) }

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

// startReader fixes how messages are received; for OnMessage it starts the
// reader goroutine, unless the Channel has already ended or is closing.
func (c *Channel) startReader(mode uint32, fn func(msg.Msg, error)) {
	c.mu.Lock()
	switch old := c.mode.Load(); {
	case old == mode && mode == recvDirect:
		c.mu.Unlock()
		return
	case old == recvPush && mode == recvDirect:
		c.mu.Unlock()
		panic("ipc: Recv on a Channel whose messages go to OnMessage")
	case old == recvDirect:
		c.mu.Unlock()
		panic("ipc: OnMessage on a Channel already received from with Recv")
	case old == recvPush:
		c.mu.Unlock()
		panic("ipc: OnMessage called twice")
	}
	c.onMsg = fn
	c.mode.Store(mode)
	if mode == recvDirect {
		c.mu.Unlock()
		return
	}
	if c.err != nil || c.closing {
		c.mu.Unlock()
		fn(nil, c.endErr())
		return
	}
	c.readerDone = make(chan struct{})
	c.mu.Unlock()
	go c.readLoop()
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
	c.pollStop.Store(true)
	fns := c.openRoomLocked()
	readerDone := c.readerDone
	c.mu.Unlock()
	runAll(fns)
	// Bound the final flush, even if a write is already stuck on a peer
	// that does not read.
	_ = c.conn.SetWriteDeadline(time.Now().Add(closeFlushTimeout))
	c.kick()
	<-c.writerDone
	if readerDone != nil && c.readerGID.Load() != goroutineID() {
		<-readerDone
	}
	c.recvStopWatch()
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
	c.pool.drop()
	close(c.done)
	c.kick()
	runAll(fns)
	tc.report(c.logger)
}

// readLoop reads and decodes messages and hands them to OnMessage's
// callback until the Channel ends.
func (c *Channel) readLoop() {
	defer close(c.readerDone)
	c.readerGID.Store(goroutineID())
	for {
		body, err := c.fr.ReadFrame()
		if err != nil {
			c.end(c.classify(err))
			break
		}
		m, err := c.dec.Decode(body)
		if err != nil {
			c.end(&TransportClosed{Cause: CauseBroken, Peer: c.remote, Err: err})
			break
		}
		if c.fr.lentBuf != nil {
			c.pool.lend(m, c.fr.lentBuf)
		}
		if !c.recvSeen.Load() {
			c.recvSeen.Store(true)
		}
		c.onMsg(m, nil)
	}
	c.onMsg(nil, c.endErr())
}

// MoreReceived reports whether a further whole message has already been
// read from the connection, so the callback will be called again at once,
// without waiting for the network. It is for the OnMessage callback, on
// the reader's goroutine, to choose between handling a lone message at
// once (a request or a reply) and letting a burst (a stream) batch up;
// anywhere else the answer is meaningless.
func (c *Channel) MoreReceived() bool { return c.fr.hasFrame() }

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
			if c.writing {
				// A send is writing inline; it kicks again when it is done
				// and something is left.
				c.mu.Unlock()
				break
			}
			if len(c.pend) == 0 {
				closing := c.closing
				c.mu.Unlock()
				if closing {
					c.end(&TransportClosed{Cause: CauseLocalClose, Peer: c.remote})
					return
				}
				break
			}
			buf := c.startWriteLocked()
			c.noteWrite()
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

// maxUnanswered is the most writes since the last receive for which the
// reader still expects an answer; past it the Channel is streaming.
const maxUnanswered = 2

// noteWrite records a write for the reader's busy poll: its time, and
// one more write the peer has not answered yet (counted only as far as
// the poll looks, so a long stream neither wraps the count nor writes it
// on every write).
func (c *Channel) noteWrite() {
	c.sentAt.Store(now())
	if c.unanswered.Load() <= maxUnanswered {
		c.unanswered.Add(1)
	}
}

// epoch is the origin of now's clock.
var epoch = time.Now()

// now is a monotonic clock in nanoseconds, cheap enough for every read and
// write.
func now() int64 { return int64(time.Since(epoch)) }

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
