package loop

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/hitchrt/hitch/internal/coro"
	"github.com/hitchrt/hitch/internal/gid"
	"github.com/hitchrt/hitch/internal/panics"
)

// Task is a function running as a coroutine on the loop: asyncio's Task.
// Its steps run one at a time on the loop's goroutine's OS thread, between
// other callbacks; it gives the loop back only at an await (Await, Sleep,
// Yield, Gather, WaitFor), each of which takes the ctx the function
// received. CurrentTask(ctx) is the same handle Spawn returns, so others
// can Cancel it and await it. A zero Task is not usable. Methods are loop
// only unless they say otherwise.
type Task struct {
	l    *Loop
	name string
	fn   func(ctx context.Context) error
	ctx  taskCtx // what fn receives; part of the Task, so it costs nothing
	co   *coro.Coro
	c    core  // the task's own completion
	obs  *core // where its error is looked at: c, or the future from Go
	ret  error // fn's outcome, set inside the coroutine

	stepFn func() // t.step, bound once so scheduling allocates nothing
	wakeFn func() // t.wake, bound once (sleep timer)

	scheduled  bool      // a step is queued
	mustCancel bool      // a cancel not yet delivered to an await
	cancels    int       // Cancel calls that counted
	started    bool      // the coroutine was resumed once
	stopped    bool      // Close stopped the coroutine: awaits fail at once
	wait       Awaitable // what the task is suspended on, or nil
	sleep      Timer     // reused by Sleep
	onFinish   func(error)
	ownedByRun bool    // Run returns its error: never report it
	gid        int64   // debug: the coroutine's goroutine id
	coG        uintptr // the coroutine's goroutine (internal/gid), from its first step
}

// Spawn starts fn as a task on l, for work without a value (Go starts one
// with a value); its first step runs in a later callback. name labels it in
// reports (empty means "task-N"). fn's returned error is the task's error;
// a panic in fn is recovered into a *PanicError with the stack. fn receives
// the task's ctx: awaits take it, CurrentTask and FromContext find the task
// and the loop in it, and it is cancelled when the task is (see Cancel).
// Loop only (use GoThreadsafe from other goroutines). On a closed loop the
// task is done at once with ErrClosed. A nil fn panics.
func (l *Loop) Spawn(name string, fn func(ctx context.Context) error) *Task {
	if fn == nil {
		panic("loop: Spawn: nil func")
	}
	if l.cfg.debug {
		l.checkOnLoop("Spawn")
	}
	t := l.newTask(name, fn)
	t.start()
	return t
}

func (l *Loop) newTask(name string, fn func(ctx context.Context) error) *Task {
	l.nextID++
	if name == "" {
		name = "task-" + strconv.Itoa(l.nextID)
	}
	t := &Task{l: l, name: name, fn: fn}
	t.ctx.t = t
	t.c.l = l
	t.obs = &t.c
	t.stepFn = t.step
	t.wakeFn = t.wake
	t.sleep = Timer{l: l, fn: t.wakeFn}
	return t
}

func (t *Task) start() {
	l := t.l
	if l.closed || l.state.Load() == stateClosed {
		t.finish(ErrClosed)
		return
	}
	l.tasks[t] = true
	t.wake()
}

// Go starts fn as a task, as Spawn does, and returns a future for its
// value: the one way to start a task with a value (GoThreadsafe is the same
// from other goroutines). Await the future with Await. Cancelling the
// future cancels the task; the future completes when the task ends.
// Future.Task returns the task. Loop only. A nil fn panics.
func Go[T any](l *Loop, name string, fn func(ctx context.Context) (T, error)) *Future[T] {
	if fn == nil {
		panic("loop: Go: nil func")
	}
	if l.cfg.debug {
		l.checkOnLoop("Go")
	}
	f := NewFuture[T](l)
	bindTask(l, name, f, fn)
	return f
}

func bindTask[T any](l *Loop, name string, f *Future[T], fn func(ctx context.Context) (T, error)) {
	t := l.newTask(name, func(ctx context.Context) error {
		v, err := fn(ctx)
		if err == nil {
			f.val = v
		}
		return err
	})
	f.c.owner = t
	t.obs = &f.c
	t.onFinish = func(err error) {
		f.c.cancelled = t.c.cancelled
		f.c.complete(err)
	}
	t.start()
}

func (t *Task) body(*coro.Coro) {
	t.coG = gid.Current()
	t.l.stepG.Store(t.coG)
	if t.l.cfg.debug {
		t.gid = goid()
		t.l.taskGID.Store(t.gid)
	}
	defer func() {
		if p := recover(); p != nil {
			t.ret = panics.Capture(p, "task "+t.name)
		}
	}()
	t.ret = t.fn(&t.ctx)
}

// wake queues the task's next step unless one is queued or it is done.
func (t *Task) wake() {
	if t.scheduled || t.c.done {
		return
	}
	t.scheduled = true
	t.l.CallSoon(t.stepFn)
}

