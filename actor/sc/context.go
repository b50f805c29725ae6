package sc

import (
	"context"
	"sync/atomic"
	"time"
)

type taskKey struct{}

// scopeCtx is the context.Context a task sees inside one cancel scope. Its
// Done closes when that scope becomes effectively cancelled; Value yields
// the task and otherwise defers to the parent context.
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

// Deadline reports the parent's deadline; sc deadlines are not reported
// here because they may be on a virtual clock and may move.
func (c *scopeCtx) Deadline() (time.Time, bool) { return c.parent.Deadline() }

// Done closes when the scope becomes effectively cancelled. It is safe from
// any goroutine.
func (c *scopeCtx) Done() <-chan struct{} { return c.scope.Load().doneChan() }

// Err returns context.Canceled once the scope is effectively cancelled.
// It is safe from any goroutine.
func (c *scopeCtx) Err() error {
	if c.scope.Load().eff.Load() {
		return context.Canceled
	}
	return nil
}

func (c *scopeCtx) Value(key any) any {
	if _, ok := key.(taskKey); ok {
		return c
	}
	return c.parent.Value(key)
}

func (c *scopeCtx) String() string { return "sc.ctx(" + c.task.String() + ")" }
