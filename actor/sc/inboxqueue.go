package sc

// inboxQueue is one receiving queue of an Inbox (its own, or a
// Subscription's): a ring of fixed capacity, the tasks parked on it, and at
// most one pending loss report. Runner-owned.
type inboxQueue[T any] struct {
	buf     []T // ring; len is the capacity
	head, n int
	waiters waitList

	// A loss report: lost values are reported (once, as an *OverrunError)
	// after the gapAfter values that were queued when the first of them was
	// lost. Later losses before the report add to it.
	lost     int
	gapAfter int

	closed bool
	err    error // what receivers get once drained
}

func (q *inboxQueue[T]) init(capacity int) { q.buf = make([]T, capacity) }

// push queues v and wakes one parked receiver; it reports false, queueing
// nothing, when the ring is full.
func (q *inboxQueue[T]) push(v T) bool {
	if q.n == len(q.buf) {
		return false
	}
	i := q.head + q.n
	if i >= len(q.buf) {
		i -= len(q.buf)
	}
	q.buf[i] = v
	q.n++
	q.wakeOne()
	return true
}

// lose records k values lost at the current end of the queue.
func (q *inboxQueue[T]) lose(k int) {
	if k <= 0 {
		return
	}
	if q.lost == 0 {
		q.gapAfter = q.n
	}
	q.lost += k
	q.wakeOne() // the report is something to receive
}

// Scheduling rule: each push (or loss) wakes one parked receiver, so that
// there are never values queued while receivers stay parked. A woken
// receiver that finds the value taken by a receiver that did not park
// parks again.
func (q *inboxQueue[T]) wakeOne() {
	if t := q.waiters.pop(); t != nil {
		t.r.reschedule(t, nil)
	}
}

// tryPop takes the next value, unless there is none or a loss report comes
// first.
func (q *inboxQueue[T]) tryPop() (T, bool) {
	var zero T
	if q.n == 0 || q.lost > 0 && q.gapAfter == 0 {
		return zero, false
	}
	v := q.buf[q.head]
	q.buf[q.head] = zero // let the value be collected
	if q.head++; q.head == len(q.buf) {
		q.head = 0
	}
	q.n--
	if q.lost > 0 {
		q.gapAfter--
	}
	return v, true
}

// receive is Receive for task t: values, then a loss report where one is
// due, then the close error; it parks while there is nothing.
func (q *inboxQueue[T]) receive(t *Task, kind waitKind) (T, error) {
	var zero T
	if err := t.checkpointIfCancelled(); err != nil {
		return zero, err
	}
	parked := false
	for {
		if v, ok := q.tryPop(); ok {
			if !parked {
				t.cancelShieldedCheckpoint() // it did not block: still a schedule point
			}
			return v, nil
		}
		if q.lost > 0 && q.gapAfter == 0 {
			lost := q.lost
			q.lost = 0
			if q.n > 0 {
				q.wakeOne() // values after the loss, for another receiver
			}
			return zero, &OverrunError{Lost: lost}
		}
		if q.closed {
			return zero, q.err
		}
		if err := q.waiters.wait(t, kind); err != nil {
			return zero, err
		}
		parked = true
	}
}

// close makes receivers get err once drained, and wakes them all.
func (q *inboxQueue[T]) close(err error) {
	q.closed = true
	q.err = err
	for t := q.waiters.pop(); t != nil; t = q.waiters.pop() {
		t.r.reschedule(t, nil)
	}
}

// clear drops the queued values and any loss report.
func (q *inboxQueue[T]) clear() {
	clear(q.buf)
	q.head, q.n, q.lost, q.gapAfter = 0, 0, 0, 0
}

// moveTo moves the queued values and the loss report to dst, in order;
// values beyond dst's room become losses there.
func (q *inboxQueue[T]) moveTo(dst *inboxQueue[T]) {
	for {
		if q.lost > 0 && q.gapAfter == 0 {
			dst.lose(q.lost)
			q.lost = 0
		}
		v, ok := q.tryPop()
		if !ok {
			return
		}
		if !dst.push(v) {
			dst.lose(1)
		}
	}
}
