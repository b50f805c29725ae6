// Package sigguard is the process's one consumer of SIGINT, SIGTERM and
// SIGUSR1, the guarded signals. The parts of hitch that react to them
// (loop.Run's policy, a guest run's SIGINT fallback, a loop's signal
// handlers, the actor runtime, a debugger REPL's shield, the SIGUSR1 tree
// dumper) never call signal.Notify for them: they claim them here, and each
// delivered signal goes to exactly one claim, the owner of that moment.
// Package signals is the public face of this package.
//
// # Who owns a signal
//
// A claim has a level, and a signal goes to the newest claim of the
// highest level that takes it:
//
//	level          claimed by                                          signals
//	LevelShield    a debugger REPL, or a child holding the debug lock  SIGINT
//	LevelOwner     loop.Run, the actor runtime, Loop.AddSignalHandler,  any guarded
//	               the SIGUSR1 dumper
//	LevelFallback  a guest run's SIGINT fallback                       SIGINT
//
// Claims nest: the newest claim of a level wins while it lasts, and
// releasing claims, in any order, gives the signal to the best claim left.
// While no claim takes a signal, its default action is back (SIGINT and
// SIGTERM end the process, as does SIGUSR1).
//
// # Why one consumer
//
// When each part called signal.Notify and asked, after the signal had
// arrived, whether it owned it, two parts could both act on one signal,
// and a hand-over between owners could leave a signal with neither. Here
// the owner is chosen under the lock that also marks the claim as handling
// the signal, and release waits for a handling in progress: a signal is
// handled once, by the claim that owned it when it was dispatched, and no
// claim's Handle runs after its release has returned.
//
// # The goroutine
//
// The first claim starts one goroutine, which receives the guarded signals
// (each one notified only while some claim takes it) and runs the chosen
// claim's Handle, one at a time. When the last claim is released the
// goroutine ends, and signal.Stop has given every signal its default
// action back. A signal that arrives while no claim takes it is not seen
// here at all; one already received when its last claim left is dropped.
package sigguard
