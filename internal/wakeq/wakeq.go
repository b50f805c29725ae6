// Package wakeq is the cross-goroutine hand-off that event loops and
// schedulers share: any goroutine pushes work, one consumer drains it.
//
// The shape follows goja_nodejs's event loop: producers append to a slice
// under a mutex; the consumer swaps the slice for a spare under the lock and
// works through it outside the lock; the wake-up is a non-blocking send on a
// channel of capacity 1, so a burst of pushes costs the consumer one wake.
package wakeq

import (
	"errors"
	"sync"
)

// ErrClosed is returned by Push once Close has been called.
var ErrClosed = errors.New("wakeq: queue closed")

// Queue is a multi-producer, single-consumer queue with a wake channel.
// The zero value is ready to use. A Queue must not be copied after first use.
type Queue[T any] struct {
	mu     sync.Mutex
	items  []T  // guarded by mu
	closed bool // guarded by mu

	wakeOnce sync.Once
	wake     chan struct{} // capacity 1; made by wakeOnce
}

func (q *Queue[T]) wakeCh() chan struct{} {
	q.wakeOnce.Do(func() { q.wake = make(chan struct{}, 1) })
	return q.wake
}

// Push appends v and wakes the consumer. It is safe from any goroutine and
// never blocks on the consumer. After Close it returns ErrClosed and drops
// nothing: v was never queued.
func (q *Queue[T]) Push(v T) error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return ErrClosed
	}
	q.items = append(q.items, v)
	q.mu.Unlock()
	q.Wake()
	return nil
}

// PushQuiet appends v like Push but leaves the consumer asleep: the caller
// wakes it (Wake) when it must look. It fails as Push does.
func (q *Queue[T]) PushQuiet(v T) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return ErrClosed
	}
	q.items = append(q.items, v)
	return nil
}

// Wake signals the consumer without queueing anything. Repeated wakes before
// the consumer looks fold into one.
func (q *Queue[T]) Wake() {
	select {
	case q.wakeCh() <- struct{}{}:
	default:
	}
}

// Woken returns the channel the consumer waits on. A receive from it means
// Push or Wake happened since the last receive; it carries no count.
func (q *Queue[T]) Woken() <-chan struct{} { return q.wakeCh() }

// Swap hands the queued items to the consumer and takes spare (emptied) as
// the new buffer, so steady-state draining allocates nothing. The consumer
// clears what it got before passing it back as the next spare.
func (q *Queue[T]) Swap(spare []T) []T {
	q.mu.Lock()
	got := q.items
	q.items = spare[:0]
	q.mu.Unlock()
	return got
}

// Len reports how many items are queued.
func (q *Queue[T]) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}

// Close refuses further pushes and returns what was still queued, so the
// caller can run or report it: nothing is silently dropped. Close is
// idempotent; later calls return nil.
func (q *Queue[T]) Close() []T {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return nil
	}
	q.closed = true
	rest := q.items
	q.items = nil
	return rest
}

// Closed reports whether Close has been called.
func (q *Queue[T]) Closed() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.closed
}
