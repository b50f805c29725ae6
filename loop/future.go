package loop

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
)

// Awaitable is what a task can wait for: a *Task or a *Future[T]. The
// interface is sealed.
type Awaitable interface {
	awaitCore() *core
	// cancelWait cancels the awaited thing on behalf of a cancelled
	// waiter; it reports true when a wake-up of the waiter will follow.
	cancelWait() bool
}

// AwaitableOf is an Awaitable with a value of type T, which Await
// returns: a *Future[T], or a *Task (T is struct{}). The interface is
// sealed.
type AwaitableOf[T any] interface {
	Awaitable
	value() T
}

var (
	_ AwaitableOf[struct{}] = (*Task)(nil)
	_ AwaitableOf[int]      = (*Future[int])(nil)
)

// core is the completion state shared by Future and Task.
type core struct {
	l         *Loop
	done      bool // loop-owned; also written under mu for off-loop readers
	cancelled bool
	err       error
	retrieved atomic.Bool // someone looked at err

	waiter  *Task   // first waiting task (no allocation for one waiter)
	waiters []*Task // further waiting tasks
	cbs     []func()

	owner *Task // set for futures made by Go: Cancel cancels the task

	mu sync.Mutex
	ch chan struct{} // closed when done; made on demand by Wait
}

var closedCh = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

func (c *core) addWaiter(t *Task) {
	if c.waiter == nil {
		c.waiter = t
		return
	}
	c.waiters = append(c.waiters, t)
}

func (c *core) removeWaiter(t *Task) {
	if c.waiter == t {
		c.waiter = nil
		return
	}
	for i, w := range c.waiters {
		if w == t {
			c.waiters = append(c.waiters[:i], c.waiters[i+1:]...)
			return
		}
	}
}

// complete records the outcome, wakes waiting tasks and queues done
// callbacks. Loop only.
func (c *core) complete(err error) {
	c.mu.Lock()
	c.done = true
	c.err = err
	if c.ch != nil {
		close(c.ch)
	}
	c.mu.Unlock()
	if c.waiter != nil || len(c.waiters) > 0 {
		c.markRetrieved()
	}
	if w := c.waiter; w != nil {
		c.waiter = nil
		w.wake()
	}
	for i, w := range c.waiters {
		c.waiters[i] = nil
		w.wake()
	}
	c.waiters = nil
	for _, fn := range c.cbs {
		c.l.CallSoon(fn)
	}
	c.cbs = nil
}

// markRetrieved records that someone looked at the outcome; the load
// first keeps the common repeat case free of a locked write.
func (c *core) markRetrieved() {
	if !c.retrieved.Load() {
		c.retrieved.Store(true)
	}
}

func (c *core) addCallback(fn func()) {
	if c.done {
		c.l.CallSoon(fn)
		return
	}
	c.cbs = append(c.cbs, fn)
}

// doneChan returns a channel closed once done. Any goroutine.
func (c *core) doneChan() chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done {
		return closedCh
	}
	if c.ch == nil {
		c.ch = make(chan struct{})
	}
	return c.ch
}

// Future is a result that will be set later, on the loop: asyncio's Future.
// Tasks wait for it with Await; plain goroutines with Wait. A zero Future is
// not usable: NewFuture binds one to its loop. Unless a method says
// otherwise it is loop only.
type Future[T any] struct {
	c   core
	val T
}

// NewFuture returns a pending future bound to l. Any goroutine.
func NewFuture[T any](l *Loop) *Future[T] {
	f := &Future[T]{}
	f.c.l = l
	return f
}

func (f *Future[T]) awaitCore() *core { return &f.c }

func (f *Future[T]) value() T { return f.val }

func (f *Future[T]) cancelWait() bool {
	f.Cancel()
	return true
}

// Loop returns the loop the future belongs to. Any goroutine.
func (f *Future[T]) Loop() *Loop { return f.c.l }

// SetResult completes the future with v and reports whether it did; a done
// future, or one made by Go (only its task completes it), is left unchanged
// (false). Waiting tasks resume, and done
// callbacks run, in later callbacks on the loop.
func (f *Future[T]) SetResult(v T) bool {
	if f.c.done || f.c.owner != nil {
		return false
	}
	f.val = v
	f.c.complete(nil)
	return true
}

