package loop

import (
	"errors"
	"strconv"
	"time"

	"github.com/hitchrt/hitch/internal/coro"
	"github.com/hitchrt/hitch/internal/panics"
)

// Task is a function running as a coroutine on the loop: asyncio's Task.
// Its steps run one at a time on the loop's goroutine's OS thread, between
// other callbacks; it gives the loop back only at an await (Await,
// Task.Await, Sleep, Yield, Gather, WaitFor). The *Task the function
// receives is the same handle Spawn returns, so others can Cancel it and
// await it. A zero Task is not usable. Methods are loop only.
type Task struct {
	l    *Loop
	name string
	fn   func(*Task) error
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
	sleeping   bool      // suspended in Sleep(d > 0)
	onFinish   func(error)
	ownedByRun bool  // Run returns its error: never report it
	gid        int64 // debug: the coroutine's goroutine id
}

// Spawn starts fn as a task on l; its first step runs in a later callback.
// name labels it in reports (empty means "task-N"). fn's returned error is
// the task's error; a panic in fn is recovered into a *PanicError with the
// stack. Loop only (use Submit from other goroutines). On a closed loop the
// task is done at once with ErrClosed.
func (l *Loop) Spawn(name string, fn func(t *Task) error) *Task {
	if l.cfg.debug {
		l.checkOnLoop("Spawn")
	}
	t := l.newTask(name, fn)
	t.start()
	return t
}

func (l *Loop) newTask(name string, fn func(*Task) error) *Task {
	l.nextID++
	if name == "" {
		name = "task-" + strconv.Itoa(l.nextID)
	}
	t := &Task{l: l, name: name, fn: fn}
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
	if t.fn == nil {
		t.finish(errors.New("loop: Spawn: nil func"))
		return
	}
	l.tasks[t] = true
	t.wake()
}

// Go starts fn as a task, like Spawn, and returns a future for its value.
// Cancelling the future cancels the task; the future completes when the
// task ends. Future.Task returns the task. Loop only.
func Go[T any](l *Loop, name string, fn func(t *Task) (T, error)) *Future[T] {
	if l.cfg.debug {
		l.checkOnLoop("Go")
	}
	f := NewFuture[T](l)
	if fn == nil {
		f.c.complete(errors.New("loop: Go: nil func"))
		return f
	}
	bindTask(l, name, f, fn)
	return f
}

func bindTask[T any](l *Loop, name string, f *Future[T], fn func(*Task) (T, error)) {
	t := l.newTask(name, func(t *Task) error {
		v, err := fn(t)
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
	if t.l.cfg.debug {
		t.gid = goid()
		t.l.taskGID.Store(t.gid)
	}
	defer func() {
		if p := recover(); p != nil {
			t.ret = panics.Capture(p, "task "+t.name)
		}
	}()
	t.ret = t.fn(t)
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
	finished := t.co.Resume()
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
// and reports false if it already ended. The request is delivered once: the
// task's pending await (or its next one) returns ErrCancelled; the task may
// handle it, clean up, await again, and return. A cancelled task awaiting a
// future cancels that future, and one awaiting another task cancels that
// task and resumes only once it has ended (use Shield to keep the inner work
// going). A task cancelled before its first step never runs; one that ends
// without receiving a pending cancel ends cancelled. Loop only.
func (t *Task) Cancel() bool {
	if t.c.done {
		return false
	}
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
	if t == nil {
		return misuse(op + ": nil task (awaiting is for task code; goroutines use Future.Wait)")
	}
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

// Await parks task t until f is done and returns f's value and error. If t
// is cancelled meanwhile, f is cancelled too and Await returns ErrCancelled
// (wrap f in Shield to keep it alive). t must be the task calling Await;
// anything else returns an error matching ErrMisuse.
func Await[T any](t *Task, f *Future[T]) (T, error) {
	var zero T
	if f == nil {
		return zero, misuse("Await: nil future")
	}
	if err := t.checkAwait("Await", &f.c); err != nil {
		return zero, err
	}
	if err := t.waitOn(&f.c, f); err != nil {
		return zero, err
	}
	return f.val, f.c.err
}

// Await parks t until a (a *Task or *Future[T]) is done and returns its
// error. Cancelling t cancels a; when a is a task, t resumes (with
// ErrCancelled) only after a has ended. Task code only, as for the
// function Await.
func (t *Task) Await(a Awaitable) error {
	if a == nil {
		return misuse("Task.Await: nil awaitable")
	}
	c := a.awaitCore()
	if err := t.checkAwait("Task.Await", c); err != nil {
		return err
	}
	if c == &t.c {
		return misuse("Task.Await: task " + t.name + " awaits itself")
	}
	if err := t.waitOn(c, a); err != nil {
		return err
	}
	return c.err
}

// Yield gives the loop one turn: callbacks queued so far run, then t goes
// on. It returns ErrCancelled if t was cancelled. Task code only.
func (t *Task) Yield() error { return t.Sleep(0) }

// Sleep parks t for d (d <= 0: one turn, as Yield). It returns nil when the
// time passed, ErrCancelled when t was cancelled. Task code only.
func (t *Task) Sleep(d time.Duration) error {
	if err := t.checkAwait("Sleep", nil); err != nil {
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
