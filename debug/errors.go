package debug

import "errors"

// ErrQuit is what a paused or crashed caller gets back when the person at
// the REPL typed q (quit): Pause, PauseFromSync and PostMortem return an
// error matching it, and the caller is expected to end with it (report it,
// return it) rather than carry on.
var ErrQuit = errors.New("debug: quit from the REPL")

// ErrBusy is returned by PauseFromSync called from inside a task step of the
// attached runner while another REPL holds the lock. A task step cannot park,
// and waiting in place would stall the runner that has to release the lock;
// the task should call Pause instead.
var ErrBusy = errors.New("debug: the REPL is in use and a task step cannot wait for it; use Pause from the task")

// ErrAttached is returned by Attach when another runtime is attached already.
var ErrAttached = errors.New("debug: a runtime is attached already")
