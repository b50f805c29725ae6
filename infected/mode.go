package infected

import "github.com/hitchrt/hitch/actor"

// Mode returns the option that makes an actor infected (see the package
// doc); it is actor.WithHostLoop, which this package is the host loop of.
//
// On StartActor, the child runs its runtime as the guest of a loop.Run:
// its command line carries the infected flag and its spawn spec the
// Infected variable, and it refuses to boot if they disagree. Its own
// children are infected only if asked in turn. On OpenRoot, it says that
// the root is opened from a guest run of a loop.Loop (bridge.RunGuest),
// and OpenRoot fails, with an error matching ErrNotInfected, when it is
// not.
func Mode() actor.Option { return actor.WithHostLoop() }
