package sc

import (
	"context"
	"fmt"
	"runtime"
	"runtime/pprof"
	"sync/atomic"

	"github.com/hitchrt/hitch/internal/coro"
	"github.com/hitchrt/hitch/internal/gid"
	"github.com/hitchrt/hitch/internal/panics"
)

type taskState uint8

const (
	taskRunnable taskState = iota // in the run queue
	taskRunning                   // its step is running
	taskParked                    // suspended until reschedule
	taskDone                      // returned
)

// abortResult is what an abort function did with a cancellation or an
// interrupt delivered to a parked task.
type abortResult uint8

const (
	abortFail     abortResult = iota // the wait cannot be aborted; delivery stays pending
	abortDone                        // the wait was undone; reschedule the task with the error
	abortAbsorbed                    // the wait took the error in another way; keep the task parked
)

// Task is one sc task: a function running as a coroutine stepped by its
// runner. A Task is made by the runner (main), a Nursery (StartSoon, Start)
// or a Token (Run); its fields are runner-owned, and its methods are meant
// for code running in the same runner (a task step, or host code between
// ticks) unless they say otherwise.
type Task struct {
	r    *Runner
	name string
	id   uint64
	fn   func(ctx context.Context) error
	co   *coro.Coro
	ctx  *scopeCtx // the ctx fn receives; its scope is the task's base scope

	// Invariant: scope is the innermost cancel scope the task is inside;
	// base is the scope it was started in (its nursery's scope or a root).
	scope    *CancelScope
	base     *CancelScope
	scopeIdx int // index in scope.tasks

	nursery *Nursery // the nursery the task is a child of; nil for roots
	nidx    int      // index in nursery.tasks

	state     taskState
	abort     func(*Task, error) abortResult // set while parked
	wakeErr   error                          // passed by reschedule
	afterStep func()                         // run by the runner once the current step is over
	waitData  any                            // what the parked task waits on, for abort
	waitWhat  string                         // short name of the wait, for snapshots
	wlist     *waitList
	wnext     *Task
	wprev     *Task
	sleep     timer
	where     [8]uintptr     // return PCs where the task is suspended, taken by probe
	gid       atomic.Uintptr // the goroutine of its coroutine (internal/gid), set when it starts
	started   bool           // the coroutine has begun running
	probing   bool           // the current resume only asks for the suspension site

	err    error
	isMain bool
}

// Name returns the name the task was started with.
func (t *Task) Name() string { return t.name }

// ID returns the task's number, unique within its runner.
func (t *Task) ID() uint64 { return t.id }

// String returns "task NAME".
func (t *Task) String() string { return "task " + t.name }

// CurrentTask returns the task that ctx belongs to, or nil when ctx carries
// no task. It is safe from any goroutine; it does not check that the task is
// running.
func CurrentTask(ctx context.Context) *Task {
	if c := scopeCtxOf(ctx); c != nil {
		return c.task
	}
	return nil
}

// taskFrom returns the task of ctx when that task's step is running now, on
// the calling goroutine; otherwise a clear misuse error naming op.
//
// Limit: where internal/gid has no goroutine identity (architectures other
// than amd64 and arm64), a call made from another goroutine at the very
// moment the task's own step runs is not caught here (it is a data race,
// which -race reports). Calls while the task is parked, runnable or
// finished, and calls with a ctx of no task, are always caught.
func taskFrom(ctx context.Context, op string) (*Task, error) {
	c := scopeCtxOf(ctx)
	if c == nil {
		return nil, fmt.Errorf("sc: %s: ctx carries no task (use the ctx a task received): %w", op, ErrNotInTask)
	}
	t := c.task
	if t.r.current.Load() != t || !t.onOwnGoroutine() {
		return nil, fmt.Errorf("sc: %s: task %q is not running here (called from another goroutine, between ticks, or after the task ended): %w", op, t.name, ErrNotInTask)
	}
	return t, nil
}

// onOwnGoroutine reports whether the caller runs on t's coroutine (true
// where that cannot be told).
func (t *Task) onOwnGoroutine() bool {
	g := gid.Current()
	return g == 0 || g == t.gid.Load()
}

