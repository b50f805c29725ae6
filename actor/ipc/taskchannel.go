package ipc

import (
	"context"
	"errors"
	"fmt"

	"github.com/hitchrt/hitch/actor/msg"
	"github.com/hitchrt/hitch/actor/sc"
)

// TaskChannel is the view of a Channel for the tasks of one actor/sc
// runner: Recv and Send park the calling task, never the runner, and no
// goroutine is started per wait. Make one with ForTasks; the zero
// TaskChannel is not usable.
//
// Receiving: the Channel's reader goroutine hands each message to an
// sc.Inbox of the runner (Inbox.Deliver, through the runner's wake-up
// queue); Recv parks the task on that inbox. The inbox holds at most the
// capacity given to ForTasks; while it is full the reader goroutine stops
// reading (the peer's writes then back up in the socket and its send
// queue), so no message is ever lost to a slow task.
//
// Sending: Send encodes into the Channel's send queue with TrySend; while
// the queue is full (the writer is stalled on a slow peer) it parks the
// task until WhenWritable's callback, delivered into the runner through a
// second inbox, says there is room, then tries again.
//
// Several tasks of the runner may Recv and Send at once; each message goes
// to one receiver. Closing the Channel (Channel.Close, which blocks: from
// a plain goroutine or sc.ToGoroutine, not a task step) ends the
// TaskChannel: Recv drains what was queued, then returns the Channel's
// *TransportClosed.
type TaskChannel struct {
	c     *Channel
	in    *sc.Inbox[msg.Msg]  // messages, then the end
	room  *sc.Inbox[struct{}] // WhenWritable's wake-ups
	used  chan struct{}       // one token per message in flight to in: the reader's credit
	tk    *sc.Token
	ready func() // onWritable as a func value, made once
	end   error  // set by the reader goroutine before it queues closeIn
}

// ForTasks makes c's messages go to the tasks of r and returns the view
// through which those tasks receive and send. capacity bounds how many
// received messages wait for a task (at least 1; 64 is tractor's per
// dialog mailbox). It takes over c's receiving: it calls c.OnMessage,
// so c must not have been received from before (Recv or OnMessage), and
// calling ForTasks twice on one Channel panics, as does a nil argument or
// a capacity below 1. Any goroutine.
func ForTasks(c *Channel, r *sc.Runner, capacity int) *TaskChannel {
	switch {
	case c == nil || r == nil:
		panic("ipc: ForTasks: nil Channel or runner")
	case capacity < 1:
		panic(fmt.Sprintf("ipc: ForTasks: capacity %d: want at least 1", capacity))
	}
	tc := &TaskChannel{
		c:    c,
		in:   sc.NewInbox[msg.Msg](r, capacity),
		room: sc.NewInbox[struct{}](r, 1),
		used: make(chan struct{}, capacity),
		tk:   r.Token(),
	}
	tc.ready = tc.onWritable
	c.OnMessage(tc.onMessage)
	return tc
}

// Channel returns the Channel tc is a view of.
func (tc *TaskChannel) Channel() *Channel { return tc.c }

// onMessage runs on the Channel's reader goroutine.
func (tc *TaskChannel) onMessage(m msg.Msg, end error) {
	if end != nil {
		tc.end = end
		// Queued behind the messages delivered before it: the inbox puts
		// them first, then closes.
		_ = tc.tk.RunSyncSoon(tc.closeIn)
		return
	}
	// Take a credit, waiting (off the runner) while capacity messages
	// wait for tasks. A Channel that ends meanwhile releases the wait;
	// the message is delivered anyway (beyond the bound, where it may be
	// reported lost), so nothing read vanishes without a word.
	select {
	case tc.used <- struct{}{}:
	case <-tc.c.done:
	}
	// A lone message may run the receiving task on this goroutine; a
	// burst is queued, so the runner works through it while this
	// goroutine reads on (see MoreReceived).
	var err error
	if tc.c.MoreReceived() {
		err = tc.in.Deliver(m)
	} else {
		err = tc.in.DeliverNow(m)
	}
	if err != nil {
		// The run is over: nobody will receive it. Give the credit back
		// so the reader never waits on a run that cannot drain.
		tc.credit()
	}
}

// closeIn runs inside the runner once the Channel has ended.
func (tc *TaskChannel) closeIn() { _ = tc.in.Close(tc.end) }

// credit gives back the credit of one message taken from in; it never
// blocks.
func (tc *TaskChannel) credit() {
	select {
	case <-tc.used:
	default:
	}
}

// onWritable is WhenWritable's callback, on a Channel goroutine.
func (tc *TaskChannel) onWritable() { _ = tc.room.Deliver(struct{}{}) }

// Recv returns the next message from the peer, parking the calling task
// while there is none. Once the Channel has ended and the queued messages
// are drained, it returns the Channel's *TransportClosed on every call. If
// the task is cancelled meanwhile it returns an error matching
// sc.ErrCancelled (a cancelled task first lets the others run). ctx must
// be the ctx of a task of tc's runner (else an error matching
// sc.ErrNotInTask).
func (tc *TaskChannel) Recv(ctx context.Context) (msg.Msg, error) {
	m, err := tc.in.Receive(ctx)
	if err == nil {
		tc.credit()
	}
	return m, err
}

// Send encodes m and queues it for the peer without ever blocking the
// runner: while the send queue is full it parks the calling task until the
// writer has made room, then tries again. It fails as Channel.Send does
// (an encode error, a *FrameError, a *TransportClosed once the Channel has
// ended), and with an error matching sc.ErrCancelled when the task is
// cancelled while it waits for room (m is then not queued). It returns
// without a schedule point when there is room. ctx must be the ctx of a
// task of tc's runner.
func (tc *TaskChannel) Send(ctx context.Context, m msg.Msg) error {
	for {
		err := tc.c.TrySend(m)
		if err != ErrSendQueueFull {
			return err
		}
		if !tc.c.WhenWritable(tc.ready) {
			continue // room already (or the end): try again
		}
		// Any wake-up, or a report that wake-ups were lost (several
		// senders woken at once), means: try again.
		if _, err := tc.room.Receive(ctx); err != nil && !errors.Is(err, sc.ErrOverrun) {
			return err
		}
	}
}