// SetError completes the future with err (nil is replaced by an error
// saying so) and reports whether it did. An err matching ErrCancelled marks
// the future cancelled.
func (f *Future[T]) SetError(err error) bool {
	if f.c.done || f.c.owner != nil {
		return false
	}
	if err == nil {
		err = errors.New("loop: SetError called with nil error")
	}
	f.c.cancelled = errors.Is(err, ErrCancelled)
	f.c.complete(err)
	return true
}

// Cancel completes the future with ErrCancelled and reports whether it did
// (false once done). For a future made by Go it cancels the task instead,
// and the future completes when the task ends.
func (f *Future[T]) Cancel() bool {
	if f.c.done {
		return false
	}
	if f.c.owner != nil {
		return f.c.owner.Cancel()
	}
	f.c.cancelled = true
	f.c.complete(ErrCancelled)
	return true
}

// Done reports whether the future has its outcome.
func (f *Future[T]) Done() bool { return f.c.done }

// Cancelled reports whether the future ended cancelled.
func (f *Future[T]) Cancelled() bool { return f.c.done && f.c.cancelled }

// Result returns the value and error once done, or ErrNotDone.
func (f *Future[T]) Result() (T, error) {
	if !f.c.done {
		var zero T
		return zero, ErrNotDone
	}
	f.c.retrieved.Store(true)
	return f.val, f.c.err
}

// Task returns the task computing the future when Go made it, else nil.
func (f *Future[T]) Task() *Task { return f.c.owner }

// AddDoneCallback arranges for fn(f) to run on the loop once f is done, as
// a callback queued with CallSoon (at once if f is already done). Callbacks
// run in the order added.
func (f *Future[T]) AddDoneCallback(fn func(*Future[T])) {
	if fn == nil {
		return
	}
	f.c.addCallback(func() { fn(f) })
}

// Wait blocks the calling goroutine until f is done and returns its
// outcome. It returns ctx.Err() if ctx ends first, and ErrClosed if the loop
// closes with f still pending. Any goroutine except the loop's own: a
// callback or task that called Wait would block the loop until ctx ends
// (tasks use Await). With WithDebug, a call from the driving goroutine or
// from the running loop task returns an ErrMisuse error instead.
func (f *Future[T]) Wait(ctx context.Context) (T, error) {
	var zero T
	l := f.c.l
	if l == nil {
		return zero, misuse("Future.Wait: zero Future (use NewFuture)")
	}
	if l.cfg.debug && !f.c.isDone() && l.onLoopGoroutine() {
		return zero, misuse("Future.Wait called on the loop; tasks use Await")
	}
	select {
	case <-f.c.doneChan():
	case <-l.done:
		if !f.c.isDone() {
			return zero, ErrClosed
		}
	case <-ctx.Done():
		return zero, ctx.Err()
	}
	f.c.mu.Lock()
	defer f.c.mu.Unlock()
	f.c.retrieved.Store(true)
	return f.val, f.c.err
}

func (c *core) isDone() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.done
}

// Shield returns a future that follows f but whose cancellation does not
// reach f: a task awaiting Shield(f) that is cancelled gets ErrCancelled at
// once, while f (and the task behind it, for futures from Go) runs on.
// Loop only.
func Shield[T any](f *Future[T]) *Future[T] {
	outer := NewFuture[T](f.c.l)
	cp := func() {
		if outer.c.done {
			return
		}
		outer.val = f.val
		outer.c.cancelled = f.c.cancelled
		f.c.retrieved.Store(true)
		outer.c.complete(f.c.err)
	}
	if f.c.done {
		cp()
	} else {
		f.c.cbs = append(f.c.cbs, cp)
	}
	return outer
}

// GoThreadsafe starts fn as a task on l from any goroutine and returns a
// future for its value: Go for code that does not run on the loop
// (asyncio's run_coroutine_threadsafe). Pair it with Future.Wait. If l is
// closed the future completes at once with ErrClosed. A nil fn panics.
func GoThreadsafe[T any](l *Loop, name string, fn func(ctx context.Context) (T, error)) *Future[T] {
	if fn == nil {
		panic("loop: GoThreadsafe: nil func")
	}
	f := NewFuture[T](l)
	err := l.CallSoonThreadsafe(func() { bindTask(l, name, f, fn) })
	if err != nil {
		f.c.complete(err)
	}
	return f
}
