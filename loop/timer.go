package loop

import (
	"errors"
	"time"

	"github.com/hitchrt/hitch/internal/timerheap"
)

// Timer is a callback scheduled by CallLater or CallAt. Its methods are loop
// only.
type Timer struct {
	l  *Loop
	fn func()
	e  timerheap.Entry[*Timer] // in l.timers while scheduled
}

// Cancel unschedules the timer and reports whether that stopped it from
// firing: false when it already fired (or is queued to run this turn), was
// cancelled, or the loop closed. Loop only; repeat calls return false.
func (tm *Timer) Cancel() bool {
	if tm == nil || tm.l == nil {
		return false
	}
	return tm.l.timers.Remove(&tm.e)
}

// When returns the time the timer fires at (or fired at).
func (tm *Timer) When() time.Time { return tm.e.When() }

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
	tm := &Timer{l: l}
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
	tm.e.Value = tm
	l.timers.Push(&tm.e, t)
}

// fireTimers moves every due timer's callback to the ready queue, earliest
// first (ties in scheduling order). A timer is due when now is not before
// its deadline.
func (l *Loop) fireTimers() {
	if l.timers.Len() == 0 {
		return
	}
	now := time.Now()
	for e := l.timers.PopDue(now); e != nil; e = l.timers.PopDue(now) {
		l.ready = append(l.ready, e.Value.fn)
	}
}
