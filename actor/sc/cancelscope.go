package sc

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hitchrt/hitch/internal/ilist"
)

// CancelScope marks a region of one task's code that can be cancelled as a
// unit (trio's CancelScope). The zero value is a scope with no deadline,
// not shielded, not cancelled; configure it with SetDeadline and SetShield
// before or after entering. A scope is entered once (Enter, or the
// callback helpers OpenCancelScope, MoveOnAfter, FailAfter) and exited once
// by the same task, in LIFO order with the task's other scopes.
//
// Cancellation is level-triggered: once a scope is cancelled, every
// checkpoint inside it (not inside a shielded inner scope) returns an error
// matching ErrCancelled, again and again, until the code leaves the scope.
// The scope absorbs that error on exit (CancelledCaught then reports true).
//
// Methods are for code of the same runner: a task step, or host code on the
// driving goroutine between ticks (which wakes a waiting runner). Plain
// goroutines go through a Token. A CancelScope must not be copied after
// first use.
type CancelScope struct {
	r        *Runner
	parent   *CancelScope
	owner    *Task                   // task that entered it; nil for the system root
	nursery  *Nursery                // set when this is a nursery's scope
	children ilist.Set[*CancelScope] // scopes entered inside this one
	cidx     int32                   // position in parent.children
	tasks    ilist.Set[*Task]        // tasks whose innermost scope this is

	name          string
	seq           uint64 // entry order, for snapshots
	cancelCalled  bool
	caught        bool
	shield        bool
	deadlineFired bool
	hasDeadline   bool
	entered       bool
	exited        bool
	deadline      time.Time   // valid when hasDeadline
	tm            timer       // in the runner's heap while the deadline is pending
	why           *cancelInfo // why Cancel was called; set with cancelCalled

	// eff is true while the scope is effectively cancelled: cancelled
	// itself, or inside an effectively cancelled parent without a shield.
	// effWhy says why (this scope's why, or the parent's it inherits); it
	// is stored before eff turns true. effDeadline is the effective
	// deadline (the earliest of its own and, unless shielded, its
	// parent's) in UnixNano on the runner's clock, 0 for none. Written by
	// the runner, read from any goroutine (ctx.Err, ctx.Deadline,
	// context.Cause).
	eff         atomic.Bool
	effWhy      atomic.Pointer[cancelInfo]
	effDeadline atomic.Int64

	doneMu     sync.Mutex
	done       chan struct{} // guarded by doneMu; made lazily
	doneClosed bool          // guarded by doneMu
}

// Cancel cancels the scope: blocking calls inside it end with ErrCancelled
// at once, and so does every later checkpoint inside it. Cancel does not
// wait; repeat calls are no-ops. Cancelling before Enter makes the scope
// start cancelled. The ctx of code inside reports context.Canceled from
// Err and from context.Cause; see CancelWithCause to say why.
func (s *CancelScope) Cancel() { s.cancel(causeCancelled) }

// CancelWithCause is Cancel with the reason: inside the scope,
// context.Cause(ctx) returns cause (ctx.Err() is still context.Canceled),
// for code running in tasks and in their ToGoroutine goroutines alike.
// Only the first cancellation counts: after Cancel, a deadline or an
// earlier CancelWithCause, it is a no-op. A nil cause means
// context.Canceled. A nursery cancels its scope with the first error of
// its body or children as the cause.
func (s *CancelScope) CancelWithCause(cause error) {
	if s.cancelCalled {
		return
	}
	if cause == nil {
		s.cancel(causeCancelled)
		return
	}
	s.cancel(newCancelInfo(context.Canceled, cause))
}

// Cause returns why the scope was cancelled: the cause given to
// CancelWithCause, context.Canceled after Cancel, context.DeadlineExceeded
// when its deadline passed; nil while it is not cancelled. It reports the
// scope's own cancellation, not an outer scope's.
func (s *CancelScope) Cause() error {
	if !s.cancelCalled {
		return nil
	}
	return s.why.cause
}

