package sc

import (
	"context"
	"time"
)

// Checkpoint is a schedule point, then a cancel point (trio's order): it
// lets every other runnable task run, and once the task runs again returns
// ErrCancelled (or, in the main task, ErrInterrupted) if the task's scope
// is cancelled, else nil. It always switches to the runner, cancelled or
// not. It must be called with the ctx of the running task.
func Checkpoint(ctx context.Context) error {
	t, err := taskFrom(ctx, "Checkpoint")
	if err != nil {
		return err
	}
	if !t.yield() { // the checkpoint body, written out: this is the hot path
		return ErrRunFinished
	}
	return t.cancelErr()
}

func (t *Task) checkpoint() error {
	if !t.yield() {
		return ErrRunFinished
	}
	return t.cancelErr()
}

// cancelShieldedCheckpoint lets other tasks run without checking for
// cancellation (after an operation that already succeeded).
func (t *Task) cancelShieldedCheckpoint() {
	t.yield()
}

// Now returns the runner's current time (its clock's, virtual under a
// MockClock). ctx must carry a task; outside one it returns time.Now().
func Now(ctx context.Context) time.Time {
	if c := scopeCtxOf(ctx); c != nil {
		return c.task.r.clock.Now()
	}
	return time.Now()
}

// Sleep blocks the task for d on the runner's clock. d <= 0 is a
// Checkpoint. It returns ErrCancelled early when cancelled.
func Sleep(ctx context.Context, d time.Duration) error {
	t, err := taskFrom(ctx, "Sleep")
	if err != nil {
		return err
	}
	if d <= 0 {
		return t.checkpoint()
	}
	return t.sleepUntil(t.r.clock.Now().Add(d))
}

// SleepUntil blocks the task until the runner's clock reaches deadline. A
// deadline already past is a Checkpoint. It returns ErrCancelled early when
// cancelled.
func SleepUntil(ctx context.Context, deadline time.Time) error {
	t, err := taskFrom(ctx, "SleepUntil")
	if err != nil {
		return err
	}
	if !deadline.After(t.r.clock.Now()) {
		return t.checkpoint()
	}
	return t.sleepUntil(deadline)
}

func (t *Task) sleepUntil(deadline time.Time) error {
	if err := t.checkpointIfCancelled(); err != nil {
		return err
	}
	t.sleep = t.r.sleepTimer(t)
	t.r.timers.Push(t.sleep, deadline)
	return t.park(waitSleep)
}

func abortSleep(t *Task, _ error) abortResult {
	t.r.timers.Remove(t.sleep)
	t.endSleep()
	return abortDone
}

// SleepForever blocks until the task is cancelled, and returns the
// cancellation.
func SleepForever(ctx context.Context) error {
	t, err := taskFrom(ctx, "SleepForever")
	if err != nil {
		return err
	}
	if err := t.checkpointIfCancelled(); err != nil {
		return err
	}
	return t.park(waitForever)
}
