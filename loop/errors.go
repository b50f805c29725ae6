package loop

import (
	"errors"
	"os"

	"github.com/hitchrt/hitch/internal/panics"
	"github.com/hitchrt/hitch/internal/sigguard"
)

// Error categories. Match them with errors.Is.
var (
	// ErrClosed is returned by CallSoonThreadsafe, RunSyncSoonThreadsafe,
	// AddSignalHandler, GoThreadsafe and Future.Wait once the loop is closed, and
	// by the driving methods when called on a closed loop.
	ErrClosed = errors.New("loop: closed")

	// ErrCancelled is returned by an await (Await, Sleep, Yield, Gather,
	// WaitFor) whose task was cancelled, and is the error of a cancelled
	// Future or Task. It is the cause of a task ctx cancelled by Cancel.
	ErrCancelled = errors.New("loop: cancelled")

	// ErrTimeout is returned by WaitFor when the timeout expired first.
	ErrTimeout = errors.New("loop: timeout")

	// ErrInterrupted is matched by the error Run returns after SIGINT or
	// SIGTERM, and by the cause (context.Cause) of the main task's ctx
	// after it (for SIGINT, the cause is ErrInterrupted itself).
	ErrInterrupted = errors.New("loop: interrupted")

	// ErrNotDone is returned by Future.Result before the future is done.
	ErrNotDone = errors.New("loop: future not done")

	// ErrRunning is returned when a loop that is already running is driven
	// again, or closed while it runs.
	ErrRunning = errors.New("loop: already running")

	// ErrStopped is returned by RunUntilComplete when Stop ended the loop
	// before the awaited thing completed.
	ErrStopped = errors.New("loop: stopped before completion")

	// ErrMisuse is matched by errors reporting a call made from the wrong
	// place: awaiting with a ctx of no task, outside the task's own step,
	// or with a future of another loop; with WithDebug, Future.Wait from the
	// loop itself.
	ErrMisuse = errors.New("loop: misuse")
)

// PanicError is a recovered panic with its value and stack. A panic in a
// task becomes the task's error as a *PanicError; a panic in a callback is
// reported to the exception handler as one.
type PanicError = panics.Error

// errAbandoned is what a task sees from every await once Close stopped its
// coroutine: it matches both ErrCancelled (so cancellation-aware code
// unwinds) and ErrClosed.
var errAbandoned error = abandonedError{}

type abandonedError struct{}

func (abandonedError) Error() string { return "loop: task abandoned: the loop closed" }
func (abandonedError) Is(target error) bool {
	return target == ErrCancelled || target == ErrClosed
}

// InterruptedError is what Run returns when SIGINT or SIGTERM ended the
// main task, and the cause of main's ctx after SIGTERM. It matches
// ErrInterrupted and unwraps to main's own outcome (often an error
// matching ErrCancelled), which may be nil when main absorbed the cancel.
type InterruptedError struct {
	// Signal is the signal that interrupted: os.Interrupt (SIGINT) or
	// SIGTERM. nil counts as SIGINT.
	Signal os.Signal
	// Err is how main ended, or an error matching ErrClosed when a second
	// signal abandoned the cleanup.
	Err error
}

// Error says Run was interrupted, by which signal unless it was SIGINT,
// and how main ended.
func (e *InterruptedError) Error() string {
	msg := "loop: interrupted"
	if e.Signal != nil && e.Signal != os.Interrupt {
		msg += " by " + sigguard.Name(e.Signal)
	}
	if e.Err == nil {
		return msg
	}
	return msg + ": " + e.Err.Error()
}

// Is matches ErrInterrupted.
func (e *InterruptedError) Is(target error) bool { return target == ErrInterrupted }

// Unwrap returns main's outcome.
func (e *InterruptedError) Unwrap() error { return e.Err }

type misuseError struct{ msg string }

func (e *misuseError) Error() string        { return "loop: " + e.msg }
func (e *misuseError) Is(target error) bool { return target == ErrMisuse }
func misuse(msg string) error               { return &misuseError{msg: msg} }
