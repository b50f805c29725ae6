package sigguard

import "os"

// EventKind says what an Event records.
type EventKind uint8

const (
	// Claimed: Own registered a claim.
	Claimed EventKind = iota + 1
	// Released: a release removed a claim.
	Released
	// Delivered: a signal was handed to a claim's Handle.
	Delivered
	// Dropped: a signal was received when no claim took it any more.
	Dropped
)

// Event is one step of the guard, as a trace sees it.
type Event struct {
	Kind    EventKind
	ID      uint64      // the claim's number, unique in the process (0 for Dropped)
	Who     string      // the claim's Who
	Level   Level       // the claim's Level
	Signals []os.Signal // the claim's signals (Claimed, Released); do not modify
	Signal  os.Signal   // the signal (Delivered, Dropped)
}

// trace, when set, sees every Event; guarded by mu.
var trace func(Event)

// SetTrace makes fn see every Event from now until restore is called, in
// the order the guard's lock ordered them. fn runs under that lock: it
// must not call into this package, and should only record. It is meant
// for tests; one trace at a time (restore puts back the previous one).
func SetTrace(fn func(Event)) (restore func()) {
	mu.Lock()
	prev := trace
	trace = fn
	mu.Unlock()
	return func() {
		mu.Lock()
		trace = prev
		mu.Unlock()
	}
}

func emitLocked(e Event) {
	if trace != nil {
		trace(e)
	}
}
