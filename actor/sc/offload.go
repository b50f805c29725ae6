package sc

import (
	"context"
	"errors"
	"fmt"

	"github.com/hitchrt/hitch/internal/panics"
)

func panicsCapture(v any, where string) *panics.Error { return panics.Capture(v, where) }

// offload is one ToGoroutine call. Runner-owned except result, which the
// goroutine writes before it queues the offload as its completion job.
type offload struct {
	t         *Task
	ctx       context.Context
	fn        func(ctx context.Context) error
	abandon   bool
	abandoned bool
	launched  bool
	result    error // fn's result, written by the goroutine
	err       error // the result the task sees, once run
}

// launch starts the goroutine. The runner calls it once the task has
// parked and its step is over, so nothing fn does overlaps the step (and
// misuse of ctx from fn's goroutine is always caught).
func (o *offload) launch() {
	if o.launched {
		return
	}
	o.launched = true
	go func() {
		o.result = callOffload(o.ctx, o.fn)
		_ = o.t.r.push(job{work: o})
	}()
}

// run hands fn's result to the task, inside a tick (o is its own
// completion job).
func (o *offload) run(r *Runner) {
	if o.abandoned {
		return
	}
	o.err = o.result
	r.reschedule(o.t, nil)
}

// fail: the run ended first; the task was stopped with it.
func (o *offload) fail(error) {}

// ToGoroutine runs fn on a new goroutine and parks the task (not the
// runner) until fn returns, then returns fn's error (trio's
// to_thread.run_sync). fn receives ctx, whose Done closes when the task's
// scope is cancelled. On cancellation, ToGoroutine keeps waiting for fn
// unless abandonOnCancel is set, in which case it returns ErrCancelled at
// once and fn's result is dropped when it comes. If fn returns a context
// cancellation error (context.Canceled, context.DeadlineExceeded or the
// scope's cause) while the task is cancelled, the error also matches
// ErrCancelled. ctx's Deadline is the task's effective sc deadline, so
// standard-library calls that take ctx time out with it. fn must not call
// blocking sc functions with ctx (they return ErrNotInTask); it may use the
// runner's Token. A panic in fn comes back as a *PanicError.
func ToGoroutine(ctx context.Context, fn func(ctx context.Context) error, abandonOnCancel bool) error {
	t, err := taskFrom(ctx, "ToGoroutine")
	if err != nil {
		return err
	}
	if fn == nil {
		return errors.New("sc: ToGoroutine: nil function")
	}
	if err := t.checkpointIfCancelled(); err != nil {
		return err
	}
	o := &offload{t: t, ctx: ctx, fn: fn, abandon: abandonOnCancel}
	t.waitData = o
	if werr := t.park(waitGoroutine); werr != nil {
		return werr
	}
	if o.err != nil && t.scope.eff.Load() && isCtxCancellation(o.err, t.scope.effWhy.Load()) {
		return fmt.Errorf("%w: %w", ErrCancelled, o.err)
	}
	return o.err
}

// isCtxCancellation reports whether err is what a ctx cancelled for why
// reports (ctx.Err or context.Cause), as a goroutine that gave up on its
// ctx returns it.
func isCtxCancellation(err error, why *cancelInfo) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, why.cause)
}

func callOffload(ctx context.Context, fn func(context.Context) error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = panics.Capture(v, "goroutine of "+CurrentTask(ctx).String())
		}
	}()
	return fn(ctx)
}

func abortOffload(t *Task, _ error) abortResult {
	o := t.waitData.(*offload)
	if !o.abandon {
		return abortFail
	}
	o.abandoned = true
	return abortDone
}
