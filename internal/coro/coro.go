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
// Making a coroutine costs about ten allocations (iter.Pull's state and a
// goroutine). A Pool keeps coroutines whose function has returned and runs
// the next function on one of them, so a scheduler that starts many
// short-lived tasks makes coroutines only as fast as its peak concurrency
// grows.
//
// A Coro is not safe for concurrent use: one goroutine at a time resumes it,
// and only the coroutine's own code yields.
package coro

import "iter"

// Body is what a coroutine runs. A scheduler's task type implements it
// (through an unexported adapter type, to keep Run out of its API), so
// that handing a task to a pooled coroutine makes no closure.
type Body interface {
	Run(c *Coro)
}

// Func adapts a function to Body.
type Func func(c *Coro)

// Run calls f(c).
func (f Func) Run(c *Coro) { f(c) }

// Coro is a function suspended at its last Yield. The zero value is not
// usable; New or a Pool makes one. It is 48 bytes: a blocked task holds
// one, so it stays in the smallest size class that fits.
type Coro struct {
	next  func() (struct{}, bool)
	stop  func()
	yield func(struct{}) bool

	body     Body // what to run; nil once it has returned
	done     bool // body has returned, panicked or been stopped
	reusable bool // made by a Pool: waits for the next body instead of ending
	stopped  bool // Stop was called: the goroutine ends
}

// New returns a coroutine that runs fn when first resumed. fn receives the
// coroutine so it can Yield. A panic in fn resurfaces in the caller of Resume
// (as iter.Pull does); callers that must survive a panic recover inside fn.
func New(fn func(c *Coro)) *Coro {
	c := &Coro{body: Func(fn)}
	c.start()
	return c
}

func (c *Coro) start() {
	c.next, c.stop = iter.Pull(c.loop)
}

// loop is the coroutine's goroutine: it runs the body, and, for a reusable
// coroutine, parks after the body returns until it is given the next one
// or stopped.
func (c *Coro) loop(yield func(struct{}) bool) {
	c.yield = yield
	for {
		c.body.Run(c)
		c.body = nil
		c.done = true
		if !c.reusable || c.stopped || !yield(struct{}{}) {
			return
		}
	}
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

// Done reports whether the coroutine's function has returned or the
// coroutine was stopped.
func (c *Coro) Done() bool { return c.done }

// Stop ends a coroutine that will never be resumed again: a suspended Yield
// returns false so fn can unwind, and the coroutine's goroutine ends. A
// coroutine that was never resumed does not run at all. Stop is idempotent
// and a no-op on a coroutine whose goroutine has ended.
func (c *Coro) Stop() {
	c.done = true
	c.stopped = true
	c.stop()
}
