// Package coro wraps the runtime's coroutine switch as a resumable
// computation. It is the one place hitch turns a function into something a
// scheduler can step: loop tasks and sc tasks are both built on it.
//
// A Coro runs on the goroutine that resumes it, in the sense that matters:
// the runtime switches directly between the resumer and the coroutine, on
// the same OS thread, with no scheduler round trip. A resume-and-yield round
// trip costs about 110 ns and allocates nothing; a channel hand-off between
// goroutines costs several times that, and far more once the driver holds
// runtime.LockOSThread.
//
// A Coro is not safe for concurrent use: one goroutine at a time resumes it,
// and only the coroutine's own code yields.
package coro

import "iter"

// Coro is a function suspended at its last Yield. The zero value is not
// usable; New makes one.
type Coro struct {
	next  func() (struct{}, bool)
	stop  func()
	yield func(struct{}) bool
	done  bool
}

// New returns a coroutine that runs fn when first resumed. fn receives the
// coroutine so it can Yield. A panic in fn resurfaces in the caller of Resume
// (as iter.Pull does); callers that must survive a panic recover inside fn.
func New(fn func(c *Coro)) *Coro {
	c := &Coro{}
	c.next, c.stop = iter.Pull(func(yield func(struct{}) bool) {
		c.yield = yield
		fn(c)
	})
	return c
}

// Resume runs the coroutine until it yields or returns, and reports whether
// it has returned. Resuming a finished coroutine is a no-op that returns true.
// Resume must not be called from inside the coroutine itself.
func (c *Coro) Resume() (finished bool) {
	if c.done {
		return true
	}
	if _, ok := c.next(); !ok {
		c.done = true
	}
	return c.done
}

// Yield suspends the coroutine and returns to the caller of Resume. It
// returns true when resumed, false when the coroutine was stopped: fn must
// then return without yielding again.
func (c *Coro) Yield() (resumed bool) { return c.yield(struct{}{}) }

// Done reports whether the coroutine has returned or been stopped.
func (c *Coro) Done() bool { return c.done }

// Stop ends a coroutine that will never be resumed again: a suspended Yield
// returns false so fn can unwind. A coroutine that was never resumed does not
// run at all. Stop is idempotent and a no-op after fn returned.
func (c *Coro) Stop() {
	c.done = true
	c.stop()
}
