package bridge

import (
	"context"
	"reflect"
	"sync"

	"github.com/hitchrt/hitch/actor/sc"
)

// Host is an event loop that runs callbacks on its own goroutine: the one
// thing a guest run needs from it. *loop.Loop implements it; a foreign loop
// is adapted in a line (see HostFunc).
type Host interface {
	// RunSyncSoonThreadsafe queues fn to run on the host's loop, from any
	// goroutine; it returns an error once the host no longer runs
	// callbacks.
	RunSyncSoonThreadsafe(fn func()) error
}

// HostFunc adapts a function to Host. A HostFunc is not comparable, so the
// one-guest-per-host check cannot see it; give a foreign loop a pointer
// type with the method instead to get that check.
type HostFunc func(fn func()) error

// RunSyncSoonThreadsafe calls f(fn).
func (f HostFunc) RunSyncSoonThreadsafe(fn func()) error { return f(fn) }

// ClosingHost is a Host that can run code on its own goroutine while it
// closes, as *loop.Loop's OnClose does. A guest run abandoned by such a
// host has its tasks unwound there, on the goroutine (and OS thread) they
// ran on; other hosts see WithHostThreadLocked.
type ClosingHost interface {
	Host
	// OnClose registers fn to run on the host's goroutine when it closes,
	// after it stopped taking callbacks; remove unregisters it. It fails
	// once the host has closed.
	OnClose(fn func()) (remove func(), err error)
}

// guests maps each host to its live guest run (one per host, as trio's
// guest mode allows one run per host loop).
var guests sync.Map // Host -> *Guest

// byRunner maps a live guest's runner to it, so that guest task code (which
// holds only its ctx) finds its host.
var byRunner sync.Map // *sc.Runner -> *Guest

// guestFor returns the live guest run whose task ctx belongs to, or nil.
func guestFor(ctx context.Context) *Guest {
	t := sc.CurrentTask(ctx)
	if t == nil {
		return nil
	}
	if g, ok := byRunner.Load(t.Runner()); ok {
		return g.(*Guest)
	}
	return nil
}

func comparable(h Host) bool { return reflect.TypeOf(h).Comparable() }

func register(h Host, g *Guest) bool {
	if comparable(h) {
		if _, loaded := guests.LoadOrStore(h, g); loaded {
			return false
		}
	}
	byRunner.Store(g.r, g)
	return true
}

func unregister(h Host, g *Guest) {
	byRunner.CompareAndDelete(g.r, g)
	if comparable(h) {
		guests.CompareAndDelete(h, g)
	}
}

// GuestOf returns the live guest run on h, or nil when there is none (or h
// is not comparable).
func GuestOf(h Host) *Guest {
	if h == nil || !comparable(h) {
		return nil
	}
	if g, ok := guests.Load(h); ok {
		return g.(*Guest)
	}
	return nil
}

// InGuestRun reports whether a guest run is live on h (trio's in_trio_run
// seen from host code): true from StartGuestRun until the run's done
// callback, false before and after.
func InGuestRun(h Host) bool { return GuestOf(h) != nil }

// InGuestTask reports whether the calling code runs inside a task step of
// the guest run on h (trio's in_trio_task): true in guest task code, false
// in the host's own callbacks. Meaningful on the host's goroutine.
func InGuestTask(h Host) bool {
	g := GuestOf(h)
	return g != nil && g.r.InTaskStep()
}
