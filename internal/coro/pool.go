package coro

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Pool keeps coroutines whose function has returned and runs new functions
// on them, so that starting a task costs a resume instead of a new
// coroutine and goroutine. Like sync.Pool, it gives memory back when the
// garbage collector runs: a coroutine left idle through two collections is
// stopped (its goroutine ends), so a burst of tasks does not pin their
// goroutines afterwards.
//
// A Pool belongs to one scheduler and is used from its driving goroutine
// only (the runtime resumes a coroutine only under the OS-thread lock
// state it was made in, so coroutines must not move between schedulers
// that may differ in it). The zero value is an empty pool, ready to use;
// Close stops what it holds.
type Pool struct {
	idle   []*Coro // returned since the last collection
	victim []*Coro // idle through the last collection; stopped at the next
	epoch  uint32  // gcCycles when idle last moved to victim
	closed bool
}

// Get returns a coroutine that runs b when resumed: an idle one, or a new
// one. Give it back with Put once Resume has reported it finished.
func (p *Pool) Get(b Body) *Coro {
	p.age()
	var c *Coro
	switch {
	case len(p.idle) > 0:
		c = pop(&p.idle)
	case len(p.victim) > 0:
		c = pop(&p.victim)
	default:
		c = &Coro{reusable: true}
		c.start()
	}
	c.body, c.done = b, false
	return c
}

// Put takes back a coroutine from Get whose body has returned. A
// coroutine that was stopped, whose body panicked, or that is still
// running its body is not kept (the latter is stopped). After Close, Put
// stops c.
func (p *Pool) Put(c *Coro) {
	switch {
	case c == nil || c.stopped:
		return
	case !c.done || c.body != nil || p.closed:
		c.Stop()
		return
	}
	p.age()
	p.idle = append(p.idle, c)
}

// Close stops every idle coroutine; later Puts stop theirs. Idempotent.
func (p *Pool) Close() {
	p.closed = true
	stopAll(&p.idle)
	stopAll(&p.victim)
}

// Idle returns how many coroutines the pool holds.
func (p *Pool) Idle() int { return len(p.idle) + len(p.victim) }

// age moves idle coroutines to the victim list, stopping the previous
// victims, once per garbage collection.
func (p *Pool) age() {
	if e := gcCycles.Load(); e != p.epoch {
		p.epoch = e
		stopAll(&p.victim)
		p.idle, p.victim = p.victim, p.idle
	}
	watchGC.Do(startGCWatch)
}

func pop(s *[]*Coro) *Coro {
	n := len(*s) - 1
	c := (*s)[n]
	(*s)[n] = nil
	*s = (*s)[:n]
	return c
}

func stopAll(s *[]*Coro) {
	for i, c := range *s {
		c.Stop()
		(*s)[i] = nil
	}
	*s = (*s)[:0]
}

// gcCycles counts garbage collections, as seen by a cleanup that re-arms
// itself on a fresh object each time it runs (runtime cleanups run after
// the collection that found their object unreachable). It is approximate
// (a cleanup may run a little after its collection) and that is enough for
// aging a pool.
var (
	gcCycles atomic.Uint32
	watchGC  sync.Once
)

type gcSentinel struct{ _ *int } // has a pointer: never in a tiny block

func startGCWatch() { armGCWatch() }

func armGCWatch() {
	runtime.AddCleanup(&gcSentinel{}, func(struct{}) {
		gcCycles.Add(1)
		armGCWatch()
	}, struct{}{})
}
