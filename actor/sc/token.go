package sc

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/hitchrt/hitch/internal/gid"
)

// Token lets plain goroutines run code inside a runner (trio's TrioToken
// with from_thread): the code runs on the driving goroutine inside a tick,
// between task steps, so it may touch runner-owned state (set an Event,
// cancel a scope, start tasks). A Token is valid from NewRunner on; once
// the run has finished its calls return ErrRunFinished.
//
// Who may call what:
//
//	call                       plain goroutine   task or driving goroutine
//	RunSyncSoon                yes               yes (it never blocks)
//	RunSyncNow                 yes (may drive)   yes (queues, as RunSyncSoon)
//	RunSync, Run, RunNamed     yes (blocks)      no: ErrInsideRunner
//	RunSyncContext, RunContext yes (blocks)      no: ErrInsideRunner
//
// Blocking calls from inside the runner would wait for the runner that
// waits for them, so they fail at once instead; tasks call the code
// directly (or start a task with Nursery.StartSoon). The one case not
// caught is a goroutine that calls RunSync before it starts driving the
// runner (before its first Tick): nothing marks it as the driver yet.
type Token struct {
	r *Runner
}

// Runner returns the token's runner.
func (tk *Token) Runner() *Runner { return tk.r }

// RunSync runs fn inside the runner at its next tick and returns fn's
// error (a panic in fn comes back as a *PanicError). It blocks the calling
// goroutine until fn has run. It returns ErrRunFinished, without running
// fn, when the run ends first, and an error matching ErrInsideRunner when
// called from a task of this runner or from its driving goroutine. See
// RunSyncContext to bound the wait.
func (tk *Token) RunSync(fn func() error) error {
	return tk.runSync(context.Background(), "RunSync", fn)
}

// RunSyncContext is RunSync that gives up when ctx ends: if fn has not
// started by then, it never runs, and the error matches ErrNotStarted and
// ctx's error; if fn is already running, RunSyncContext returns at once
// with an error matching ctx's error, and fn's own result is dropped.
// Either way RunSyncContext does not wait past the end of ctx, which makes
// it the call for code that must not hang on a wedged runner (a signal
// handler dumping the task tree, say).
func (tk *Token) RunSyncContext(ctx context.Context, fn func() error) error {
	if ctx == nil {
		return errors.New("sc: Token.RunSyncContext: nil ctx")
	}
	return tk.runSync(ctx, "RunSyncContext", fn)
}

// Call states of a blocking token call, so that the caller giving up and
// the runner starting the code never both win.
const (
	callPending int32 = iota
	callStarted
	callAbandoned
)

// tokenCall is one blocking token call in flight; the call types below
// embed it and are their own jobs, so queueing one makes no closure.
type tokenCall struct {
	state atomic.Int32
	done  chan error // capacity 1: the outcome
}

func (c *tokenCall) start() bool { return c.state.CompareAndSwap(callPending, callStarted) }

// fail reports that the run ended before the call started.
func (c *tokenCall) fail(err error) { c.done <- err }

// syncCall is a RunSync call.
type syncCall struct {
	tokenCall
	fn func() error
}

func (c *syncCall) run(*Runner) {
	if c.start() {
		c.done <- callSync(c.fn)
	}
}

// taskCall is a Run call: its task, and the scope that cancels the task
// when the caller gives up.
type taskCall struct {
	tokenCall
	name  string
	fn    func(ctx context.Context) error
	scope *CancelScope // runner-owned: set when the task starts
}

func (c *taskCall) run(r *Runner) {
	if r.mainDone {
		c.done <- ErrRunFinished
		return
	}
	if !c.start() {
		return
	}
	c.scope = &CancelScope{}
	// The task hands the result to the caller and returns nil, so one
	// token task's failure never cancels the others.
	r.sys.spawn(c.name, c.task)
}

func (c *taskCall) task(ctx context.Context) error {
	c.done <- c.scope.Run(ctx, c.inScope)
	return nil
}

func (c *taskCall) inScope(ctx context.Context, _ *CancelScope) error { return callTask(ctx, c.fn) }

// cancelCall is the job that cancels a running taskCall's task.
type cancelCall taskCall

func (c *cancelCall) run(*Runner) { c.scope.Cancel() }
func (c *cancelCall) fail(error)  {} // the run ended: so did the task

// wait returns the call's outcome, or gives up when ctx ends first (a ctx
// that never ends, such as context.Background, waits without a select);
// op names the call in errors.
func (c *tokenCall) wait(ctx context.Context, op string) error {
	if ctx.Done() == nil {
		return <-c.done
	}
	select {
	case err := <-c.done:
		return err
	case <-ctx.Done():
		if c.state.CompareAndSwap(callPending, callAbandoned) {
			return fmt.Errorf("sc: Token.%s: gave up before the code started, so it will not run: %w: %w", op, ErrNotStarted, context.Cause(ctx))
		}
		select {
		case err := <-c.done: // it finished meanwhile
			return err
		default:
		}
		return fmt.Errorf("sc: Token.%s: gave up while the code was running; its result is dropped: %w", op, context.Cause(ctx))
	}
}

