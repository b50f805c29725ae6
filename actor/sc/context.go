package sc

import (
	"context"
	"sync/atomic"
	"time"
)

type taskKey struct{}

// scopeCtx is the context.Context a task sees inside one cancel scope. Its
// Done, Err and Deadline follow that scope (effective cancellation and
// deadline, shields included), context.Cause reports why it was cancelled,
// and Value yields the task and the run's values (see Key) and otherwise
// defers to the parent context.
type scopeCtx struct {
	parent context.Context
	task   *Task
	scope  atomic.Pointer[CancelScope] // moves only when Start re-parents a task
}

func newScopeCtx(parent context.Context, t *Task, s *CancelScope) *scopeCtx {
	c := &scopeCtx{parent: parent, task: t}
	c.scope.Store(s)
	return c
}

func scopeCtxOf(ctx context.Context) *scopeCtx {
	if ctx == nil {
		return nil
	}
	if c, ok := ctx.(*scopeCtx); ok {
		return c
	}
	c, _ := ctx.Value(taskKey{}).(*scopeCtx)
	return c
}

// Deadline reports the scope's effective deadline: the earliest deadline
// of it and of the scopes around it, up to the nearest shield. Under a
// clock other than the wall clock (a MockClock) the deadline is translated
// to wall time, as the time left on the runner's clock from now, so that
// standard-library calls in ToGoroutine goroutines can honour it. Unlike a
// standard context's, it may move: SetDeadline and SetShield change it.
// Deadlines of non-sc contexts around the task are not reported, just as
// their cancellation is not followed. Safe from any goroutine.
func (c *scopeCtx) Deadline() (time.Time, bool) {
	n := c.scope.Load().effDeadline.Load()
	if n == 0 {
		return time.Time{}, false
	}
	d := time.Unix(0, n)
	if clock := c.task.r.clock; clock != (wallClock{}) {
		d = time.Now().Add(d.Sub(clock.Now()))
	}
	return d, true
}

// Done closes when the scope becomes effectively cancelled. It is safe from
// any goroutine.
func (c *scopeCtx) Done() <-chan struct{} { return c.scope.Load().doneChan() }

// Err returns context.Canceled once the scope is effectively cancelled, or
// context.DeadlineExceeded when a deadline caused it. Safe from any
// goroutine.
func (c *scopeCtx) Err() error {
	s := c.scope.Load()
	if s.eff.Load() {
		return s.effWhy.Load().err
	}
	return nil
}

func (c *scopeCtx) Value(key any) any {
	switch key {
	case taskKey{}:
		return c
	case causeLookupKey:
		// context.Cause asks for the canceller that holds the cause.
		if s := c.scope.Load(); s.eff.Load() {
			if cc := s.effWhy.Load().causeCtx; cc != nil {
				return cc.Value(key)
			}
			return nil
		}
	}
	if k, ok := key.(runKey); ok {
		if v, ok := c.task.r.value(k); ok {
			return v
		}
	}
	return c.parent.Value(key)
}

func (c *scopeCtx) String() string { return "sc.ctx(" + c.task.String() + ")" }

// causeLookupKey is the Value key through which context.Cause finds the
// standard canceller holding a cause. The context package does not export
// it; a probe context records it, once, by being asked for it. If a future
// context package asks differently, the probe records nil and
// context.Cause of a task's ctx falls back to ctx.Err() (the package tests
// would notice).
var causeLookupKey = func() any {
	var p causeProbe
	context.Cause(&p)
	return p.key
}()

type causeProbe struct {
	context.Context // only Err and Value are called
	key             any
}

func (p *causeProbe) Err() error { return context.Canceled }

func (p *causeProbe) Value(key any) any {
	p.key = key
	return nil
}
