package debug

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/hitchrt/hitch/actor/sc"
)

// Holder names who owns, or asks for, the terminal. It is what the REPL's
// header line shows.
type Holder struct {
	// Actor is the actor's name.
	Actor string
	// UID is the actor's uid; empty outside an actor runtime.
	UID string
	// Task is the paused task's name; empty for a plain goroutine.
	Task string
	// Goroutine reports a plain goroutine paused through PauseFromSync (a
	// lock task holds the lock on its behalf).
	Goroutine bool
	// Why is "paused" or "crashed".
	Why string
}

// String returns the header line's words: "paused in actor root, task main".
func (h Holder) String() string {
	if h.Goroutine {
		return fmt.Sprintf("%s in actor %s, goroutine", h.Why, h.Actor)
	}
	return fmt.Sprintf("%s in actor %s, task %s", h.Why, h.Actor, h.Task)
}

// StdioLock is the lock that keeps REPLs from interleaving on one terminal.
// Within one process it is a FIFO sc.Lock (NewLocalLock); the actor runtime
// plugs in the tree-wide lock (the root's lock, reached by children over an
// IPC context) through Attach.
type StdioLock interface {
	// Acquire parks the calling task (ctx must belong to a running task of
	// the attached runner) until the terminal is its own, in arrival order,
	// and returns the release function, which the same task must call
	// exactly once, saying whether the REPL ended with quit. Cancellation
	// of ctx ends the wait with an error matching sc.ErrCancelled; the lock
	// is then not held.
	Acquire(ctx context.Context, who Holder) (release func(ctx context.Context, quit bool) error, err error)
	// Busy reports whether anyone holds the lock. It is called from a task
	// step of the attached runner, which cannot park: PauseFromSync from a
	// task step opens its REPL in place only when the lock is free.
	Busy() bool
}

// NewLocalLock returns the lock of one process: a FIFO sc.Lock of the
// runner whose tasks call Acquire; only the task that acquired it releases
// it. The root actor of a tree uses it as the tree's lock.
func NewLocalLock() StdioLock {
	l := &localLock{}
	l.release = func(ctx context.Context, _ bool) error { return l.mu.Release(ctx) } // made once, not per pause
	return l
}

type localLock struct {
	mu      sc.Lock
	release func(ctx context.Context, quit bool) error
}

func (l *localLock) Acquire(ctx context.Context, who Holder) (func(context.Context, bool) error, error) {
	if err := l.mu.Acquire(ctx); err != nil {
		return nil, err
	}
	return l.release, nil
}

func (l *localLock) Busy() bool { return l.mu.Locked() }

// Status is a snapshot of this process's debugger state (tractor's
// DebugStatus): who owns the REPL, the channel closed when that REPL ends,
// and the lock requests waiting.
type Status struct {
	// Active reports a REPL open in this process.
	Active bool
	// Owner is who runs the open REPL (zero when none).
	Owner Holder
	// Released is closed when the open REPL ends; nil when none is open.
	Released <-chan struct{}
	// Pending are the lock requests of this process still waiting, oldest
	// first.
	Pending []Holder
}

// status is the process's one debugger state: one terminal per process.
var status struct {
	mu       sync.Mutex
	active   bool
	owner    Holder
	released chan struct{}
	pending  []*Holder
}

// CurrentStatus returns a snapshot of this process's debugger state. It is
// safe from any goroutine. The actor runtime reads it to tell whether this
// process holds the terminal (never reap or signal a child that does).
func CurrentStatus() Status {
	status.mu.Lock()
	defer status.mu.Unlock()
	s := Status{Active: status.active, Owner: status.owner}
	if status.active {
		s.Released = status.released
	}
	for _, h := range status.pending {
		s.Pending = append(s.Pending, *h)
	}
	return s
}

// addPending records a lock request; the returned func drops it.
func addPending(who Holder) func() {
	h := &who
	status.mu.Lock()
	status.pending = append(status.pending, h)
	status.mu.Unlock()
	return func() {
		status.mu.Lock()
		status.pending = slices.DeleteFunc(status.pending, func(p *Holder) bool { return p == h })
		status.mu.Unlock()
	}
}

// enterREPL marks the REPL of who open; it reports false when one is open
// already (only the in-step path, which holds no lock, can see that). The
// returned func marks it ended and closes Released.
func enterREPL(who Holder) (leave func(), ok bool) {
	status.mu.Lock()
	defer status.mu.Unlock()
	if status.active {
		return nil, false
	}
	status.active, status.owner = true, who
	rel := make(chan struct{})
	status.released = rel
	return func() {
		status.mu.Lock()
		status.active, status.owner, status.released = false, Holder{}, nil
		status.mu.Unlock()
		close(rel)
	}, true
}
