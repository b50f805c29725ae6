package bridge

import (
	"context"
	"errors"
	"fmt"

	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/loop"
)

// hostLoop returns the guest run that ctx's task belongs to and its host
// loop. It fails unless it is called from a task step of a live guest run
// whose host is a *loop.Loop.
func hostLoop(ctx context.Context, op string) (*Guest, *loop.Loop, error) {
	if ctx == nil {
		return nil, nil, fmt.Errorf("bridge: %s: nil ctx", op)
	}
	g := guestFor(ctx)
	if g == nil {
		return nil, nil, fmt.Errorf("bridge: %s: not called from a task of a live guest run: %w", op, sc.ErrNotInTask)
	}
	l, ok := g.Host().(*loop.Loop)
	if !ok {
		return nil, nil, fmt.Errorf("bridge: %s: the guest's host is not a *loop.Loop (it is %T)", op, g.Host())
	}
	if !g.InTask() {
		return nil, nil, fmt.Errorf("bridge: %s: called outside the task's step: %w", op, sc.ErrNotInTask)
	}
	return g, l, nil
}

// RunHostTask runs fn as a host task on the loop that hosts the calling
// guest task, waits for it, and returns its value and error (tractor's
// to_asyncio.run_task). fn is a loop task function: its ctx is the host
// task's. RunHostTask must be called from a task of a guest run whose host
// is a *loop.Loop (anything else is an error, nothing is started).
//
// The wait is a guest checkpoint; other guest tasks and the host loop run
// meanwhile. Outcomes:
//   - fn's value and nil, or fn's own error unchanged (errors.Is and
//     errors.As see it; a panic in fn arrives as a *loop.PanicError);
//   - when the host task was cancelled by host code (by itself or anyone
//     else on the loop), an error matching both ErrHostCancelled and
//     loop.ErrCancelled;
//   - when the calling guest task is cancelled (a deadline, a nursery
//     failing), the host task is cancelled (its ctx's cause says so) and
//     RunHostTask waits, shielded, until it has ended, then returns the
//     guest's cancellation so the cancel scope that caused it absorbs it.
//     The host task is never left running after RunHostTask returns,
//     except when the guest run itself is being abandoned.
//
// No error is lost when both sides fail: if the host task ended with an
// error of its own and the guest task was cancelled too, RunHostTask
// returns both in an *sc.NurseryError, in the order they happened: the
// host's error first when the host task had already ended when the guest
// was cancelled (say a sibling guest task saw the host fail and failed in
// turn before this wait woke up), the guest's cancellation first when the
// host task failed while it was being cancelled. A cancel scope absorbs
// the cancellation and lets the host's error through. OpenChannelFrom
// does the same.
//
// Each call starts one host task (a few allocations); a round trip with a
// host task that answers at once costs about a microsecond or two
// (BenchmarkRunHostTask).
func RunHostTask[T any](ctx context.Context, fn func(ctx context.Context) (T, error)) (T, error) {
	var zero T
	g, l, err := hostLoop(ctx, "RunHostTask")
	if err != nil {
		return zero, err
	}
	if fn == nil {
		return zero, errors.New("bridge: RunHostTask: nil func")
	}
	// Guest task code runs on the loop's goroutine, inside a loop
	// callback: loop-only calls are allowed here.
	f := loop.Go(l, "RunHostTask", fn)
	var done sc.Event
	// The done callback is host code between guest ticks: Set wakes the
	// guest by itself.
	f.AddDoneCallback(func(*loop.Future[T]) { done.Set() })
	var sp spin
	for err == nil && !f.Done() {
		err = sp.guest(ctx, g, done.Wait)
	}
	if err == nil {
		v, herr := f.Result()
		if herr != nil {
			return zero, fromHostTask(herr)
		}
		return v, nil
	}
	// The guest gave up. The host task may have ended already, its done
	// callback not yet run: then its error came first.
	if f.Done() {
		if _, herr := f.Result(); herr != nil {
			return zero, inOrder(fromHostTask(herr), err)
		}
		return zero, err
	}
	// Stop the host task and wait for it to end.
	f.Task().CancelWithCause(fmt.Errorf("bridge: the guest task waiting in RunHostTask gave up: %w", err))
	waitShielded(ctx, &done, f.Done)
	_, herr := f.Result()
	return zero, inOrder(err, hostOwnError(herr))
}

// hostOwnError is the part of a host task's error that the guest did not
// cause: nil for success and for the cancellation the guest asked for
// (whatever the host task ended with, a cancel it did not handle), else
// the error, translated for a guest caller.
func hostOwnError(err error) error {
	if err == nil || errors.Is(err, loop.ErrCancelled) && !errors.Is(err, loop.ErrClosed) {
		return nil
	}
	return fromHostTask(err)
}

// fromHostTask translates the error a host task ended with, which the
// guest did not cause, for a guest caller.
func fromHostTask(err error) error {
	if errors.Is(err, loop.ErrCancelled) && !errors.Is(err, loop.ErrClosed) {
		return hostCancelled(err)
	}
	return err
}

// waitShielded waits, immune to the task's cancellation, until ev is set or
// done reports true. It gives up only when the run is being abandoned or
// the call is misplaced, where waiting cannot succeed.
func waitShielded(ctx context.Context, ev *sc.Event, done func() bool) {
	var cs sc.CancelScope
	cs.SetShield(true)
	_ = cs.Run(ctx, func(ctx context.Context, _ *sc.CancelScope) error {
		for !ev.IsSet() && !done() {
			err := ev.Wait(ctx)
			if errors.Is(err, sc.ErrRunFinished) || errors.Is(err, sc.ErrNotInTask) {
				return err
			}
		}
		return nil
	})
}
