package bridge

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hitchrt/hitch/loop"
)

// RunGuest starts main as a guest run on the loop of the host task whose
// ctx it is given, and waits for it from that task, returning main's value
// and error. This is how a host program hands its lifetime to a guest
// (tractor's run_as_asyncio_guest). ctx must be the ctx of a *loop.Loop
// task (anything else is an error, and nothing starts).
//
// If the host task is cancelled while it waits (for instance by the first
// SIGINT under loop.Run), RunGuest asks the guest to cancel and goes on
// waiting, parked, while the host loop keeps turning, until the guest's
// done callback has fired: a guest is never abandoned because its host
// task was cancelled, and its cleanup (however long) costs the host
// nothing while it waits. RunGuest then returns an error matching
// loop.ErrCancelled that also carries the guest's error, if any; the value
// is main's when main itself returned no error, and T's zero value when it
// did (as Outcome.Value), so a count kept by main is lost with its error.
// If the loop closes first (a second SIGINT under loop.Run), RunGuest
// returns a *TranslationError matching ErrAbandoned once the guest's tasks
// have been stopped.
func RunGuest[T any](ctx context.Context, main func(ctx context.Context) (T, error), opts ...Option) (T, error) {
	var zero T
	l := loop.FromContext(ctx)
	if l == nil {
		return zero, fmt.Errorf("bridge: RunGuest: ctx is not a loop task's: %w", loop.ErrMisuse)
	}
	out := loop.NewFuture[Outcome[T]](l)
	g, err := startGuestRun("RunGuest", l, main, func(o Outcome[T]) { out.SetResult(o) }, opts)
	if err != nil {
		return zero, err
	}
	// Shield: cancelling the host task must not cancel the outcome we
	// still wait for.
	o, err := loop.Await(ctx, loop.Shield(out))
	if err == nil {
		return o.Unwrap()
	}
	if !errors.Is(err, loop.ErrClosed) {
		g.Cancel()
		for err != nil && !out.Done() && !errors.Is(err, loop.ErrClosed) {
			// Each further cancel of the host task ends one Await; the
			// guest is already cancelled, so wait again.
			_, err = loop.Await(ctx, loop.Shield(out))
		}
	}
	if !out.Done() {
		return zero, abandoned(g, err)
	}
	o, _ = out.Result()
	return o.Value, cancelledWith(o.Err)
}

// cancelledWith is RunGuest's error after its host task was cancelled: it
// matches loop.ErrCancelled, as a cancelled host task's await does, and
// carries the guest's own error, if it had one besides the cancellation.
func cancelledWith(guestErr error) error {
	if guestErr == nil {
		return fmt.Errorf("bridge: RunGuest: host task cancelled; the guest was cancelled and has finished: %w", loop.ErrCancelled)
	}
	return fmt.Errorf("bridge: RunGuest: host task cancelled; the guest was cancelled and has finished: %w (guest: %w)", loop.ErrCancelled, guestErr)
}

const abandonGrace = 10 * time.Second

// abandoned reports the guest of a closing loop. The loop's close hooks
// run before its tasks are stopped, so the guest has been abandoned and
// unwound by the time this runs; the bound is a guard, not a timing.
func abandoned(g *Guest, cause error) error {
	select {
	case <-g.done:
	case <-time.After(abandonGrace):
		return &TranslationError{Op: "RunGuest", Err: errors.Join(ErrAbandoned, cause, errors.New("the guest's tasks were not stopped yet"))}
	}
	err := g.err
	if err == nil || !errors.Is(err, ErrAbandoned) {
		err = errors.Join(ErrAbandoned, cause)
	}
	return &TranslationError{Op: "RunGuest", Err: err}
}
