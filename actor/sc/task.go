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
//
// A Task is most of what a blocked task costs beyond its goroutine stack,
// so the struct is kept to 176 bytes (a size class): the ctx it hands to
// fn is embedded, the abort function and the snapshot name of its wait
// follow from its waitKind, its nursery from its base scope, its sleep
// timer is borrowed only while it sleeps, and the stack a snapshot asks
// for is recorded in the runner. The coroutine comes from
// the runner's pool and goes back when the task ends, so starting a task
// allocates the Task alone.
type Task struct {
	r    *Runner
	name string
	id   uint64
	fn   func(ctx context.Context) error
	co   *coro.Coro // from the runner's pool, while the task runs
	ctx  scopeCtx   // the ctx fn receives; its scope is the task's base scope

	// Invariant: scope is the innermost cancel scope the task is inside;
	// base is the scope it was started in (its nursery's scope or a root).
	// The nursery the task is a child of is base.nursery (nil for main).
	scope    *CancelScope
	base     *CancelScope
	scopeIdx int32 // position in scope.tasks
	nidx     int32 // position in base.nursery.tasks

	state   taskState
	wait    waitKind // what a parked task waits on
	started bool     // the coroutine has begun running
	probing bool     // the current resume only asks for the suspension site
	isMain  bool
	owe     bool // a schedule point is owed (see handoffPoint)

	// err is, while the task is parked, the error reschedule passed for
	// park to return, and once fn has returned, fn's result. The two uses
	// never overlap, and one field keeps the struct in its size class.
	err      error
	waitData any   // what the parked task waits on, for abort
	wnext    *Task // links in a waitList
	wprev    *Task
	sleep    *timer         // borrowed from the runner while sleeping
	gid      atomic.Uintptr // the goroutine of its coroutine (internal/gid), set when it starts
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
	if c, ok := ctx.(*scopeCtx); ok {
		// The common case, without a Value lookup or a second call.
		t := c.task
		if g := gid.Current(); g != 0 && g == t.gid.Load() && t.state == taskRunning {
			return t, nil
		}
	}
	c := scopeCtxOf(ctx)
	if c == nil {
		return nil, fmt.Errorf("sc: %s: ctx carries no task (use the ctx a task received): %w", op, ErrNotInTask)
	}
	t := c.task
	if !t.runningHere() {
		return nil, fmt.Errorf("sc: %s: task %q is not running here (called from another goroutine, between ticks, or after the task ended): %w", op, t.name, ErrNotInTask)
	}
	return t, nil
}

// runningHere reports whether t's step is running, on the calling
// goroutine.
func (t *Task) runningHere() bool {
	g := gid.Current()
	if g == 0 { // no goroutine identity here: the best that can be checked
		return t.r.current.Load() == t
	}
	// On t's own goroutine, t's runner-owned state is safe to read: the
	// coroutine runs only while the runner waits for it. (A finished task's
	// goroutine may run a later task of the pool, hence the state check.)
	return g == t.gid.Load() && t.state == taskRunning
}

// taskBody is a Task as the body of a pooled coroutine: converting the
// *Task makes no closure, and keeps Run out of Task's API.
type taskBody Task

// Run runs the task on c (coro.Body).
func (b *taskBody) Run(c *coro.Coro) { (*Task)(b).body(c) }

// body runs the task's function on its coroutine.
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
	t.err = t.fn(&t.ctx)
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
// reschedule passed. kind says what it waits on: how a cancellation or
// interrupt delivered while parked is handled, and the wait's name in
// snapshots.
func (t *Task) park(kind waitKind) error {
	t.wait = kind
	t.state = taskParked
	if !t.suspend() {
		return ErrRunFinished
	}
	err := t.err
	t.err = nil
	return err
}

// yield puts the running task at the back of the run queue and switches to
// the runner.
func (t *Task) yield() bool {
	t.state = taskRunnable
	t.r.runq = append(t.r.runq, t)
	return t.suspend()
}

// handoffPoint is the schedule point of a call that handed a value
// straight to a parked task (a channel Send to a waiting receiver, a
// Receive from a waiting sender). Rather than switch at once, the task
// owes the switch: its next call that parks pays it for free, and its next
// call that would not switch, or the next hand-off, switches then. So a
// task runs at most one hand-off past a schedule point, while a
// request/response pair of tasks switches once per hand-off, as
// goroutines on a Go channel do, instead of twice.
func (t *Task) handoffPoint() {
	if t.owe {
		t.yield()
		return
	}
	t.owe = true
}

// suspend switches to the runner until the task is resumed for real.
// Parking records nothing, so it costs only the switch: a snapshot finds
// out where a suspended task is by resuming it with probing set, and the
// task answers by recording its stack (in the runner) and suspending
// again.
func (t *Task) suspend() bool {
	t.owe = false // a switch pays any owed schedule point
	if !t.co.Yield() {
		return false
	}
	if t.probing {
		return t.answerProbes()
	}
	return true
}

// answerProbes records where the task is suspended for each probe, until
// it is resumed for real.
func (t *Task) answerProbes() bool {
	for t.probing {
		t.probing = false
		where := &t.r.probeWhere
		n := runtime.Callers(4, where[:])
		clear(where[n:])
		if !t.co.Yield() {
			return false
		}
	}
	return true
}

// probe fills the runner's probeWhere with where a suspended task is (see
// suspend). It is called by Snapshot, from the driving goroutine or from
// another task's step.
func (t *Task) probe() {
	clear(t.r.probeWhere[:])
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
	if t.state != taskParked || t.wait == waitNone {
		return false
	}
	switch t.wait.abort(t, err) {
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
	if old := t.scope; old != nil {
		old.tasks.Remove(t, taskScopePos)
	}
	t.scope = s
	s.tasks.Add(t, &t.scopeIdx)
}

// Runner returns the runner the task belongs to. Safe from any goroutine.
func (t *Task) Runner() *Runner { return t.r }
