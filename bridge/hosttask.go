package bridge

import (
	"context"
	"errors"
	"fmt"

	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/loop"
)

// spinYields is how many times a guest wait for a host task yields to the
// host loop (an sc.Checkpoint, one loop turn) before it parks. A host task
// that answers within a turn or two, the common case, is then seen without
// the guest going idle, which would cost a hand-off to the guest's waiter
// goroutine and back. A host task that takes longer costs at most this many
// extra turns before the guest parks for real.
var spinYields = 3

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
// to_asyncio.run_task). It must be called from a task of a guest run whose
// host is a *loop.Loop (anything else is an error, nothing is started).
//
// The wait is a guest checkpoint; other guest tasks and the host loop run
// meanwhile. Outcomes:
//   - fn's value and nil, or fn's own error unchanged (errors.Is and
//     errors.As see it; a panic in fn arrives as a *loop.PanicError);
//   - when the host task was cancelled by host code (by itself or anyone
//     else on the loop), an error matching both ErrHostCancelled and
//     loop.ErrCancelled;
//   - when the calling guest task is cancelled (a deadline, a nursery
//     failing), the host task is cancelled and RunHostTask waits, shielded,
//     until it has ended, then returns the guest's cancellation error
//     unchanged so the cancel scope that caused it absorbs it. The host
//     task is never left running after RunHostTask returns, except when the
//     guest run itself is being abandoned.
//
// Each call starts one host task (a few allocations); a round trip with a
// host task that answers at once costs about a microsecond or two
// (BenchmarkRunHostTask).
func RunHostTask[T any](ctx context.Context, fn func(t *loop.Task) (T, error)) (T, error) {
	var zero T
	_, l, err := hostLoop(ctx, "RunHostTask")
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
	for i := 0; i < spinYields && !f.Done(); i++ {
		if err = sc.Checkpoint(ctx); err != nil {
			break
		}
	}
	if err == nil && !f.Done() {
		err = done.Wait(ctx)
	}
	if err != nil {
		// The guest gave up: stop the host task and wait for it to end.
		f.Cancel()
		waitShielded(ctx, &done, f.Done)
		return zero, err
	}
	v, herr := f.Result()
	if herr != nil {
		return zero, fromHostTask(herr)
	}
	return v, nil
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
