package loop

import (
	"errors"
	"strconv"
	"time"
)

// Gather parks t until every a has ended and returns the errors.Join of
// their errors (nil when all succeeded); values are then read with
// Future.Result. If t is cancelled meanwhile, every awaitable still running
// is cancelled, Gather waits for all of them to end, and returns
// ErrCancelled. Task code only.
func Gather(t *Task, as ...Awaitable) error {
	if err := t.checkAwait("Gather", nil); err != nil {
		return err
	}
	for i, a := range as {
		if a == nil {
			return misuse("Gather: awaitable " + strconv.Itoa(i) + " is nil")
		}
		if a.awaitCore().l != t.l {
			return misuse("Gather: awaitable " + strconv.Itoa(i) + " belongs to another loop")
		}
	}
	var errs []error
	cancelled := false
	for i, a := range as {
		c := a.awaitCore()
		for !c.done {
			if t.mustCancel {
				// Delivered here, before parking: cancel what is left.
				t.mustCancel = false
				cancelled = true
				gatherWait(as[i:]).cancelWait()
			}
			err := t.waitOn(c, gatherWait(as[i:]))
			if errors.Is(err, ErrClosed) {
				return err
			}
			if err != nil {
				// Task.Cancel already cancelled as[i:] through gatherWait.
				cancelled = true
			}
		}
		c.retrieved.Store(true)
		if c.err != nil {
			errs = append(errs, c.err)
		}
	}
	if cancelled {
		return ErrCancelled
	}
	return errors.Join(errs...)
}

// WaitFor parks t until f is done or timeout passed, and returns f's
// outcome. On timeout f is cancelled (for a future from Go: its task is
// cancelled and awaited) and WaitFor returns ErrTimeout, unless f still
// produced an outcome of its own. Cancelling t cancels f and returns
// ErrCancelled. Task code only.
func WaitFor[T any](t *Task, f *Future[T], timeout time.Duration) (T, error) {
	var zero T
	if f == nil {
		return zero, misuse("WaitFor: nil future")
	}
	if err := t.checkAwait("WaitFor", &f.c); err != nil {
		return zero, err
	}
	if f.c.done {
		f.c.retrieved.Store(true)
		return f.val, f.c.err
	}
	timedOut := false
	tm := t.l.CallLater(timeout, func() {
		timedOut = true
		f.Cancel()
	})
	err := t.waitOn(&f.c, f)
	tm.Cancel()
	if err != nil {
		return zero, err
	}
	if timedOut && f.c.cancelled {
		return zero, ErrTimeout
	}
	return f.val, f.c.err
}

// gatherWait is what a gathering task is parked on: cancelling it cancels
// every awaitable not yet collected.
type gatherWait []Awaitable

func (g gatherWait) awaitCore() *core { return nil }

func (g gatherWait) cancelWait() bool {
	for _, a := range g {
		a.cancelWait()
	}
	return true
}