func (t *Task) step() {
	t.scheduled = false
	if t.c.done {
		return
	}
	if !t.started && t.mustCancel {
		// Cancelled before its first step: the function never runs.
		t.mustCancel = false
		t.finish(ErrCancelled)
		return
	}
	if t.co == nil {
		// Made at the first step, on the loop's goroutine: a coroutine must
		// be switched on the OS-thread lock state it was made in.
		t.co = coro.New(t.body)
	}
	t.started = true
	l := t.l
	prev := l.current
	l.current = t
	if l.cfg.debug {
		l.taskGID.Store(t.gid) // 0 on the first step; body sets it
	}
	prevG := l.stepG.Swap(t.coG) // 0 on the first step; body sets it
	finished := t.co.Resume()
	l.stepG.Store(prevG)
	if l.cfg.debug {
		l.taskGID.Store(0)
	}
	l.current = prev
	if finished {
		t.finish(t.ret)
	}
}

func (t *Task) finish(err error) {
	if t.mustCancel {
		// A cancel that no await received still cancels the task, as
		// asyncio does when the coroutine returns right after cancel().
		t.mustCancel = false
		if err == nil {
			err = ErrCancelled
		}
	}
	delete(t.l.tasks, t)
	t.ctx.end(context.Canceled)
	t.c.cancelled = errors.Is(err, ErrCancelled)
	var pe *PanicError
	isPanic := errors.As(err, &pe)
	observed := t.obs.waiter != nil || len(t.obs.waiters) > 0 || len(t.obs.cbs) > 0 ||
		t.c.waiter != nil || len(t.c.waiters) > 0 || len(t.c.cbs) > 0
	t.c.complete(err)
	if t.onFinish != nil {
		t.onFinish(err)
	}
	if err == nil || t.c.cancelled || observed || t.ownedByRun {
		return
	}
	if isPanic {
		// Nobody is waiting: say so now rather than at Close.
		t.obs.retrieved.Store(true)
		t.l.report(ExceptionContext{Message: "loop: task panicked", Err: err, Task: t})
		return
	}
	t.l.unseen[t] = true
}

// abandon stops the coroutine of an unfinished task at Close.
func (t *Task) abandon() {
	t.stopped = true
	t.mustCancel = false
	t.ctx.end(errAbandoned)
	if t.co != nil {
		l := t.l
		prev := l.current
		l.current = t
		l.inStep.Store(true)
		t.co.Stop()
		l.inStep.Store(false)
		l.current = prev
	}
	err := error(errAbandoned)
	if t.started && t.ret != nil {
		err = t.ret
	}
	if !t.c.done {
		t.l.report(ExceptionContext{Message: "loop: task abandoned at close", Err: errAbandoned, Task: t})
		t.finish(err)
	}
}

func (t *Task) awaitCore() *core { return &t.c }

// value is what Await returns for a task: nothing but its error.
func (t *Task) value() struct{} { return struct{}{} }

func (t *Task) cancelWait() bool {
	t.Cancel()
	return true
}

// Loop returns the task's loop. Any goroutine.
func (t *Task) Loop() *Loop { return t.l }

// Name returns the task's name. Any goroutine.
func (t *Task) Name() string { return t.name }

// Done reports whether the task has ended.
func (t *Task) Done() bool { return t.c.done }

// Err returns how the task ended: nil while it runs or after success, else
// its error (matching ErrCancelled when cancelled).
func (t *Task) Err() error {
	if !t.c.done {
		return nil
	}
	t.obs.retrieved.Store(true)
	return t.c.err
}

// Cancelled reports whether the task ended cancelled.
func (t *Task) Cancelled() bool { return t.c.done && t.c.cancelled }

// AddDoneCallback arranges for fn(t) to run on the loop once t has ended,
// as a CallSoon callback.
func (t *Task) AddDoneCallback(fn func(*Task)) {
	if fn == nil {
		return
	}
	t.c.addCallback(func() { fn(t) })
}

// Cancel asks the task to stop, with asyncio's edge-triggered semantics,
// and reports false if it already ended. It is CancelWithCause(nil).
func (t *Task) Cancel() bool { return t.CancelWithCause(nil) }

// CancelWithCause asks the task to stop, as asyncio's Task.cancel(msg),
// and reports false if it already ended. The request is delivered once:
// the task's pending await (or its next one) returns ErrCancelled; the
// task may handle it, clean up, await again, and return. A cancelled task
// awaiting a future cancels that future, and one awaiting another task
// cancels that task and resumes only once it has ended (use Shield to keep
// the inner work going). A task cancelled before its first step never
// runs; one that ends without receiving a pending cancel ends cancelled.
//
// The task's ctx is cancelled at the first call, and stays so even if the
// task handles the cancel and goes on: context.Cause(ctx) returns cause
// (ErrCancelled when cause is nil), so code holding only the ctx (a
// goroutine, a library call) learns why. Loop only.
func (t *Task) CancelWithCause(cause error) bool {
	if t.c.done {
		return false
	}
	if cause == nil {
		cause = ErrCancelled
	}
	t.ctx.end(cause)
	t.cancels++
	t.mustCancel = true
	if w := t.wait; w != nil {
		if !w.cancelWait() {
			t.wake()
		}
	}
	return true
}

