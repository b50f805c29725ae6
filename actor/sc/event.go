package sc

import "context"

// Event is a flag that tasks wait for (trio.Event): once Set, it stays set
// and every Wait returns. The zero value is an unset event, ready to use.
// Set and IsSet are for code of the same runner (a task step, or host code
// between ticks, where Set wakes a waiting driver); plain goroutines call
// Set through the runner's Token. An Event must not be copied after first
// use.
type Event struct {
	set     bool
	waiters waitList
}

// Set sets the event and wakes every waiter. Repeat calls are no-ops.
func (e *Event) Set() {
	if e.set {
		return
	}
	e.set = true
	for t := e.waiters.pop(); t != nil; t = e.waiters.pop() {
		t.r.reschedule(t, nil)
	}
}

// IsSet reports whether Set was called.
func (e *Event) IsSet() bool { return e.set }

// Wait blocks until the event is set; if it is set already, Wait is a
// Checkpoint. A cancelled task first lets the other runnable tasks run,
// then gets ErrCancelled.
func (e *Event) Wait(ctx context.Context) error {
	t, err := taskFrom(ctx, "Event.Wait")
	if err != nil {
		return err
	}
	if err := t.checkpointIfCancelled(); err != nil {
		return err
	}
	if e.set {
		return t.checkpoint()
	}
	return e.waiters.wait(t, waitEvent)
}
