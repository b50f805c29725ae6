package sc

// waitList is an intrusive FIFO of parked tasks (a task waits on at most
// one list at a time). Runner-owned.
type waitList struct {
	head, tail *Task
	n          int
}

func (l *waitList) push(t *Task) {
	t.wlist = l
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

func (l *waitList) remove(t *Task) {
	if t.wlist != l {
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
	t.wlist, t.wnext, t.wprev = nil, nil, nil
	l.n--
}

func (l *waitList) pop() *Task {
	t := l.head
	if t != nil {
		l.remove(t)
	}
	return t
}

// abortWaitList is the abort function of every wait on a waitList: a
// cancelled waiter just leaves the list.
func abortWaitList(t *Task, _ error) abortResult {
	if t.wlist != nil {
		t.wlist.remove(t)
	}
	return abortDone
}
