package sc

// waitList is an intrusive FIFO of parked tasks, linked through the tasks'
// own wnext and wprev (a task waits on at most one list at a time), so
// waiting allocates nothing. Events, locks, semaphores, channels and
// inboxes all queue their waiters on one. Runner-owned.
type waitList struct {
	head, tail *Task
	n          int
}

// wait parks t (the running task) at the back of l until it is
// rescheduled; a cancellation takes it off the list (abortWaitList).
func (l *waitList) wait(t *Task, kind waitKind) error {
	l.push(t)
	t.waitData = l
	return t.park(kind)
}

func (l *waitList) push(t *Task) {
	t.wprev = l.tail
	t.wnext = nil
	if l.tail != nil {
		l.tail.wnext = t
	} else {
		l.head = t
	}
	l.tail = t
	l.n++
}

// remove takes t off l; it is a no-op when t is not on l.
func (l *waitList) remove(t *Task) {
	if t.wprev == nil && l.head != t {
		return
	}
	if t.wprev != nil {
		t.wprev.wnext = t.wnext
	} else {
		l.head = t.wnext
	}
	if t.wnext != nil {
		t.wnext.wprev = t.wprev
	} else {
		l.tail = t.wprev
	}
	t.wnext, t.wprev = nil, nil
	l.n--
}

func (l *waitList) pop() *Task {
	t := l.head
	if t != nil {
		l.remove(t)
	}
	return t
}

// abortWaitList is the abort function of waits made with waitList.wait: a
// cancelled waiter just leaves the list.
func abortWaitList(t *Task, _ error) abortResult {
	t.waitData.(*waitList).remove(t)
	return abortDone
}
