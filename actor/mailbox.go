package actor

import (
	"context"
	"errors"
	"fmt"

	"github.com/hitchrt/hitch/actor/sc"
)

// errMailboxOverrun is what push returns when a mailbox is full.
var errMailboxOverrun = errors.New("actor: mailbox full")

// mailbox is a bounded FIFO that code of the runner fills without
// blocking (ticks fed by a channel's reader goroutine through
// Token.RunSyncSoon, or another task) and one or more tasks empty by
// parking in receive. It has the semantics of the sc inbox this package
// will use once sc has one, and is kept to this one file so the swap is
// mechanical:
//
//   - push never blocks: on a full mailbox it returns errMailboxOverrun
//     and drops nothing already queued;
//   - receive returns the oldest value; with none it parks the task (never
//     the runner) until a push, a close or a cancellation;
//   - close(err) ends the mailbox: queued values are still received in
//     order, then every receive returns err; pushes after close are
//     dropped and report err.
//
// Parking rides on an sc.Semaphore: a waiting receiver is one semaphore
// waiter, and push hands out a token whenever more receivers wait than
// tokens are out (woken). A receiver cancelled while parked leaves the
// semaphore's list, so a token released for it lands in the semaphore's
// count instead; the next receiver to wait takes it at once and just looks
// again (a spurious wake-up, never a lost one). A steady stream allocates
// nothing.
//
// Runner-owned: every method is for code of one runner (a task step, or a
// job inside a tick).
type mailbox[T any] struct {
	buf  []T // ring of len capacity
	head int
	n    int
	// Invariant: woken counts tokens released and not yet taken by a
	// receiver; waiting counts receivers inside sem.Acquire.
	waiting int
	woken   int
	sem     sc.Semaphore
	closed  bool
	err     error // the close error; set once
}

// newMailbox returns a mailbox holding at most capacity values. A
// capacity below one is a programmer error.
func newMailbox[T any](capacity int) *mailbox[T] {
	if capacity < 1 {
		panic(fmt.Sprintf("actor: mailbox capacity %d, want at least 1", capacity))
	}
	return &mailbox[T]{buf: make([]T, capacity)}
}

// push queues v and wakes one parked receiver. It never blocks.
func (m *mailbox[T]) push(v T) error {
	if m.closed {
		return m.err
	}
	if m.n == len(m.buf) {
		return errMailboxOverrun
	}
	m.buf[(m.head+m.n)%len(m.buf)] = v
	m.n++
	if m.waiting > m.woken {
		m.woken++
		m.sem.Release()
	}
	return nil
}

// close ends the mailbox with err (nil means errMailboxClosed) and wakes
// every parked receiver. Repeat calls are no-ops.
func (m *mailbox[T]) close(err error) {
	if m.closed {
		return
	}
	if err == nil {
		err = errMailboxClosed
	}
	m.closed, m.err = true, err
	for m.waiting > m.woken {
		m.woken++
		m.sem.Release()
	}
}

var errMailboxClosed = errors.New("actor: mailbox closed")

// receive returns the oldest queued value, parking the task while there is
// none. It is a checkpoint only when it parks; it returns the close error
// once the mailbox is closed and drained, and ErrCancelled (sc's) when the
// task is cancelled while parked.
func (m *mailbox[T]) receive(ctx context.Context) (T, error) {
	var zero T
	for {
		if m.n > 0 {
			v := m.buf[m.head]
			m.buf[m.head] = zero
			m.head = (m.head + 1) % len(m.buf)
			m.n--
			return v, nil
		}
		if m.closed {
			return zero, m.err
		}
		m.waiting++
		err := m.sem.Acquire(ctx)
		m.waiting--
		if err != nil {
			return zero, err // no token was taken
		}
		m.woken--
	}
}