func (s *CancelScope) cancel(why *cancelInfo) {
	if s.cancelCalled {
		return
	}
	s.cancelCalled = true
	s.why = why
	if s.entered && !s.exited {
		s.refresh()
		s.r.wakeIfOutside()
	}
}

// CancelCalled reports whether Cancel was called or the deadline passed.
func (s *CancelScope) CancelCalled() bool { return s.cancelCalled }

// CancelledCaught reports whether the scope absorbed a cancellation on
// exit.
func (s *CancelScope) CancelledCaught() bool { return s.caught }

// Shielded reports whether the scope shields its contents from outer
// cancellation.
func (s *CancelScope) Shielded() bool { return s.shield }

// SetShield turns the shield on or off. A shielded scope ignores the
// cancellation of scopes around it (its own Cancel and deadline still
// work). Turning a shield off inside a cancelled scope delivers the
// cancellation at once. A Done channel that has closed stays closed.
func (s *CancelScope) SetShield(on bool) {
	if s.shield == on {
		return
	}
	s.shield = on
	if s.entered && !s.exited {
		s.refresh()
		s.refreshDeadline()
		s.r.wakeIfOutside()
	}
}

// Deadline returns the scope's deadline and whether it has one.
func (s *CancelScope) Deadline() (time.Time, bool) { return s.deadline, s.hasDeadline }

// SetDeadline sets (or moves) the time at which the scope cancels itself;
// the zero time removes the deadline. A deadline already past cancels the
// scope at its first checkpoint. Moving the deadline wakes a waiting runner,
// so host code between ticks may call it.
func (s *CancelScope) SetDeadline(t time.Time) {
	s.hasDeadline = !t.IsZero()
	s.deadline = t
	if !s.entered || s.exited {
		return
	}
	s.refreshDeadline()
	if s.cancelCalled {
		return
	}
	if s.hasDeadline {
		s.r.timers.Push(&s.tm, t) // moves it when already pending
	} else {
		s.r.timers.Remove(&s.tm)
	}
	s.r.wakeIfOutside()
}

// Enter enters the scope in the task of ctx and returns the ctx for code
// inside it (pass it on: its Done follows this scope). It fails with a
// clear error when ctx's task is not running, or the scope was entered
// before. Every successful Enter must be paired with Exit in the same task.
func (s *CancelScope) Enter(ctx context.Context) (context.Context, error) {
	t, err := taskFrom(ctx, "CancelScope.Enter")
	if err != nil {
		return ctx, err
	}
	if s.entered {
		return ctx, fmt.Errorf("sc: CancelScope.Enter: scope entered twice: %w", ErrScopeOrder)
	}
	return s.enter(t, ctx), nil
}

// Exit leaves the scope. It takes the error the code inside produced and
// returns it with cancellations absorbed when this scope was cancelled.
// Exiting a scope that is not the task's innermost one, exiting twice, or
// from another task returns an error matching ErrScopeOrder (joined with
// err) and leaves the scope stack as it was.
func (s *CancelScope) Exit(ctx context.Context, err error) error {
	t, terr := taskFrom(ctx, "CancelScope.Exit")
	if terr != nil {
		return joinErr(err, terr)
	}
	if !s.entered || s.exited || s.owner != t || t.scope != s {
		return joinErr(err, fmt.Errorf("sc: CancelScope.Exit: not the innermost open scope of %s: %w", t, ErrScopeOrder))
	}
	return s.exit(t, err)
}

func joinErr(err, misuse error) error {
	if err == nil {
		return misuse
	}
	return fmt.Errorf("%w (and %w)", misuse, err)
}

// enter links s under t's innermost scope and makes it t's innermost.
func (s *CancelScope) enter(t *Task, parentCtx context.Context) context.Context {
	r := t.r
	s.r = r
	s.owner = t
	s.entered = true
	r.nextID++
	s.seq = r.nextID
	s.tm.Value = s
	s.parent = t.scope
	s.parent.children.Add(s, &s.cidx)
	t.setScope(s)
	c := newScopeCtx(parentCtx, t, s)
	if s.hasDeadline && !s.cancelCalled {
		if !s.deadline.After(r.clock.Now()) {
			s.deadlineFired = true
			s.cancelCalled = true
			s.why = causeDeadline
		} else {
			r.timers.Push(&s.tm, s.deadline)
		}
	}
	s.refresh()
	s.refreshDeadline()
	return c
}

