package sigguard

import (
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"sync"

	"github.com/hitchrt/hitch/internal/panics"
)

// Level orders claims: a signal goes to the newest claim of the highest
// level that takes it.
type Level uint8

const (
	// LevelFallback is for a handler that acts only while no other claim
	// takes the signal: a guest run's SIGINT fallback.
	LevelFallback Level = iota
	// LevelOwner is for the part of the program that answers the signal:
	// loop.Run's policy, the actor runtime, a loop's signal handler, the
	// SIGUSR1 dumper.
	LevelOwner
	// LevelShield is for a claim that keeps SIGINT from its owner for a
	// while: a debugger REPL in use here, or a child holding the debug lock.
	LevelShield
)

// String returns the level's name: "fallback", "owner" or "shield".
func (l Level) String() string {
	switch l {
	case LevelFallback:
		return "fallback"
	case LevelOwner:
		return "owner"
	case LevelShield:
		return "shield"
	}
	return fmt.Sprintf("Level(%d)", uint8(l))
}

// Claim describes a claimant of guarded signals.
type Claim struct {
	// Who names the claimant in logs and traces ("loop.Run").
	Who string
	// Level ranks the claim against the others.
	Level Level
	// Signals are the guarded signals the claim takes; at least one.
	Signals []os.Signal
	// Handle is called with each signal the claim owns when it is
	// dispatched. It runs on the guard's goroutine, one call at a time
	// across all claims, so it must return soon (queue the work on a loop
	// or a runner). It may claim and release other claims, but not release
	// its own: release waits for a Handle call of its claim in progress,
	// so that would never return. A panic in Handle is logged at Error
	// level and the guard goes on.
	Handle func(sig os.Signal)
}

// claim is a Claim as registered.
type claim struct {
	Claim
	id   uint64
	busy bool // its Handle runs now; guarded by mu
}

var (
	mu     sync.Mutex
	idle   = sync.NewCond(&mu) // broadcast when a Handle call ends
	claims []*claim            // oldest first; guarded by mu
	nextID uint64              // guarded by mu
	cur    *watcher            // the running goroutine, nil while no claim exists; guarded by mu
)

// watcher is one lifetime of the guard's goroutine, from the first claim
// to the release of the last one.
type watcher struct {
	chans    [len(guarded)]chan os.Signal // chans[i] receives guarded[i]
	notified [len(guarded)]bool           // signal.Notify is on for chans[i]; guarded by mu
	quit     chan struct{}                // closed by the release of the last claim
	done     chan struct{}                // closed when the goroutine has returned
}

// Own registers c until release is called; from then on, each guarded
// signal in c.Signals that c owns when it is dispatched (see the package
// doc) is handed to c.Handle. Any goroutine. release removes the claim,
// waits for a Handle call of the claim in progress, and once it returns
// the claim's Handle is never called again; when it was the last claim, it
// also waits for the guard's goroutine to end, and every guarded signal
// has its default action back. release is idempotent, safe from any
// goroutine, and claims may be released in any order.
//
// Own panics on a nil Handle, no signals, or a signal it does not guard:
// those are programming errors.
func Own(c Claim) (release func()) {
	if c.Handle == nil {
		panic("sigguard: Own: nil Handle")
	}
	if len(c.Signals) == 0 {
		panic("sigguard: Own: no signals")
	}
	for _, sig := range c.Signals {
		if index(sig) < 0 {
			panic(fmt.Sprintf("sigguard: Own: %v is not a guarded signal", sig))
		}
	}
	cl := &claim{Claim: c}
	cl.Signals = slices.Clone(c.Signals)
	mu.Lock()
	nextID++
	cl.id = nextID
	if cur == nil {
		cur = startWatcher()
	}
	claims = append(claims, cl)
	for _, sig := range cl.Signals {
		if i := index(sig); !cur.notified[i] {
			signal.Notify(cur.chans[i], sig)
			cur.notified[i] = true
		}
	}
	emitLocked(Event{Kind: Claimed, ID: cl.id, Who: cl.Who, Level: cl.Level, Signals: cl.Signals})
	mu.Unlock()
	var once sync.Once
	return func() { once.Do(func() { cl.release() }) }
}

