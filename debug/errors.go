package debug

import (
	"errors"
	"strings"
)

// ErrQuit is what a paused or crashed caller gets back when the person at
// the REPL typed q (quit): Pause, PauseFromSync and PostMortem return an
// error matching it, and the caller is expected to end with it (report it,
// return it) rather than carry on. Returned from an endpoint as is, it
// still matches ErrQuit in the calling actor.
var ErrQuit error = quitError{}

// quitError is ErrQuit's type, so that it travels between actors under a
// name of its own.
type quitError struct{}

const (
	quitMessage  = "debug: quit from the REPL"
	quitTypeName = "debug.Quit"
)

func (quitError) Error() string         { return quitMessage }
func (quitError) ErrorTypeName() string { return quitTypeName }

func containsQuit(s string) bool { return strings.Contains(s, quitMessage) }

// ErrBusy is returned by PauseFromSync called from inside a task step of the
// attached runner while another REPL holds the lock. A task step cannot park,
// and waiting in place would stall the runner that has to release the lock;
// the task should call Pause instead. In a sub-actor it is returned always:
// the lock is the root's, and a step cannot wait for its answer.
var ErrBusy = errors.New("debug: the REPL is in use and a task step cannot wait for it; use Pause from the task")

// ErrAttached is returned by Attach when another runtime is attached already.
var ErrAttached = errors.New("debug: a runtime is attached already")

// ErrRefused is the category of a lock request the root refused: the
// actor quit from a REPL before, and the root keeps it from taking the
// terminal again (the person asked it to end). Such errors are
// *RefusedError values.
var ErrRefused = errors.New("debug: the root refused the terminal")

// RefusedError says the root refused an actor the terminal. It matches
// ErrRefused, also in the actor that asked, where it arrives boxed in an
// *actor.RemoteActorError that unwraps to it.
type RefusedError struct {
	Message string
}

const refusedTypeName = "debug.Refused"

// Error returns the root's reason.
func (e *RefusedError) Error() string { return e.Message }

// ErrorTypeName returns "debug.Refused", the name it travels under.
func (e *RefusedError) ErrorTypeName() string { return refusedTypeName }

// Is matches ErrRefused.
func (e *RefusedError) Is(target error) bool { return target == ErrRefused }
