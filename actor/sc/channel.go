package sc

import (
	"context"
	"fmt"
)

// NewChannel makes a memory channel (trio's open_memory_channel) with room
// for capacity buffered values and returns its send and receive ends.
// capacity 0 makes every Send wait for a receiver. A negative capacity is
// a programmer error and panics. The ends are for tasks of one runner (and host code between
// ticks); values cross between tasks without copying beyond the value
// itself, and a steady stream allocates nothing.
func NewChannel[T any](capacity int) (*SendChannel[T], *ReceiveChannel[T]) {
	if capacity < 0 {
		panic(fmt.Sprintf("sc: NewChannel: negative capacity %d", capacity))
	}
	st := &chanState[T]{buf: make([]T, capacity), openSend: 1, openRecv: 1}
	return &SendChannel[T]{st: st}, &ReceiveChannel[T]{st: st}
}

// chanState is the shared state of a channel. Runner-owned.
type chanState[T any] struct {
	buf      []T // ring of len capacity
	head     int
	count    int
	sendq    waitList // tasks parked in Send; each one's waitData is its *chanWaiter
	recvq    waitList // tasks parked in Receive, likewise
	free     *chanWaiter[T]
	openSend int
	openRecv int
}

// chanWaiter is what a task parked in Send or Receive waits with: the
// value slot and the end it used. Recycled through chanState.free, so a
// steady stream allocates nothing.
type chanWaiter[T any] struct {
	v    T
	end  any       // the end the task used
	q    *waitList // the queue it waits in
	next *chanWaiter[T]
}

// waiterOf returns the chanWaiter of a task parked on one of st's queues.
func waiterOf[T any](t *Task) *chanWaiter[T] { return t.waitData.(*chanWaiter[T]) }

// wakeAll reschedules every task waiting in q (those that used end, or all
// when end is nil) with err.
func (st *chanState[T]) wakeAll(q *waitList, end any, err error) {
	for t := q.head; t != nil; {
		next := t.wnext
		if end == nil || waiterOf[T](t).end == end {
			q.remove(t)
			t.r.reschedule(t, err)
		}
		t = next
	}
}

// park parks t in q with w until a peer or a close reschedules it.
func (st *chanState[T]) park(t *Task, q *waitList, end any, v T, kind waitKind) (*chanWaiter[T], error) {
	w := st.free
	if w != nil {
		st.free = w.next
		w.next = nil
	} else {
		w = &chanWaiter[T]{}
	}
	w.v, w.end, w.q = v, end, q
	q.push(t)
	t.waitData = w
	return w, t.park(kind)
}

func (st *chanState[T]) putWaiter(w *chanWaiter[T]) {
	var zero T
	w.v, w.end, w.q = zero, nil, nil
	w.next = st.free
	st.free = w
}

// leave takes a cancelled waiter's task out of its queue.
func (w *chanWaiter[T]) leave(t *Task) { w.q.remove(t) }

// abortChan is the abort function of channel waits. It is not generic (a
// generic function value would allocate at every wait); the waiter does
// the typed work.
func abortChan(t *Task, _ error) abortResult {
	t.waitData.(interface{ leave(*Task) }).leave(t)
	return abortDone
}

// SendChannel is the send end of a memory channel. Zero values are
// unusable: NewChannel and Clone make them.
type SendChannel[T any] struct {
	st     *chanState[T]
	closed bool
}

// Send delivers v to a waiting receiver or the buffer, blocking while the
// buffer is full (or, unbuffered, until a receiver takes v). It is a
// checkpoint; when v goes straight to a parked receiver, the switch is
// owed rather than taken at once (see "Hand-offs" in the package doc). Errors: ErrClosedResource when this end was closed,
// ErrBrokenResource when every receive end is closed, ErrCancelled.
func (e *SendChannel[T]) Send(ctx context.Context, v T) error {
	t, err := taskFrom(ctx, "SendChannel.Send")
	if err != nil {
		return err
	}
	if e == nil || e.st == nil {
		return errNilChannel
	}
	if err := t.checkpointIfCancelled(); err != nil {
		return err
	}
	if e.closed {
		return fmt.Errorf("sc: Send on a closed send end: %w", ErrClosedResource)
	}
	st := e.st
	if st.openRecv == 0 {
		return fmt.Errorf("sc: Send: every receive end is closed: %w", ErrBrokenResource)
	}
	if r := st.recvq.pop(); r != nil {
		// Hand v straight to the parked receiver; the schedule point is
		// owed, so a reply to this task costs one switch, not two.
		waiterOf[T](r).v = v
		r.r.reschedule(r, nil)
		t.handoffPoint()
		return nil
	}
	if st.count < len(st.buf) {
		st.buf[(st.head+st.count)%len(st.buf)] = v
		st.count++
		t.cancelShieldedCheckpoint()
		return nil
	}
	w, err := st.park(t, &st.sendq, e, v, waitChanSend)
	st.putWaiter(w)
	return err
}