// exit unlinks s (the innermost scope of t) and filters err.
func (s *CancelScope) exit(t *Task, err error) error {
	s.exited = true
	s.r.timers.Remove(&s.tm)
	t.setScope(s.parent)
	s.parent.children.Remove(s, scopeChildPos)
	if s.cancelCalled && err != nil {
		if f, dropped := filterCancelled(err); dropped {
			s.caught = true
			err = f
		}
	}
	return err
}

// refresh recomputes effective cancellation for s and its subtree, closing
// Done channels and delivering ErrCancelled to parked tasks that became
// cancelled.
func (s *CancelScope) refresh() {
	eff := s.cancelCalled || (!s.shield && s.parent != nil && s.parent.eff.Load())
	if eff == s.eff.Load() {
		return
	}
	if eff {
		why := s.why
		if !s.cancelCalled {
			why = s.parent.effWhy.Load()
		}
		s.effWhy.Store(why) // before eff, so a reader that sees eff sees why
	}
	s.eff.Store(eff)
	if eff {
		s.closeDone()
		for _, t := range s.tasks.All() { // delivery does not change the set
			t.deliver(ErrCancelled)
		}
	}
	for _, c := range s.children.All() {
		c.refresh()
	}
}

func (s *CancelScope) doneChan() <-chan struct{} {
	s.doneMu.Lock()
	defer s.doneMu.Unlock()
	if s.done == nil {
		s.done = make(chan struct{})
		if s.eff.Load() {
			close(s.done)
			s.doneClosed = true
		}
	}
	return s.done
}

func (s *CancelScope) closeDone() {
	s.doneMu.Lock()
	if s.done != nil && !s.doneClosed {
		close(s.done)
		s.doneClosed = true
	}
	s.doneMu.Unlock()
}

// Positions of scopes and tasks in the sets that hold them.
func scopeChildPos(s *CancelScope) *int32 { return &s.cidx }
func taskScopePos(t *Task) *int32         { return &t.scopeIdx }
func taskNurseryPos(t *Task) *int32       { return &t.nidx }

// deadlineExpired is called by the runner when the scope's timer fires.
func (s *CancelScope) deadlineExpired() {
	if s.exited || s.cancelCalled {
		return
	}
	s.deadlineFired = true
	s.cancel(causeDeadline)
}

// OpenCancelScope runs fn inside a new cancel scope configured by the
// options and returns fn's error with the scope's cancellations absorbed.
// fn receives the scope, so it can cancel it or move its deadline.
func OpenCancelScope(ctx context.Context, fn func(ctx context.Context, s *CancelScope) error) error {
	s := &CancelScope{}
	return s.Run(ctx, fn)
}

// Run enters s, runs fn inside it and exits it, returning fn's error with
// the scope's cancellations absorbed. It blocks for as long as fn does.
func (s *CancelScope) Run(ctx context.Context, fn func(ctx context.Context, s *CancelScope) error) (err error) {
	t, err := taskFrom(ctx, "CancelScope.Run")
	if err != nil {
		return err
	}
	if s.entered {
		return fmt.Errorf("sc: CancelScope.Run: scope entered twice: %w", ErrScopeOrder)
	}
	inner := s.enter(t, ctx)
	err = callScoped(t, inner, s, fn)
	if t.scope != s {
		// fn left inner scopes open (Enter without Exit): close them so the
		// stack stays consistent, and say so.
		err = joinErr(err, t.unwindTo(s))
	}
	return s.exit(t, err)
}

func callScoped(t *Task, ctx context.Context, s *CancelScope, fn func(context.Context, *CancelScope) error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = capturePanic(v, t)
		}
	}()
	return fn(ctx, s)
}