// body is the coroutine function of a task.
func (t *Task) body(c *coro.Coro) {
	t.gid.Store(gid.Current())
	t.started = true
	if lc := t.r.labelCtx(t.name); lc != nil {
		pprof.SetGoroutineLabels(lc)
	}
	defer func() {
		if v := recover(); v != nil {
			t.err = panics.Capture(v, "task "+t.name)
		}
	}()
	t.err = t.fn(t.ctx)
}

// cancelPending reports whether a checkpoint of t would fail now, without
// taking a pending interrupt.
func (t *Task) cancelPending() bool {
	return t.scope.eff.Load() || t.isMain && t.r.intrPending
}

// checkpointIfCancelled is how every blocking call begins (trio's
// checkpoint_if_cancelled): when the task is cancelled it first lets every
// other runnable task run, and only then reports the cancellation. The
// schedule point comes before the cancel point, so a cancelled task that
// polls in its cleanup (waiting for a sibling to set a flag, say) cannot
// starve its siblings, and a guest's host gets its loop back in between.
// It returns nil when the task is not cancelled (or no longer is, once it
// runs again); the caller then reads its state afresh, since other tasks
// may have run.
func (t *Task) checkpointIfCancelled() error {
	if !t.cancelPending() {
		return nil
	}
	if !t.yield() {
		return ErrRunFinished
	}
	return t.cancelErr()
}

// cancelErr returns the error a checkpoint of t delivers now: a pending
// interrupt for the main task, or ErrCancelled while the task's innermost
// scope is effectively cancelled (level-triggered: again at every call).
func (t *Task) cancelErr() error {
	if t.isMain && t.r.intrPending {
		t.r.intrPending = false
		return ErrInterrupted
	}
	if t.scope.eff.Load() {
		return ErrCancelled
	}
	return nil
}

// park suspends the running task until reschedule and returns the error
// reschedule passed. abort says how a cancellation or interrupt delivered
// while parked is handled; what names the wait for snapshots.
func (t *Task) park(what string, abort func(*Task, error) abortResult) error {
	t.abort = abort
	t.waitWhat = what
	t.state = taskParked
	if !t.suspend() {
		return ErrRunFinished
	}
	err := t.wakeErr
	t.wakeErr = nil
	return err
}

// yield puts the running task at the back of the run queue and switches to
// the runner.
func (t *Task) yield() bool {
	t.state = taskRunnable
	t.r.runq = append(t.r.runq, t)
	return t.suspend()
}

// suspend switches to the runner until the task is resumed for real.
// Parking records nothing, so it costs only the switch: a snapshot finds
// out where a suspended task is by resuming it with probing set, and the
// task answers by recording its stack and suspending again.
func (t *Task) suspend() bool {
	for {
		if !t.co.Yield() {
			return false
		}
		if !t.probing {
			return true
		}
		t.probing = false
		n := runtime.Callers(3, t.where[:])
		clear(t.where[n:])
	}
}

// probe fills t.where for a suspended task (see suspend). It is called by
// Snapshot, from the driving goroutine or from another task's step.
func (t *Task) probe() {
	if !t.started || t.co == nil || t.state == taskRunning || t.state == taskDone {
		return
	}
	t.probing = true
	t.co.Resume()
	t.probing = false
}

// deliver offers err (a cancellation or an interrupt) to a parked task.
// It reports whether the task took it.
func (t *Task) deliver(err error) bool {
	if t.state != taskParked || t.abort == nil {
		return false
	}
	switch t.abort(t, err) {
	case abortDone:
		t.r.reschedule(t, err)
		return true
	case abortAbsorbed:
		return true
	}
	return false
}

// setScope moves t into scope s (as its innermost scope).
func (t *Task) setScope(s *CancelScope) {
	old := t.scope
	if old != nil {
		old.removeTask(t)
	}
	t.scope = s
	s.addTask(t)
}

// Runner returns the runner the task belongs to. Safe from any goroutine.
func (t *Task) Runner() *Runner { return t.r }
