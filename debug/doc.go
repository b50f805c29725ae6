// Package debug is hitch's debugger: a REPL on the terminal that every
// task and goroutine of a process (and, through the actor runtime, every
// actor of a tree) shares without interleaving. It owns the stdio lock, the
// process's debug status, the REPL and its command table, and the crash
// handlers; the actor runtime plugs the multi-process parts in.
//
// # Opening the REPL
//
//   - Pause(ctx) from an sc task: the task parks until the stdio lock is its
//     own, then while the REPL runs; the runner keeps running other tasks.
//     Shield opens it even in a cancelled scope.
//   - PauseFromSync() from any goroutine: in place inside a task step, or,
//     from a plain goroutine, through a lock task on the attached runner.
//   - PauseHost(ctx) from a host task of a loop that runs the sc runtime
//     as its guest (an infected actor): a guest task pauses on its behalf
//     while the host task is parked.
//   - PostMortem(ctx, err) shows an error (and a panic's stack) and opens the
//     REPL on it; Guard does the same for a plain function that fails or
//     panics, then gives the error back or drops it (Suppress).
//
// At the prompt: c continues, q makes the paused call return an error
// matching ErrQuit, bt, l, p NAME, vars, tasks, actors and help inspect;
// an empty line repeats the last command. On a terminal the line editor
// (github.com/peterh/liner) keeps a history in the user's cache directory
// (hitch/history), appended per command; otherwise, or with the Input
// option, lines are read plainly. The first line names actor, task and
// why, as in "hitch: paused in actor root, task main".
//
// # Who runs what
//
// The lock is taken and released by a task of the attached runner (the
// paused task itself, or the lock task of a plain goroutine), because the
// lock is an sc.Lock that only its owner may release. The REPL reads input
// on a goroutine of its own (sc.ToGoroutine for a paused task, the calling
// goroutine for PauseFromSync); only PauseFromSync inside a task step runs
// it in place, stalling its runner, which is why it refuses with ErrBusy
// when the lock is taken. While a REPL is open it holds
// signals.ShieldSIGINT: Ctrl-C only redraws the prompt. The status
// (CurrentStatus) is per process: one terminal per process.
//
// A program without an actor runtime attaches its sc runner itself
// (Attach), so that plain goroutines' pauses have a runner for their lock
// task.
//
// # In an actor tree
//
// Importing the package plugs it into every actor the program runs
// (actor.SetDebugHooks): each actor's runner is attached as it starts,
// named after the actor. The tree's terminal is the root's lock: a
// sub-actor's pause asks its parent for it over a context of the lock
// endpoint (its payloads: the request naming the holder, the locked
// status, the release saying whether the REPL quit), and a parent that is
// not the root asks its own parent in turn, so requests reach the root in
// arrival order. Sub-actors share the root's stdin and stdout. The actor
// serving a request shields SIGINT while the child holds the lock, waits
// for the release shielded from its own cancellation, and gives the lock
// back if the child's connection ends first; the root refuses the terminal
// to an actor that quit from a REPL (RefusedError). The kill ladder waits
// while a child holds or waits for the lock. A sub-actor that loses its
// parent while it waits gets an error saying so.
//
// In debug mode (actor.WithDebugMode) an error leaving an actor opens a
// post-mortem REPL, shielded, before it goes on: in the sub-actor whose
// endpoint failed, before its caller hears of it, and in the root before
// OpenRoot returns. Cancellations and quits open none. A sub-actor in debug
// mode leaves SIGINT to the root: the terminal sends Ctrl-C to every
// process of the tree, and the root decides what it means.
package debug
