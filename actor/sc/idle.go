package sc

import (
	"context"
	"slices"
	"time"
)

// idleWaiter is one task in WaitAllTasksBlocked.
type idleWaiter struct {
	t       *Task
	cushion time.Duration
}

// WaitAllTasksBlocked blocks until every other task of the run is blocked,
// and has been for cushion of real time with nothing becoming runnable
// (trio's wait_all_tasks_blocked), then returns nil. It is for tests: "let
// everything else settle, then look". Goroutines started by ToGoroutine do
// not count, as trio does not count threads. When several tasks wait, those
// with the shortest cushion wake first (all of them, together); with a
// MockClock, a cushion shorter than the autojump threshold wakes before the
// clock jumps. It is a checkpoint: cancellation ends the wait with
// ErrCancelled. A negative cushion counts as 0.
func WaitAllTasksBlocked(ctx context.Context, cushion time.Duration) error {
	t, err := taskFrom(ctx, "WaitAllTasksBlocked")
	if err != nil {
		return err
	}
	if err := t.checkpointIfCancelled(); err != nil {
		return err
	}
	r := t.r
	r.idle = append(r.idle, idleWaiter{t, max(cushion, 0)})
	return t.park(waitIdle)
}

func abortIdle(t *Task, _ error) abortResult {
	r := t.r
	r.idle = slices.DeleteFunc(r.idle, func(w idleWaiter) bool { return w.t == t })
	return abortDone
}

// shortestCushion returns the cushion Wait should honour (-1: none).
func (r *Runner) shortestCushion() int64 {
	if len(r.idle) == 0 {
		return -1
	}
	c := r.idle[0].cushion
	for _, w := range r.idle[1:] {
		c = min(c, w.cushion)
	}
	return int64(c)
}

// wakeIdle wakes the idle waiters with the shortest cushion: Wait reported
// that it passed with nothing runnable.
func (r *Runner) wakeIdle() {
	c := time.Duration(r.shortestCushion())
	if c < 0 {
		return
	}
	keep := r.idle[:0]
	for _, w := range r.idle {
		if w.cushion == c {
			r.reschedule(w.t, nil)
		} else {
			keep = append(keep, w)
		}
	}
	clear(r.idle[len(keep):])
	r.idle = keep
}
