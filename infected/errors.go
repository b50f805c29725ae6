package infected

import (
	"errors"

	"github.com/hitchrt/hitch/actor/msg"
	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/bridge"
)

// ErrNotInfected is the category of a host-loop call made where no
// infected actor runs: RunHostTask and OpenChannelFrom called from a task
// of a native actor (one started without Mode), or of no actor at all,
// return an error matching it (tractor's "infect_asyncio mode is not
// enabled"), and start nothing. So does Mode on OpenRoot when the root
// is not the guest of a loop.Loop.
var ErrNotInfected = errors.New("infected: not an infected actor")

// HostCancelledError is what RunHostTask and OpenChannelFrom return when
// the host task was cancelled by host code (by itself or other code on
// the loop), not by the guest: bridge's host-cancelled error under a type
// of its own, so that the category survives the trip to another actor.
// Returned from an endpoint, it reaches the caller as an
// *actor.RemoteActorError of type "infected.HostCancelled" that unwraps to
// a *HostCancelledError, which matches bridge.ErrHostCancelled there too
// (tractor's RemoteActorError boxing AsyncioCancelled).
type HostCancelledError struct {
	// Err is bridge's error (matching bridge.ErrHostCancelled and, in the
	// actor that ran the host task, loop.ErrCancelled and its cause); in
	// an actor that received it, an error holding its text.
	Err error
}

// Error returns the bridge error's text.
func (e *HostCancelledError) Error() string { return e.Err.Error() }

// Unwrap returns the bridge error.
func (e *HostCancelledError) Unwrap() error { return e.Err }

// Is matches bridge.ErrHostCancelled, also once rebuilt in another actor.
func (e *HostCancelledError) Is(target error) bool { return target == bridge.ErrHostCancelled }

// ErrorTypeName returns "infected.HostCancelled", the name it travels
// under.
func (e *HostCancelledError) ErrorTypeName() string { return hostCancelledType }

const hostCancelledType = "infected.HostCancelled"

func init() {
	msg.RegisterErrorType(hostCancelledType, func(m string) error { return &HostCancelledError{Err: errors.New(m)} })
}

// boxHostCancelled gives a host-cancelled error its own type; any other
// error (a cancellation of the guest caller among them) is left as it is.
func boxHostCancelled(err error) error {
	if err != nil && errors.Is(err, bridge.ErrHostCancelled) && !errors.Is(err, sc.ErrCancelled) {
		var hc *HostCancelledError
		if !errors.As(err, &hc) {
			return &HostCancelledError{Err: err}
		}
	}
	return err
}
