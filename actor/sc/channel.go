package sc

import (
	"context"
	"fmt"
)

// NewChannel makes a memory channel (trio's open_memory_channel) with room
// for capacity buffered values and returns its send and receive ends.
// capacity 0 makes every Send wait for a receiver. A negative capacity is
// an error. The ends are for tasks of one runner (and host code between
// ticks); values cross between tasks without copying beyond the value
// itself, and a steady stream allocates nothing.
func NewChannel[T any](capacity int) (*SendChannel[T], *ReceiveChannel[T], error) {
	if capacity < 0 {
		return nil, nil, fmt.Errorf("sc: NewChannel: negative capacity %d", capacity)
	}
	st := &chanState[T]{buf: make([]T, capacity), openSend: 1, openRecv: 1}
	return &SendChannel[T]{st: st}, &ReceiveChannel[T]{st: st}, nil
}

// chanState is the shared state of a channel. Runner-owned.
type chanState[T any] struct {
	buf      []T // ring of len capacity
	head     int
	count    int
	sendq    chanQueue[T]
	recvq    chanQueue[T]
	free     *chanWaiter[T]
	openSend int
	openRecv int
}

// chanWaiter is one task parked in Send or Receive; recycled through
// chanState.free so a steady stream allocates nothing.
type chanWaiter[T any] struct {
	t          *Task
	v          T
	end        any // the end the task used
	q          *chanQueue[T]
	next, prev *chanWaiter[T]
}

type chanQueue[T any] struct{ head, tail *chanWaiter[T] }

func (q *chanQueue[T]) push(w *chanWaiter[T]) {
	w.q = q
	w.prev, w.next = q.tail, nil
	if q.tail != nil {
		q.tail.next = w
	} else {
		q.head = w
	}
	q.tail = w
}

func (q *chanQueue[T]) remove(w *chanWaiter[T]) {
	if w.q != q {
		return
	}
	if w.prev != nil {
		w.prev.next = w.next
	} else {
		q.head = w.next
	}
	if w.next != nil {
		w.next.prev = w.prev
	} else {
		q.tail = w.prev
	}
	w.q, w.next, w.prev = nil, nil, nil
}

func (q *chanQueue[T]) pop() *chanWaiter[T] {
	w := q.head
	if w != nil {
		q.remove(w)
	}
	return w
}

// wakeAll reschedules every waiter (those that used end, or all when end
// is nil) with err.
func (q *chanQueue[T]) wakeAll(end any, err error) {
	for w := q.head; w != nil; {
		next := w.next
		if end == nil || w.end == end {
			q.remove(w)
			w.t.r.reschedule(w.t, err)
		}
		w = next
	}
}

func (st *chanState[T]) getWaiter(t *Task, end any) *chanWaiter[T] {
	w := st.free
	if w != nil {
		st.free = w.next
		w.next = nil
	} else {
		w = &chanWaiter[T]{}
	}
	w.t, w.end = t, end
	return w
}

func (st *chanState[T]) putWaiter(w *chanWaiter[T]) {
	var zero T
	w.t, w.v, w.end = nil, zero, nil
	w.next = st.free
	st.free = w
}

// leaveQueue takes a cancelled waiter out of its queue.
func (w *chanWaiter[T]) leaveQueue() {
	if w.q != nil {
		w.q.remove(w)
	}
}

// abortChan is the abort function of channel waits. It is not generic (a
// generic function value would allocate at every wait); the waiter does
// the typed work.
func abortChan(t *Task, _ error) abortResult {
	t.waitData.(interface{ leaveQueue() }).leaveQueue()
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
// checkpoint. Errors: ErrClosedResource when this end was closed,
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
	if w := st.recvq.pop(); w != nil {
		w.v = v
		w.t.r.reschedule(w.t, nil)
		t.cancelShieldedCheckpoint()
		return nil
	}
	if st.count < len(st.buf) {
		st.buf[(st.head+st.count)%len(st.buf)] = v
		st.count++
		t.cancelShieldedCheckpoint()
		return nil
	}
	w := st.getWaiter(t, e)
	w.v = v
	st.sendq.push(w)
	t.waitData = w
	err = t.park("channel send", abortChan)
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
	st.sendq.wakeAll(e, ErrClosedResource)
	if st.openSend == 0 {
		st.recvq.wakeAll(nil, ErrEndOfChannel)
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
// checkpoint. Errors: ErrEndOfChannel once every send end is closed and the
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
		if w := st.sendq.pop(); w != nil {
			st.buf[(st.head+st.count)%len(st.buf)] = w.v
			st.count++
			w.t.r.reschedule(w.t, nil)
		}
		t.cancelShieldedCheckpoint()
		return v, nil
	}
	if w := st.sendq.pop(); w != nil {
		v := w.v
		w.t.r.reschedule(w.t, nil)
		t.cancelShieldedCheckpoint()
		return v, nil
	}
	if st.openSend == 0 {
		return zero, ErrEndOfChannel
	}
	w := st.getWaiter(t, e)
	st.recvq.push(w)
	t.waitData = w
	err = t.park("channel receive", abortChan)
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
	st.recvq.wakeAll(e, ErrClosedResource)
	if st.openRecv == 0 {
		clear(st.buf)
		st.count = 0
		st.sendq.wakeAll(nil, ErrBrokenResource)
	}
	return nil
}
