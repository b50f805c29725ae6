// Package actor is hitch's multi-process actor runtime, modelled on
// tractor: a tree of processes, each one actor running an sc run, that
// call each other's registered functions over authenticated channels,
// with errors and cancellation crossing process boundaries.
//
// # Processes
//
// A sub-actor is a process running the same program (or another program
// named by WithBinary that does the same): main calls ChildMain first
// thing, and a test binary calls it first in TestMain. ChildMain returns
// at once in a normal run; in a process started as a sub-actor it serves
// and exits.
//
//	var Add = actor.Func("add", func(ctx context.Context, xs []int) (int, error) { ... })
//
//	func main() {
//		actor.ChildMain()
//		err := actor.Run(func(ctx context.Context, a *actor.Actor) error {
//			return actor.OpenNursery(ctx, func(ctx context.Context, n *actor.Nursery) error {
//				p, err := n.StartActor(ctx, "adder")
//				if err != nil {
//					return err
//				}
//				sum, err := Add.Run(ctx, p, []int{1, 2, 3})
//				...
//				return p.CancelActor(ctx)
//			})
//		})
//	}
//
// Endpoints are registered by name at init time (Func), so the parent and
// every child agree on them; their Go types form the payload spec of a
// call (PayloadSpec), checked on the wire. A child learns its tree's auth
// token, its name and its parent's address from a pipe it inherits (never
// its command line or environment), connects back, proves the token and
// receives its spawn spec (msg.SpawnSpec). A child that dies before that
// fails StartActor at once with a *SpawnError giving its exit status and
// the tail of its stderr. A child whose parent dies, however, notices
// within a second (the pipe reaches end-of-file, the parent channel drops,
// and on Linux the parent-death signal) and exits. Every child is reaped
// by a goroutine of its parent; no process outlives its tree.
//
// # Contexts and streams
//
// A context endpoint (ContextFunc) talks with its caller while it runs:
// it reports a started value once, may open a stream of values both ways
// (MsgStream, ranged over with All), and returns a result. The caller
// opens it with Open, which hands its body the started value and waits
// for the result afterwards. Each side's mailbox holds 64 messages; a side
// that falls behind fails the dialog with a StreamOverrun unless overruns
// are allowed.
//
// # Discovery
//
// The root is the tree's registry unless WithRegistryAddr names one to
// join. Every actor registers when it starts serving and is forgotten when
// it ends. FindActor and WaitForActor look at the actor itself, then its
// connected peers (the parent included), then the registry; an entry
// whose address refuses connections (its actor died where the registry
// could not see it) is deleted by the lookup that meets it.
//
// A tree spans machines: a root that listens on a routable address
// (WithListenAddr) has its sub-actors listen on the same host, and a
// program on another machine joins the tree given the registry's address
// and the tree's token (WithRegistryAddr, WithToken).
//
// # Tasks and goroutines
//
// Everything of an actor runs in its sc run: endpoint calls are tasks, and
// a task waiting for a message parks in a mailbox, never the runner. Go
// goroutines do only the blocking I/O: each channel's reader hands
// received messages to the runner in batches through the run's Token; a
// reaper goroutine per child waits for its process. Portal and Nursery
// methods are for tasks of the actor that made them, with the ctx the task
// received.
//
// # Host-loop mode
//
// A sub-actor's sc run is driven by sc.Run, or, in host-loop mode
// ("infected", tractor's infect_asyncio), as the guest of a host loop that
// is its process's main: package github.com/hitchrt/hitch/infected
// provides that loop and the option (infected.Mode, which is
// WithHostLoop), and plugs into this package through HostLoop. The mode
// is on the child's command line, since it is chosen before any IPC, and
// in its spawn spec; a child where the two disagree refuses to boot.
//
// # Cancellation
//
// Cancelling a call (the calling task's scope) asks the remote side to
// cancel the request, which ends there with a ContextCancelled naming the
// canceller. Stopping a sub-actor (Portal.CancelActor, Nursery.Cancel, or
// its nursery failing or being cancelled) climbs the kill ladder: a
// graceful cancel request with a bounded wait for its acknowledgement and
// the exit, then SIGTERM, then SIGKILL with an error log line naming the
// child. With a debugger plugged in (DebugHooks, which package debug
// installs), each step first waits while the child holds or waits for the
// tree's terminal: a child's REPL is never cancelled under the person
// using it. Sub-actors share their parent's stdin and stdout, so a
// sub-actor's REPL reads and writes the root's terminal.
//
// # Logging
//
// The root logs through its *slog.Logger (WithLogger; nil means
// slog.Default()). A sub-actor's records (slog.Default() in a sub-actor,
// and Actor.Logger) travel to its parent, which logs them again through
// its own handler with an "actor" attribute naming the child, so every
// record of the tree reaches the root's handler. A sub-actor's other
// stderr output (a panic, a print) reaches the root's child output
// (WithChildOutput) with each line prefixed by the names of the actors it
// came through. Sub-actors log at WithLogLevel's level, by default the
// lowest the root's handler enables. Routine events, a cancelled call or
// sub-actor among them, log at the runtime's levels below Info
// (LevelRuntime, LevelTransport, LevelCancel), so a healthy tree is quiet
// at Info.
package actor