func (tk *Token) runSync(ctx context.Context, op string, fn func() error) error {
	if fn == nil {
		return fmt.Errorf("sc: Token.%s: nil function", op)
	}
	if err := tk.r.checkOutside(op); err != nil {
		return err
	}
	c := &syncCall{fn: fn}
	c.done = make(chan error, 1)
	if tk.r.push(job{work: c}) != nil {
		return ErrRunFinished
	}
	return c.wait(ctx, op)
}

// checkOutside returns an ErrInsideRunner error when the caller is a task
// step of r or r's driving goroutine, where a blocking token call would
// wait for itself.
func (r *Runner) checkOutside(op string) error {
	g := gid.Current()
	if g == 0 {
		return nil // no goroutine identity on this platform: cannot tell
	}
	if g == r.driverG.Load() {
		return fmt.Errorf("sc: Token.%s called from the runner's driving goroutine (host code or a RunSyncSoon function), which it would wait for: %w", op, ErrInsideRunner)
	}
	if t := r.current.Load(); t != nil && t.gid.Load() == g {
		return fmt.Errorf("sc: Token.%s called from %s of the same runner, which it would wait for (call the code directly): %w", op, t, ErrInsideRunner)
	}
	if r.onHost != nil && r.onHost() {
		return fmt.Errorf("sc: Token.%s called from host code of the loop driving the runner (a host task), which it would wait for: %w", op, ErrInsideRunner)
	}
	return nil
}

// RunSyncSoon queues fn to run inside the runner at its next tick and
// returns at once (trio's TrioToken.run_sync_soon), so unlike RunSync it
// may be called from anywhere, the driving goroutine and tasks included,
// and before the first tick. Calls from one goroutine run in the order
// queued. A panic in fn is captured and cancels the run: the outcome
// carries it as a *PanicError. It returns ErrRunFinished, without queueing
// fn, once the run has ended. It allocates nothing itself: pass a func
// value made once (not a fresh closure) to keep a steady stream of calls
// free of garbage.
func (tk *Token) RunSyncSoon(fn func()) error {
	if fn == nil {
		return errors.New("sc: Token.RunSyncSoon: nil function")
	}
	if tk.r.push(job{soon: fn}) != nil {
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

// callSoon runs a RunSyncSoon function; its panic fails the run.
func (r *Runner) callSoon(fn func()) {
	defer func() {
		if v := recover(); v != nil {
			r.hostFailed(captureHostPanic(v, "Token.RunSyncSoon function"))
		}
	}()
	fn()
}

// Run starts fn as a task of the runner (a system task, outside main's
// tree, cancelled when main finishes), waits for it and returns its error.
// It returns ErrRunFinished when the run ends before the task starts, and
// an error matching ErrInsideRunner when called from a task of this runner
// or from its driving goroutine. See RunContext to bound the wait.
func (tk *Token) Run(fn func(ctx context.Context) error) error {
	return tk.run(context.Background(), "Run", "token.Run", fn)
}

// RunNamed is Run with a task name for snapshots and profiles.
func (tk *Token) RunNamed(name string, fn func(ctx context.Context) error) error {
	return tk.run(context.Background(), "RunNamed", name, fn)
}

// RunContext is RunNamed that gives up when ctx ends (an empty name means
// "token.Run"): if the task has not started by then, it never does, and the
// error matches ErrNotStarted and ctx's error; if it is running, it is
// cancelled and RunContext returns at once with an error matching ctx's
// error, leaving the task to finish under its runner (as a system task,
// whose result is dropped). RunContext never waits past the end of ctx.
func (tk *Token) RunContext(ctx context.Context, name string, fn func(ctx context.Context) error) error {
	if ctx == nil {
		return errors.New("sc: Token.RunContext: nil ctx")
	}
	if name == "" {
		name = "token.Run"
	}
	return tk.run(ctx, "RunContext", name, fn)
}

func (tk *Token) run(ctx context.Context, op, name string, fn func(ctx context.Context) error) error {
	if fn == nil {
		return fmt.Errorf("sc: Token.%s: nil function", op)
	}
	r := tk.r
	if err := r.checkOutside(op); err != nil {
		return err
	}
	c := &taskCall{name: name, fn: fn}
	c.done = make(chan error, 1)
	if r.push(job{work: c}) != nil {
		return ErrRunFinished
	}
	err := c.wait(ctx, op)
	if ctx.Err() != nil && c.state.Load() == callStarted {
		// Given up on a running task: cancel it. Best effort: once the run
		// has finished the task has ended anyway.
		_ = r.push(job{work: (*cancelCall)(c)})
	}
	return err
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
