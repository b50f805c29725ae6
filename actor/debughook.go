package actor

import (
	"context"
	"sync/atomic"
)

// DebugHooks are the plug-in points of a debugger (package debug): the
// runtime calls them without importing it. A nil field is not called.
type DebugHooks struct {
	// Start runs in a task of each actor once it knows its runtime
	// variables: a root before its body, a sub-actor after its spawn spec
	// and before it says it is ready. The stop it returns (which may be
	// nil) runs when the actor ends, with its OnExit callbacks.
	Start func(ctx context.Context, a *Actor) (stop func())
	// Crash runs in debug mode (WithDebugMode) where an error crosses an
	// actor's boundary, in the task the error is leaving: an endpoint's
	// error before it is sent to the caller, and a root's outcome before
	// OpenRoot returns it. It blocks that task for as long as it likes (a
	// post-mortem REPL); the error goes on unchanged afterwards.
	Crash func(ctx context.Context, err error)
	// WaitTerminal parks the calling task while the sub-actor child holds,
	// or waits for, the tree's terminal through this actor. The kill ladder
	// calls it before each of its steps, so a child's REPL is never
	// cancelled, SIGTERMed or killed under the person using it. It returns
	// at once, false, when the child has no such request, else true once
	// it has none (or ctx is cancelled; the ladder's wait is shielded).
	WaitTerminal func(ctx context.Context, child ActorID) (waited bool)
}

var debugHooks atomic.Pointer[DebugHooks]

// SetDebugHooks installs h for every actor this process runs from now on
// and returns the function that puts back the hooks it replaced. A
// debugger calls it at init time; tests call restore. It is safe from any
// goroutine.
func SetDebugHooks(h DebugHooks) (restore func()) {
	old := debugHooks.Swap(&h)
	return func() { debugHooks.CompareAndSwap(&h, old) }
}

// startDebugger runs the Start hook and registers its stop. Task-only.
func (a *Actor) startDebugger(ctx context.Context) {
	h := debugHooks.Load()
	if h == nil || h.Start == nil {
		return
	}
	if stop := h.Start(ctx, a); stop != nil {
		a.OnExit(func(context.Context) error { stop(); return nil })
	}
}

// debugCrash runs the Crash hook in debug mode. Task-only.
func (a *Actor) debugCrash(ctx context.Context, err error) {
	if err == nil || !a.cfg.vars.DebugMode {
		return
	}
	if h := debugHooks.Load(); h != nil && h.Crash != nil {
		h.Crash(ctx, err)
	}
}

// waitTerminal waits while the child holds or waits for the terminal,
// and then, if it did wait and the child was asked to go already (asked),
// up to the kill grace for it to exit: a cancel it got meanwhile takes
// effect once its REPL is over. It reports whether the child has exited.
// Task-only; the kill ladder calls it, shielded.
func (c *child) waitTerminal(ctx context.Context, asked bool) (exited bool) {
	h := debugHooks.Load()
	if h == nil || h.WaitTerminal == nil || c.exited {
		return c.exited
	}
	if h.WaitTerminal(ctx, c.id) && asked {
		return c.waitExit(ctx, c.cfg.killGrace)
	}
	return c.exited
}

// Parent returns a portal to the actor's parent, or nil on a root. Its
// methods are for tasks of this actor.
func (a *Actor) Parent() *Portal {
	if a.parent == nil {
		return nil
	}
	return &Portal{a: a, p: a.parent}
}

// Lost returns the error of calls on the portal when its connection has
// ended (matching ErrPortalClosed or the transport's error), and nil while
// it is up or for a portal to the actor itself. It is for tasks of the
// actor that owns the portal.
func (pt *Portal) Lost() error {
	if pt == nil || pt.p == nil || !pt.p.down {
		return nil
	}
	return pt.p.lostErr()
}
