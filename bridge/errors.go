package bridge

import (
	"errors"
	"fmt"

	"github.com/hitchrt/hitch/actor/sc"
)

var (
	// ErrAbandoned marks a guest run whose host stopped running callbacks
	// before the run finished. Its tasks were stopped where they were
	// parked, their deferred code ran, and the done callback never ran.
	ErrAbandoned = errors.New("bridge: guest run abandoned: the host stopped running callbacks before the run finished")

	// ErrHostBusy is returned by StartGuestRun when the host already has a
	// live guest run: one guest per host.
	ErrHostBusy = errors.New("bridge: the host already runs a guest run (one guest per host)")

	// ErrHostCancelled is what a guest task sees when the host task it
	// awaits was cancelled on the host side (by itself or by other host
	// code), not by the guest (tractor's AsyncioCancelled).
	ErrHostCancelled = errors.New("bridge: host task cancelled")

	// ErrGuestCrashed is what a host task sees when the guest side of its
	// link failed (tractor's TrioCancelled "the trio-side task crashed").
	ErrGuestCrashed = errors.New("bridge: guest side crashed")

	// ErrGuestExited is what a host task sees when the guest side of its
	// link left while the host task still ran (tractor's TrioTaskExited).
	ErrGuestExited = errors.New("bridge: guest side exited")

	// ErrHostExited is what a guest task sees when the host task it
	// receives from returned while the guest still waited for values
	// (tractor's AsyncioTaskExited).
	ErrHostExited = errors.New("bridge: host task exited")

	// ErrOverrun is sc.ErrOverrun, the category of overruns (tractor's
	// StreamOverrun): HostEnd.Send returns an error matching it when a
	// guest-side queue was full (the guest does not keep up with the
	// host), and a Subscription that lost values reports an
	// *sc.OverrunError, which matches it too.
	ErrOverrun = sc.ErrOverrun
)

// hostCancelled is what a guest sees when its host task was cancelled by
// host code: it matches ErrHostCancelled and the host-side cancel (cause,
// matching loop.ErrCancelled).
func hostCancelled(cause error) error { return fmt.Errorf("%w: %w", ErrHostCancelled, cause) }

// guestCrashed is what a host task sees when the guest side failed with
// cause: it matches ErrGuestCrashed and the cause.
func guestCrashed(cause error) error { return fmt.Errorf("%w: %w", ErrGuestCrashed, cause) }

// inOrder returns first and then as one error, dropping neither: a nil
// one is left out, and two go into an *sc.NurseryError in that order. That
// is the error group cancel scopes look into: a scope that absorbs a
// cancellation among them keeps the other (an errors.Join would be
// absorbed whole, since it matches sc.ErrCancelled).
func inOrder(first, then error) error {
	switch {
	case first == nil:
		return then
	case then == nil:
		return first
	}
	return &sc.NurseryError{Errs: []error{first, then}}
}

// TranslationError says that a host task and its guest run could not be
// kept in step: most often the host loop closed before the guest run
// finished (tractor's AsyncioRuntimeTranslationError).
type TranslationError struct {
	Op  string // what was being done, e.g. "RunGuest"
	Err error  // the cause; matches ErrAbandoned when the run was abandoned
}

// Error names the operation and the cause.
func (e *TranslationError) Error() string {
	return fmt.Sprintf("bridge: %s: %v", e.Op, e.Err)
}

// Unwrap returns the cause, so errors.Is sees ErrAbandoned through it.
func (e *TranslationError) Unwrap() error { return e.Err }
