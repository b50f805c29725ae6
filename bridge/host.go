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

// GuestHolder is a Host that keeps the guest run it hosts in a slot of
// its own (*loop.Loop is one). StartGuestRun stores the run there while it
// is live, which is how GuestOf, InGuestRun and InGuestTask find it, and
// how a second StartGuestRun on the host is refused (ErrHostBusy). The host
// never looks at what the slot holds.
type GuestHolder interface {
	Host
	// CompareAndSwapGuest stores v in the slot if it holds old (nil for
	// empty) and reports whether it did. Any goroutine.
	CompareAndSwapGuest(old, v any) bool
	// Guest returns what the slot holds, or nil. Any goroutine.
	Guest() any
}

// hostCoder is a Host that can tell its own code on goroutines other than
// its driving one (the steps of its coroutine tasks) from other
// goroutines; *loop.Loop is one. The guest's runner then accepts runner-
// owned calls from such code (sc.WithHostCode), so a host task may put
// into a guest's sc.Inbox directly, as host callbacks may.
type hostCoder interface{ OnLoop() bool }

// guestKey is the run value through which a guest task finds its guest
// run: every runner that StartGuestRun makes carries it.
var guestKey = sc.NewKey[*Guest]("bridge.Guest")

// guestFor returns the guest run whose task ctx belongs to, or nil (not a
// task, or a task of a run that is no guest).
func guestFor(ctx context.Context) *Guest {
	g, _ := guestKey.Value(ctx)
	return g
}

// The guest of a Host, in the other direction, is kept on the host when
// it is a GuestHolder. Hosts that are not have nowhere to keep it, and the
// only way to find their guest from the host value alone (for GuestOf and
// the one-guest-per-host rule) is a table keyed by host: hostless is that
// table, the one piece of process-wide state left, and it holds only live
// runs of comparable hosts that keep no slot (a foreign loop's pointer
// type, say). A non-comparable host (a HostFunc) cannot be a key at all:
// its guest cannot be found from the host, and the one-guest rule cannot
// see it. Give a foreign loop CompareAndSwapGuest and Guest to keep its
// guest itself.
var hostless sync.Map // Host -> *Guest

func comparable(h Host) bool { return reflect.TypeOf(h).Comparable() }

// register records g as h's live guest, or reports false when h already
// has one.
func register(h Host, g *Guest) bool {
	if s, ok := h.(GuestHolder); ok {
		return s.CompareAndSwapGuest(nil, g)
	}
	if comparable(h) {
		_, loaded := hostless.LoadOrStore(h, g)
		return !loaded
	}
	return true
}

func unregister(h Host, g *Guest) {
	if s, ok := h.(GuestHolder); ok {
		s.CompareAndSwapGuest(g, nil)
		return
	}
	if comparable(h) {
		hostless.CompareAndDelete(h, g)
	}
}

// GuestOf returns the live guest run on h, or nil when there is none, or
// when h can keep no record of it (see GuestHolder): a non-comparable host
// such as a HostFunc.
func GuestOf(h Host) *Guest {
	if h == nil {
		return nil
	}
	if s, ok := h.(GuestHolder); ok {
		g, _ := s.Guest().(*Guest)
		return g
	}
	if !comparable(h) {
		return nil
	}
	if g, ok := hostless.Load(h); ok {
		return g.(*Guest)
	}
	return nil
}

// InGuestRun reports whether a guest run is live on h (trio's in_trio_run
// seen from host code): true from StartGuestRun until the run's done
// callback, false before and after. Like GuestOf, it cannot see the guest
// of a non-comparable host.
func InGuestRun(h Host) bool { return GuestOf(h) != nil }

// InGuestTask reports whether the calling code runs inside a task step of
// the guest run on h (trio's in_trio_task): true in guest task code, false
// in the host's own callbacks. Meaningful on the host's goroutine.
func InGuestTask(h Host) bool {
	g := GuestOf(h)
	return g != nil && g.r.InTaskStep()
}
