package loop

import (
	"context"
	"errors"
	"strconv"
	"time"
)

// Gather parks the task of ctx until every a has ended and returns the
// errors.Join of their errors (nil when all succeeded); values are then
// read with Future.Result. If the task is cancelled meanwhile, every
// awaitable still running is cancelled, Gather waits for all of them to
// end, and returns ErrCancelled. Task code only, as for Await.
func Gather(ctx context.Context, as ...Awaitable) error {
	t, err := running(ctx, "Gather", nil)
	if err != nil {
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

// WaitFor parks the task of ctx until f is done or timeout passed, and
// returns f's outcome. On timeout f is cancelled (for a future from Go: its
// task is cancelled and awaited) and WaitFor returns ErrTimeout, unless f
// still produced an outcome of its own. Cancelling the task cancels f and
// returns ErrCancelled. Task code only, as for Await.
func WaitFor[T any](ctx context.Context, f *Future[T], timeout time.Duration) (T, error) {
	var zero T
	if f == nil {
		return zero, misuse("WaitFor: nil future")
	}
	t, err := running(ctx, "WaitFor", &f.c)
	if err != nil {
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
	err = t.waitOn(&f.c, f)
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
