package sc

import (
	"context"
	"errors"
	"fmt"
)

// Token lets plain goroutines run code inside a runner (trio's TrioToken
// with from_thread): the code runs on the driving goroutine inside a tick,
// between task steps, so it may touch runner-owned state (set an Event,
// cancel a scope, start tasks). A Token is valid from NewRunner on; once
// the run has finished its calls return ErrRunFinished.
//
// RunSync and Run block the calling goroutine until the code has run, so
// they must not be called from a task of the same runner or from the
// driving goroutine (that would deadlock); tasks call the code directly.
type Token struct {
	r *Runner
}

// Runner returns the token's runner.
func (tk *Token) Runner() *Runner { return tk.r }

// RunSync runs fn inside the runner at its next tick and returns fn's
// error (a panic in fn comes back as a *PanicError). It returns
// ErrRunFinished, without running fn, when the run ends first.
func (tk *Token) RunSync(fn func() error) error {
	if fn == nil {
		return errors.New("sc: Token.RunSync: nil function")
	}
	done := make(chan error, 1)
	err := tk.r.wq.Push(job{
		run:  func(*Runner) { done <- callSync(fn) },
		fail: func(err error) { done <- err },
	})
	if err != nil {
		return ErrRunFinished
	}
	return <-done
}

// RunSyncSoon queues fn to run inside the runner at its next tick and
// returns at once (trio's TrioToken.run_sync_soon), so unlike RunSync it
// may be called from anywhere, the driving goroutine included, and before
// the first tick. Calls from one goroutine run in the order queued. A panic
// in fn is captured and cancels the run: the outcome carries it as a
// *PanicError. It returns ErrRunFinished, without queueing fn, once the run
// has ended.
func (tk *Token) RunSyncSoon(fn func()) error {
	if fn == nil {
		return errors.New("sc: Token.RunSyncSoon: nil function")
	}
	err := tk.r.wq.Push(job{run: func(r *Runner) {
		if err := callSync(func() error { fn(); return nil }); err != nil {
			r.hostFailed(err)
		}
	}})
	if err != nil {
		return ErrRunFinished
	}
	return nil
}

func callSync(fn func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = captureHostPanic(v, "Token.RunSync function")
		}
	}()
	return fn()
}

// Run starts fn as a task of the runner (a system task, outside main's
// tree, cancelled when main finishes), waits for it and returns its error.
// It returns ErrRunFinished when the run ends before the task starts.
func (tk *Token) Run(fn func(ctx context.Context) error) error {
	return tk.RunNamed("token.Run", fn)
}

// RunNamed is Run with a task name for snapshots and profiles.
func (tk *Token) RunNamed(name string, fn func(ctx context.Context) error) error {
	if fn == nil {
		return errors.New("sc: Token.Run: nil function")
	}
	done := make(chan error, 1)
	err := tk.r.wq.Push(job{
		run: func(r *Runner) {
			if r.mainDone {
				done <- ErrRunFinished
				return
			}
			// The wrapper hands the result to the caller and returns nil,
			// so one token task's failure never cancels the others.
			r.sys.spawn(name, func(ctx context.Context) error {
				done <- callTask(ctx, fn)
				return nil
			})
		},
		fail: func(err error) { done <- err },
	})
	if err != nil {
		return ErrRunFinished
	}
	return <-done
}

func captureHostPanic(v any, where string) error {
	return fmt.Errorf("sc: %w", panicsCapture(v, where))
}

// StartSystemTask starts fn as a system task of the run (trio's
// spawn_system_task): outside main's tree, cancelled when main finishes,
// run from the next tick on. It is for code that already runs inside the
// runner: a task, or host code on the driving goroutine between ticks (a
// guest's host callbacks). fn should handle its own errors: one that
// returns an error other than a cancellation, or panics, fails the whole
// run with that error, as an exception escaping a system task crashes a
// trio run. It returns ErrRunFinished once the run has finished.
func (r *Runner) StartSystemTask(name string, fn func(ctx context.Context) error) error {
	if fn == nil {
		return fmt.Errorf("sc: StartSystemTask %q: nil function", name)
	}
	if r.finished {
		return ErrRunFinished
	}
	r.sys.spawn(name, func(ctx context.Context) error {
		err := callTask(ctx, fn)
		if err != nil && !onlyCancelled(err) {
			r.hostFailed(fmt.Errorf("sc: system task %q failed: %w", name, err))
		}
		return nil
	})
	return nil
}

func callTask(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = capturePanic(v, CurrentTask(ctx))
		}
	}()
	return fn(ctx)
}