// CancelRequested reports whether a cancel is pending delivery.
func (t *Task) CancelRequested() bool { return t.mustCancel }

// checkAwait validates an await by t. Always on: t must be the task whose
// step is running (so a plain goroutine or another task cannot park it).
func (t *Task) checkAwait(op string, c *core) error {
	l := t.l
	if l.cfg.debug && !l.inStep.Load() {
		return misuse(op + ": called outside a task step of the loop (goroutines use Future.Wait)")
	}
	if l.current != t {
		return misuse(op + ": task " + t.name + " is not the running task")
	}
	if c != nil && c.l != l {
		return misuse(op + ": awaited future belongs to another loop")
	}
	return nil
}

// suspend yields to the loop; false means Close stopped the coroutine.
func (t *Task) suspend() bool {
	if t.stopped {
		return false
	}
	if !t.co.Yield() {
		t.stopped = true
		return false
	}
	return true
}

// waitOn parks t until c is done. It returns nil when c is done (the
// outcome is in c), ErrCancelled when t was cancelled, errAbandoned at
// Close.
func (t *Task) waitOn(c *core, a Awaitable) error {
	if t.stopped {
		return errAbandoned
	}
	if t.mustCancel {
		t.mustCancel = false
		return ErrCancelled
	}
	if c.done {
		c.retrieved.Store(true)
		return nil
	}
	c.addWaiter(t)
	t.wait = a
	ok := t.suspend()
	t.wait = nil
	if !ok {
		c.removeWaiter(t)
		return errAbandoned
	}
	if t.mustCancel {
		t.mustCancel = false
		if !c.done {
			c.removeWaiter(t)
		}
		return ErrCancelled
	}
	return nil
}

// Await parks the task of ctx until a (a *Future[T], or a *Task, whose
// value is struct{}) is done and returns its value and error: the one way
// a task awaits another task or a future (plain goroutines use
// Future.Wait). If the task is cancelled meanwhile, a is cancelled too and
// Await returns ErrCancelled; when a is a task, Await returns only after a
// has ended (wrap a future in Shield to keep it alive). ctx must be the
// running task's ctx (or derived from it); anything else returns an error
// matching ErrMisuse, as does a task awaiting itself.
func Await[T any](ctx context.Context, a AwaitableOf[T]) (T, error) {
	var zero T
	if a == nil {
		return zero, misuse("Await: nil awaitable")
	}
	c := a.awaitCore()
	tc, ok := ctx.(*taskCtx) // the common case, without a call
	if !ok {
		if tc = taskCtxOf(ctx); tc == nil {
			return zero, misuse("Await: " + noTask)
		}
	}
	t := tc.t
	if err := t.checkAwait("Await", c); err != nil {
		return zero, err
	}
	if c == &t.c {
		return zero, misuse("Await: task " + t.name + " awaits itself")
	}
	if err := t.waitOn(c, a); err != nil {
		return zero, err
	}
	if c.err != nil {
		return zero, c.err
	}
	return a.value(), nil
}

// Yield gives the loop one turn: callbacks queued so far run, then the
// task of ctx goes on. It returns ErrCancelled if the task was cancelled.
// Task code only, as for Await.
func Yield(ctx context.Context) error { return sleep(ctx, "Yield", 0) }

// Sleep parks the task of ctx for d (d <= 0: one turn, as Yield). It
// returns nil when the time passed, ErrCancelled when the task was
// cancelled. Task code only, as for Await.
func Sleep(ctx context.Context, d time.Duration) error { return sleep(ctx, "Sleep", d) }

func sleep(ctx context.Context, op string, d time.Duration) error {
	t, err := running(ctx, op, nil)
	if err != nil {
		return err
	}
	if t.stopped {
		return errAbandoned
	}
	if t.mustCancel {
		t.mustCancel = false
		return ErrCancelled
	}
	if d <= 0 {
		t.wake()
	} else {
		t.l.schedule(&t.sleep, time.Now().Add(d))
		t.wait = (*sleepWait)(t)
	}
	ok := t.suspend()
	t.wait = nil
	if !ok {
		t.sleep.Cancel()
		return errAbandoned
	}
	if t.mustCancel {
		t.mustCancel = false
		t.sleep.Cancel()
		return ErrCancelled
	}
	return nil
}

// sleepWait is the Awaitable of a sleeping task: cancelling it cancels the
// timer.
type sleepWait Task

func (s *sleepWait) awaitCore() *core { return nil }

// cancelWait reports whether the sleep timer had already fired (its wake
// is then on its way).
func (s *sleepWait) cancelWait() bool { return !s.sleep.Cancel() }