func (c *claim) release() {
	mu.Lock()
	claims = slices.DeleteFunc(claims, func(o *claim) bool { return o == c })
	emitLocked(Event{Kind: Released, ID: c.id, Who: c.Who, Level: c.Level, Signals: c.Signals})
	for _, sig := range c.Signals {
		i := index(sig)
		if !cur.notified[i] || takenLocked(sig) {
			continue
		}
		// Nobody takes sig now: give it back its default action. A copy
		// already received but not dispatched has no owner left.
		signal.Stop(cur.chans[i])
		cur.notified[i] = false
		select {
		case <-cur.chans[i]:
			emitLocked(Event{Kind: Dropped, Signal: sig})
		default:
		}
	}
	for c.busy {
		idle.Wait()
	}
	// Another release may have ended the goroutine while this one waited.
	var done chan struct{}
	if len(claims) == 0 && cur != nil {
		close(cur.quit)
		done = cur.done
		cur = nil
	}
	mu.Unlock()
	if done != nil {
		<-done
	}
}

// takenLocked reports whether a claim takes sig.
func takenLocked(sig os.Signal) bool {
	return slices.ContainsFunc(claims, func(c *claim) bool { return slices.Contains(c.Signals, sig) })
}

// ownerLocked returns the claim sig goes to now, or nil.
func ownerLocked(sig os.Signal) *claim {
	var best *claim
	for _, c := range claims { // oldest first: >= makes the newest of a level win
		if slices.Contains(c.Signals, sig) && (best == nil || c.Level >= best.Level) {
			best = c
		}
	}
	return best
}

// OwnerOf returns who would be handed sig if it were dispatched now, or ""
// when no claim takes it. Any goroutine; the answer may be stale at once.
func OwnerOf(sig os.Signal) string {
	mu.Lock()
	defer mu.Unlock()
	if c := ownerLocked(sig); c != nil {
		return c.Who
	}
	return ""
}

func startWatcher() *watcher {
	w := &watcher{quit: make(chan struct{}), done: make(chan struct{})}
	for i := range w.chans {
		w.chans[i] = make(chan os.Signal, 1)
	}
	go w.run()
	return w
}

// run receives signals until the last claim leaves. A channel of a signal
// not guarded on this system is never notified, so its case never fires.
func (w *watcher) run() {
	defer close(w.done)
	for {
		var sig os.Signal
		select {
		case sig = <-w.chans[0]:
		case sig = <-w.chans[1]:
		case sig = <-w.chans[2]:
		case <-w.quit:
			return
		}
		w.dispatch(sig)
	}
}

// dispatch hands sig to the claim that owns it now. The choice and the
// busy mark are made under one lock, so a release either happens before
// (and the claim is not chosen) or waits for the Handle call to end.
func (w *watcher) dispatch(sig os.Signal) {
	mu.Lock()
	c := ownerLocked(sig)
	if c == nil || w != cur { // nobody left, or this goroutine is ending
		emitLocked(Event{Kind: Dropped, Signal: sig})
		mu.Unlock()
		return
	}
	c.busy = true
	emitLocked(Event{Kind: Delivered, ID: c.id, Who: c.Who, Level: c.Level, Signal: sig})
	mu.Unlock()
	c.handle(sig)
	mu.Lock()
	c.busy = false
	idle.Broadcast()
	mu.Unlock()
}

func (c *claim) handle(sig os.Signal) {
	defer func() {
		if v := recover(); v != nil {
			err := panics.Capture(v, "the "+Name(sig)+" handler of "+c.Who)
			slog.Default().Error("sigguard: a signal handler panicked", "who", c.Who, "signal", Name(sig), "err", err, "stack", string(err.Stack))
		}
	}()
	c.Handle(sig)
}

// index returns the position of sig in guarded, or -1.
func index(sig os.Signal) int {
	if sig == nil {
		return -1
	}
	return slices.Index(guarded[:], sig)
}

// Guarded reports whether sig is one of the signals this package guards
// on this system.
func Guarded(sig os.Signal) bool { return index(sig) >= 0 }
