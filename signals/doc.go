// Package signals decides what SIGINT, SIGTERM and SIGUSR1 mean to a hitch
// program: who answers Ctrl-C, when it is shielded, how a service
// manager's SIGTERM stops the program, and how a hung program shows its
// task tree. It is the public face of the process's signal guard, the one
// consumer of those signals (loop.Run and a guest run's SIGINT fallback
// claim them on the same guard): each delivered signal is handed to
// exactly one claim, the one that owns it at that moment, and a hand-over
// between owners never races with delivery.
//
// # SIGINT policy
//
// What a SIGINT does depends on the state of the process when it arrives,
// looked up in this order:
//
//	state when SIGINT arrives                  what happens
//	-----------------------------------------  --------------------------------------------
//	a shield is up (ShieldSIGINT): a REPL is   ignored: logged at LevelPDB, and the
//	in use here, or a child holds the debug    shield's redraw hook runs (to re-print the
//	lock                                       prompt); nothing is cancelled
//	an owner (Own; loop.Run), its first stop   the owner's cancel: a graceful stop, every
//	signal                                     cleanup runs
//	an owner, a later stop signal              the owner's escalate: stop now (loop.Run
//	                                           ends at once)
//	no owner, a guest run with its SIGINT      the guest's main task is interrupted
//	fallback (bridge.WithSIGINT)
//	none of these                              the default action: the process dies
//
// SIGTERM, the signal service managers and container runtimes send, is a
// stop signal as SIGINT is: it goes to the owner (its first stop signal
// cancels gracefully, a later one escalates) and is never shielded, since
// nobody types it at a REPL. With no owner it has its default action.
//
// Owners nest: the newest owner wins until it leaves, and then the one
// before it has the signals again; so a REPL's shield, released, gives
// SIGINT back to the actor runtime only while the runtime still runs, and
// once the runtime has ended (and no loop.Run is left) SIGINT has the
// process's default action again. Releases may come in any order, from
// any goroutine.
//
// # SIGUSR1 dumps
//
// DumpOnSIGUSR1 answers SIGUSR1 with a dump of the process: its task tree
// (asked of the sc runner with a bound, so a wedged runner still gets a
// dump), every goroutine's stack, and an end-of-actor footer; then it
// relays SIGUSR1 to the child processes its relay hook names, so the dumps
// of an actor tree come out parent first. Send it with kill -USR1 PID.
//
// # Who runs what
//
// The cancel, escalate and redraw functions run on the guard's goroutine,
// one at a time across the process: each must return soon (queue the work
// on a loop, or through an sc Token's RunSyncSoon) and must not call the
// release function of its own claim. A dump runs on a goroutine of its
// dumper.
package signals
