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
// # Plug-in points for the actor runtime
//
//   - Attach(token, ActorName(name), WithLock(l), ActorsCommand(fn)) when
//     the runtime starts, detach when it stops. The root passes
//     NewLocalLock() (or its own wrapper of it that also serves children);
//     a child passes a StdioLock whose Acquire requests the root's lock
//     over an IPC context and whose release sends the release message.
//   - ActorsCommand fills the REPL's actors command with the actor tree.
//   - Debug mode: where an error crosses an actor's boundary, the runtime
//     calls PostMortem(ctx, err) (with Shield when its scope is already
//     cancelled) before relaying the error, and reads CurrentStatus to never
//     reap or signal a child that holds the terminal.
package debug
