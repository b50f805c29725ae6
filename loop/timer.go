package loop

import (
	"errors"
	"time"
)

// Timer is a callback scheduled by CallLater or CallAt. Its methods are loop
// only.
type Timer struct {
	l    *Loop
	when time.Time
	seq  uint64 // ties on when fire in scheduling order
	fn   func()
	idx  int // index in l.timers; -1 when not scheduled
}

// Cancel unschedules the timer and reports whether that stopped it from
// firing: false when it already fired (or is queued to run this turn), was
// cancelled, or the loop closed. Loop only; repeat calls return false.
func (tm *Timer) Cancel() bool {
	if tm == nil || tm.l == nil || tm.idx < 0 {
		return false
	}
	tm.l.timers.remove(tm.idx)
	tm.idx = -1
	return true
}

// When returns the time the timer fires at (or fired at).
func (tm *Timer) When() time.Time { return tm.when }

// CallLater runs fn on the loop once d has passed on the loop's monotonic
// clock, never earlier. Timers due at the same instant run in the order they
// were scheduled. d <= 0 means the next turn. Loop only. A nil fn is
// reported to the exception handler and the returned timer never fires.
func (l *Loop) CallLater(d time.Duration, fn func()) *Timer {
	return l.CallAt(time.Now().Add(d), fn)
}

// CallAt runs fn on the loop at t (compared on the monotonic clock when t
// came from Now or time.Now), never earlier. Otherwise as CallLater.
func (l *Loop) CallAt(t time.Time, fn func()) *Timer {
	if l.cfg.debug {
		l.checkOnLoop("CallAt")
	}
	tm := &Timer{l: l, idx: -1}
	if fn == nil {
		l.report(ExceptionContext{Message: "loop: CallAt: nil func ignored", Err: errors.New("loop: nil func")})
		return tm
	}
	tm.fn = fn
	l.schedule(tm, t)
	return tm
}

func (l *Loop) schedule(tm *Timer, t time.Time) {
	if l.closed {
		l.dropped("CallAt", tm.fn)
		return
	}
	l.tseq++
	tm.when, tm.seq = t, l.tseq
	l.timers.push(tm)
}

// fireTimers moves every due timer's callback to the ready queue, earliest
// first. A timer is due when now is not before its deadline.
func (l *Loop) fireTimers() {
	if len(l.timers) == 0 {
		return
	}
	now := time.Now()
	for len(l.timers) > 0 && !l.timers[0].when.After(now) {
		tm := l.timers[0]
		l.timers.remove(0)
		tm.idx = -1
		l.ready = append(l.ready, tm.fn)
	}
}

// timerHeap is a binary min-heap on (when, seq) that keeps each timer's
// index current, so Cancel removes in O(log n).
type timerHeap []*Timer

func (h timerHeap) less(i, j int) bool {
	a, b := h[i], h[j]
	if a.when.Equal(b.when) {
		return a.seq < b.seq
	}
	return a.when.Before(b.when)
}

func (h timerHeap) swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].idx = i
	h[j].idx = j
}

func (h *timerHeap) push(tm *Timer) {
	tm.idx = len(*h)
	*h = append(*h, tm)
	h.up(tm.idx)
}

func (h *timerHeap) remove(i int) {
	old := *h
	n := len(old) - 1
	if i != n {
		old.swap(i, n)
	}
	old[n] = nil
	*h = old[:n]
	if i != n {
		if !h.down(i) {
			h.up(i)
		}
	}
}

func (h timerHeap) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(i, p) {
			return
		}
		h.swap(i, p)
		i = p
	}
}

func (h timerHeap) down(i int) bool {
	start := i
	n := len(h)
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if r := c + 1; r < n && h.less(r, c) {
			c = r
		}
		if !h.less(c, i) {
			break
		}
		h.swap(i, c)
		i = c
	}
	return i > start
}
