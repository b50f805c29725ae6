// Package infected runs actors whose process main is a host loop (a
// loop.Loop) with the actor runtime as its guest: tractor's
// infect_asyncio. Guest tasks of such an actor (its endpoints, its
// contexts) run host tasks on the actor's own loop and talk to them, so
// an actor can serve code written for the host loop, and a program that
// already runs a loop can embed the actor runtime without giving it up.
//
// # What it owns
//
//   - Mode, the option that makes an actor infected. On StartActor the
//     child runs loop.Run, whose main task runs the actor runtime through
//     bridge.RunGuest; the child's command line carries the infected flag
//     (the loop is chosen before any IPC) and its spawn spec the Infected
//     runtime variable, and a child where the two disagree refuses to boot
//     with an internal error and a non-zero exit, failing StartActor. On
//     OpenRoot it marks a root the program opened from its own loop's
//     guest run (bridge.RunGuest). A child of an infected actor is
//     infected only if asked. Actor.Infected, Actor.Vars().Infected and
//     actor.ProcessVars report the mode.
//   - RunHostTask and OpenChannelFrom: bridge's calls, for guest tasks of
//     an infected actor; elsewhere they fail with ErrNotInfected. A host
//     task cancelled by host code comes out as a *HostCancelledError,
//     whose category reaches other actors in a RemoteActorError; other
//     host-task errors are returned unchanged, and so reach other actors
//     boxed under their own type.
//   - The lifetime of an infected child's process. The host loop owns
//     SIGINT and SIGTERM (the runtime claims neither in an infected
//     child): the first cancels the host main task, which asks the actor
//     to cancel itself and keeps the loop turning until the guest run has
//     ended: RPC tasks and host tasks are cancelled, lifetime callbacks
//     (Actor.OnExit) run, the actor unregisters and its parent learns that
//     the child cancelled itself; then the process exits. A second stop
//     signal stops the loop at once, abandoning the guest run, which is
//     logged and reported as a *bridge.TranslationError, and the process
//     exits non-zero.
//
// It installs itself in the actor runtime (actor.SetHostLoop) when it is
// imported, which is why a program that starts infected children imports
// it: the children, running the same program, find it installed too.
//
// # What it leaves to others
//
// The guest run, the host/guest calls and their error translation are
// package bridge's; the runtime, spawning and the wire are package
// actor's. Hosting a root on a loop hitch did not write needs nothing of
// this package: bridge.StartGuestRun on any bridge.Host, then
// actor.OpenRoot in the guest.
//
// # Who runs what
//
// In an infected actor, guest tasks and host tasks alike run on the host
// loop's goroutine, one at a time: a guest task may touch what a host task
// touches without locks. The actor's I/O goroutines hand their work to the
// loop through the guest run.
package infected