// Clone returns a new send end of the same channel; the channel's receive
// side sees end-of-channel only once every send end is closed. Cloning a
// closed end is an ErrClosedResource error.
func (e *SendChannel[T]) Clone() (*SendChannel[T], error) {
	if e == nil || e.st == nil {
		return nil, errNilChannel
	}
	if e.closed {
		return nil, fmt.Errorf("sc: Clone of a closed send end: %w", ErrClosedResource)
	}
	e.st.openSend++
	return &SendChannel[T]{st: e.st}, nil
}

// Close closes this send end: tasks blocked in Send on it get
// ErrClosedResource; when it was the last open send end, receivers get
// ErrEndOfChannel once the buffer is drained. Repeat calls are no-ops.
func (e *SendChannel[T]) Close() error {
	if e == nil || e.st == nil {
		return errNilChannel
	}
	if e.closed {
		return nil
	}
	e.closed = true
	st := e.st
	st.openSend--
	st.wakeAll(&st.sendq, e, ErrClosedResource)
	if st.openSend == 0 {
		st.wakeAll(&st.recvq, nil, ErrEndOfChannel)
	}
	return nil
}

// ReceiveChannel is the receive end of a memory channel. Zero values are
// unusable: NewChannel and Clone make them.
type ReceiveChannel[T any] struct {
	st     *chanState[T]
	closed bool
}

// Receive takes the next value, blocking while there is none. It is a
// checkpoint; a value taken straight from a parked sender owes the switch,
// as Send does. Errors: ErrEndOfChannel once every send end is closed and the
// buffer is drained, ErrClosedResource when this end was closed,
// ErrCancelled.
func (e *ReceiveChannel[T]) Receive(ctx context.Context) (T, error) {
	var zero T
	t, err := taskFrom(ctx, "ReceiveChannel.Receive")
	if err != nil {
		return zero, err
	}
	if e == nil || e.st == nil {
		return zero, errNilChannel
	}
	if err := t.checkpointIfCancelled(); err != nil {
		return zero, err
	}
	if e.closed {
		return zero, fmt.Errorf("sc: Receive on a closed receive end: %w", ErrClosedResource)
	}
	st := e.st
	if st.count > 0 {
		v := st.buf[st.head]
		st.buf[st.head] = zero
		st.head = (st.head + 1) % len(st.buf)
		st.count--
		if s := st.sendq.pop(); s != nil {
			st.buf[(st.head+st.count)%len(st.buf)] = waiterOf[T](s).v
			st.count++
			s.r.reschedule(s, nil)
		}
		t.cancelShieldedCheckpoint()
		return v, nil
	}
	if s := st.sendq.pop(); s != nil {
		// Take the value straight from the parked sender (see Send).
		v := waiterOf[T](s).v
		s.r.reschedule(s, nil)
		t.handoffPoint()
		return v, nil
	}
	if st.openSend == 0 {
		return zero, ErrEndOfChannel
	}
	w, err := st.park(t, &st.recvq, e, zero, waitChanReceive)
	v := w.v
	st.putWaiter(w)
	if err != nil {
		return zero, err
	}
	return v, nil
}

// Clone returns a new receive end of the same channel; senders see a
// broken channel only once every receive end is closed.
func (e *ReceiveChannel[T]) Clone() (*ReceiveChannel[T], error) {
	if e == nil || e.st == nil {
		return nil, errNilChannel
	}
	if e.closed {
		return nil, fmt.Errorf("sc: Clone of a closed receive end: %w", ErrClosedResource)
	}
	e.st.openRecv++
	return &ReceiveChannel[T]{st: e.st}, nil
}

// Close closes this receive end: tasks blocked in Receive on it get
// ErrClosedResource; when it was the last open receive end, buffered
// values are dropped and senders get ErrBrokenResource. Repeat calls are
// no-ops.
func (e *ReceiveChannel[T]) Close() error {
	if e == nil || e.st == nil {
		return errNilChannel
	}
	if e.closed {
		return nil
	}
	e.closed = true
	st := e.st
	st.openRecv--
	st.wakeAll(&st.recvq, e, ErrClosedResource)
	if st.openRecv == 0 {
		clear(st.buf)
		st.count = 0
		st.wakeAll(&st.sendq, nil, ErrBrokenResource)
	}
	return nil
}
