package loop

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// taskKey finds a task's ctx through contexts derived from it.
type taskKey struct{}

// taskCtx is the context.Context a task's function receives. It lives
// inside the Task, so handing it out and finding the task again (a type
// assertion) allocate nothing: awaits, Sleep and Yield stay as cheap as
// methods on the task.
//
// Done, Err and Value may be called from any goroutine (the ctx may be
// handed to library code in goroutines). The channel behind Done, and the
// cause that context.Cause reports, come from a context.WithCancelCause
// made on first need: most tasks never pay for it. Because Value hands
// that inner context's own key through, context.Cause finds the cause and
// contexts derived with context.WithCancel attach to it directly, without
// a goroutine.
type taskCtx struct {
	t *Task

	inner atomic.Pointer[causeCtx] // set once, under mu

	mu    sync.Mutex
	cause error // why the ctx ended; nil while it is live. Guarded by mu.
}

type causeCtx struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
}

// std returns the inner context, making it on first use.
func (c *taskCtx) std() context.Context {
	if s := c.inner.Load(); s != nil {
		return s.ctx
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if s := c.inner.Load(); s != nil {
		return s.ctx
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	if c.cause != nil {
		cancel(c.cause)
	}
	c.inner.Store(&causeCtx{ctx: ctx, cancel: cancel})
	return ctx
}

// end cancels the ctx with cause; only the first call counts. Loop only.
func (c *taskCtx) end(cause error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cause != nil {
		return
	}
	c.cause = cause
	if s := c.inner.Load(); s != nil {
		s.cancel(cause)
	}
}

func (c *taskCtx) ended() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cause != nil
}

// Deadline reports no deadline: loop tasks have none of their own (use
// WaitFor, or a timer that cancels the task).
func (c *taskCtx) Deadline() (time.Time, bool) { return time.Time{}, false }

// Done closes once the task is cancelled or has ended. Any goroutine.
func (c *taskCtx) Done() <-chan struct{} { return c.std().Done() }

// Err returns context.Canceled once Done is closed. Any goroutine.
func (c *taskCtx) Err() error {
	if s := c.inner.Load(); s != nil {
		return s.ctx.Err()
	}
	if !c.ended() {
		return nil
	}
	return c.std().Err()
}

// Value returns the task's ctx for taskKey, and defers everything else to
// the inner context (nothing is stored there but its own cancellation).
func (c *taskCtx) Value(key any) any {
	if _, ok := key.(taskKey); ok {
		return c
	}
	if c.inner.Load() == nil && !c.ended() {
		return nil // a live ctx nobody waited on: nothing to find yet
	}
	return c.std().Value(key)
}

// String names the task, for logs and panics.
func (c *taskCtx) String() string { return "loop.ctx(task " + c.t.name + ")" }

func taskCtxOf(ctx context.Context) *taskCtx {
	if c, ok := ctx.(*taskCtx); ok {
		return c
	}
	if ctx == nil {
		return nil
	}
	c, _ := ctx.Value(taskKey{}).(*taskCtx)
	return c
}

// CurrentTask returns the loop task that ctx belongs to (ctx is the one
// the task's function received, or derived from it), or nil when ctx
// carries no loop task. Any goroutine; it does not check that the task is
// running.
func CurrentTask(ctx context.Context) *Task {
	if c := taskCtxOf(ctx); c != nil {
		return c.t
	}
	return nil
}

// FromContext returns the loop whose task ctx belongs to, or nil when ctx
// carries no loop task. Any goroutine.
func FromContext(ctx context.Context) *Loop {
	if c := taskCtxOf(ctx); c != nil {
		return c.t.l
	}
	return nil
}

const noTask = "ctx carries no loop task (use the ctx the task's function received; goroutines use Future.Wait)"

// running returns ctx's task for an await named op, checking that it is
// the task whose step is running.
func running(ctx context.Context, op string, c *core) (*Task, error) {
	tc, ok := ctx.(*taskCtx) // the common case, without a call
	if !ok {
		if tc = taskCtxOf(ctx); tc == nil {
			return nil, misuse(op + ": " + noTask)
		}
	}
	t := tc.t
	if err := t.checkAwait(op, c); err != nil {
		return nil, err
	}
	return t, nil
}