// unwindTo exits t's scopes above s that were left open.
func (t *Task) unwindTo(s *CancelScope) error {
	for t.scope != s && t.scope != t.base {
		in := t.scope
		in.exit(t, nil)
	}
	return fmt.Errorf("sc: %s left a cancel scope open: %w", t, ErrScopeOrder)
}

// MoveOnAfter runs fn with a deadline d from now and returns quietly
// (nil) if the deadline cancelled it; other errors pass through.
func MoveOnAfter(ctx context.Context, d time.Duration, fn func(ctx context.Context) error) error {
	t, err := taskFrom(ctx, "MoveOnAfter")
	if err != nil {
		return err
	}
	return MoveOnAt(ctx, t.r.clock.Now().Add(d), fn)
}

// MoveOnAt is MoveOnAfter with an absolute deadline.
func MoveOnAt(ctx context.Context, deadline time.Time, fn func(ctx context.Context) error) error {
	s := &CancelScope{}
	s.SetDeadline(deadline)
	return s.Run(ctx, func(ctx context.Context, _ *CancelScope) error { return fn(ctx) })
}

// TooSlowError is returned by FailAfter/FailAt; it matches ErrTooSlow.
type TooSlowError struct {
	// Deadline is the deadline that passed, on the runner's clock.
	Deadline time.Time
}

// Error names the deadline that passed.
func (e *TooSlowError) Error() string {
	return "sc: too slow: deadline " + e.Deadline.Format(time.RFC3339Nano) + " passed"
}

// Is matches ErrTooSlow.
func (e *TooSlowError) Is(target error) bool { return target == ErrTooSlow }

// FailAfter runs fn with a deadline d from now; if the deadline cancelled
// fn, it returns a *TooSlowError (matching ErrTooSlow).
func FailAfter(ctx context.Context, d time.Duration, fn func(ctx context.Context) error) error {
	t, err := taskFrom(ctx, "FailAfter")
	if err != nil {
		return err
	}
	return FailAt(ctx, t.r.clock.Now().Add(d), fn)
}

// FailAt is FailAfter with an absolute deadline.
func FailAt(ctx context.Context, deadline time.Time, fn func(ctx context.Context) error) error {
	s := &CancelScope{}
	s.SetDeadline(deadline)
	err := s.Run(ctx, func(ctx context.Context, _ *CancelScope) error { return fn(ctx) })
	if err == nil && s.caught {
		return &TooSlowError{Deadline: deadline}
	}
	return err
}

// cancelInfo says why a scope was cancelled, in the terms of
// context.Context: err is what ctx.Err returns (context.Canceled or
// context.DeadlineExceeded), cause what context.Cause returns. Immutable
// once made, so any goroutine may read one it has loaded.
type cancelInfo struct {
	err   error
	cause error
	// causeCtx is a context.Context cancelled with cause, made only for a
	// cause other than err: context.Cause finds it through Value (see
	// causeLookupKey).
	causeCtx context.Context
}

var (
	causeCancelled = &cancelInfo{err: context.Canceled, cause: context.Canceled}
	causeDeadline  = &cancelInfo{err: context.DeadlineExceeded, cause: context.DeadlineExceeded}
)

func newCancelInfo(err, cause error) *cancelInfo {
	ci := &cancelInfo{err: err, cause: cause}
	c, cancel := context.WithCancelCause(context.Background())
	cancel(cause)
	ci.causeCtx = c
	return ci
}

// refreshDeadline recomputes the effective deadline of s and of every
// scope inside it.
func (s *CancelScope) refreshDeadline() {
	var d int64
	if s.parent != nil && !s.shield {
		d = s.parent.effDeadline.Load()
	}
	if s.hasDeadline {
		if own := s.deadline.UnixNano(); d == 0 || own < d {
			d = own
		}
	}
	if s.effDeadline.Swap(d) == d {
		return // the scopes inside derive from this one: unchanged too
	}
	for _, c := range s.children.All() {
		c.refreshDeadline()
	}
}
