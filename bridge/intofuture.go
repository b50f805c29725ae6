package bridge

import (
	"context"
	"errors"
	"fmt"

	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/loop"
)

// RunGuestTaskInFuture runs fn as a system task of the guest run on l, in
// a cancel scope of its own, and returns a host future for its outcome
// (tractor's run_trio_task_in_future). Call it from host code on l (a host
// task or callback, loop only); guest task code may call it too.
//
// The future gets fn's value, or fn's error (a panic in fn arrives as a
// *sc.PanicError and does not crash the guest run). Cancelling the future,
// or the host task awaiting it, cancels fn's scope instead of completing
// the future: the future completes only once fn has returned, cancelled
// (an error matching loop.ErrCancelled) unless fn still produced a value or
// an error of its own. When the guest run itself cancels fn (it is
// finishing), the future fails with an error matching loop.ErrCancelled
// and sc.ErrCancelled. The one exception to "ends after fn": a cancel that
// arrives before the future's own host task took its first step cancels
// fn's scope but completes the future at once.
//
// Without a live guest run on l (or with a nil l or fn) the returned future
// fails at once with an error saying so.
func RunGuestTaskInFuture[T any](l *loop.Loop, fn func(ctx context.Context) (T, error)) *loop.Future[T] {
	fail := func(err error) *loop.Future[T] {
		f := loop.NewFuture[T](l)
		f.SetError(err)
		return f
	}
	switch {
	case l == nil:
		return fail(errors.New("bridge: RunGuestTaskInFuture: nil loop"))
	case fn == nil:
		return fail(errors.New("bridge: RunGuestTaskInFuture: nil func"))
	}
	g := GuestOf(l)
	if g == nil {
		return fail(errors.New("bridge: RunGuestTaskInFuture: the loop has no live guest run"))
	}
	inner := loop.NewFuture[T](l)
	var scope sc.CancelScope
	err := g.Runner().StartSystemTask("RunGuestTaskInFuture", func(ctx context.Context) error {
		var v T
		var ferr error
		serr := scope.Run(ctx, func(ctx context.Context, _ *sc.CancelScope) error {
			v, ferr = fn(ctx)
			return ferr
		})
		// This is a guest task step, on the loop's goroutine: completing
		// a host future is allowed.
		switch {
		case serr == nil && ferr == nil:
			inner.SetResult(v)
		case serr == nil:
			// fn's error was our scope's cancellation, absorbed.
			inner.SetError(loop.ErrCancelled)
		case errors.Is(serr, sc.ErrCancelled) && ctx.Err() != nil:
			inner.SetError(fmt.Errorf("%w: the guest run cancelled the task: %w", loop.ErrCancelled, serr))
			return serr // keep propagating in the guest
		default:
			inner.SetError(serr)
		}
		return nil // fn's errors belong to the future, not to the guest run
	})
	if err != nil {
		return fail(fmt.Errorf("bridge: RunGuestTaskInFuture: %w", err))
	}
	out := loop.Go(l, "RunGuestTaskInFuture", func(ctx context.Context) (T, error) {
		_, err := loop.Await(ctx, loop.Shield(inner))
		if inner.Done() {
			return inner.Result()
		}
		// This task was cancelled: cancel the guest task (host code between guest
		// ticks: Cancel wakes the guest), then wait for it to end.
		scope.Cancel()
		for !inner.Done() {
			if errors.Is(err, loop.ErrClosed) {
				var zero T
				return zero, err
			}
			_, err = loop.Await(ctx, loop.Shield(inner))
		}
		return inner.Result()
	})
	out.AddDoneCallback(func(*loop.Future[T]) {
		if !inner.Done() {
			scope.Cancel() // cancelled before its first step
		}
	})
	return out
}
