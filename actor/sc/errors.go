package sc

import (
	"errors"
	"fmt"
	"strings"

	"github.com/hitchrt/hitch/internal/panics"
)

var (
	// ErrCancelled is the category of the error a blocking call returns when
	// the calling task's cancel scope (or an unshielded ancestor) has been
	// cancelled. The cancel scope whose Cancel caused it absorbs it on the way
	// out; code in between should return it unchanged.
	ErrCancelled = errors.New("sc: cancelled")

	// ErrTooSlow is returned by FailAfter and FailAt when the deadline
	// cancelled the work.
	ErrTooSlow = errors.New("sc: too slow")

	// ErrInterrupted is delivered to the main task by Runner.Interrupt (the
	// analog of trio's KeyboardInterrupt) at its next checkpoint.
	ErrInterrupted = errors.New("sc: interrupted")

	// ErrNotInTask is the category of misuse errors: a blocking sc call was
	// made with a ctx that carries no task, or from outside that task's step
	// (another goroutine, or after the task ended).
	ErrNotInTask = errors.New("sc: not called from a running task of this runner")

	// ErrRunFinished is returned by Token calls once the run has ended.
	ErrRunFinished = errors.New("sc: run finished")

	// ErrInsideRunner is the category of the error a blocking Token call
	// (RunSync, Run, RunNamed and their Context forms) returns at once when
	// called from a task of the same runner or from its driving goroutine,
	// which would otherwise wait forever for the runner it blocks.
	ErrInsideRunner = errors.New("sc: blocking token call from inside its own runner")

	// ErrNotStarted is the category of the error Token.RunSyncContext and
	// Token.RunContext return when their ctx ended before the code started:
	// it never runs. The error also matches the ctx's error.
	ErrNotStarted = errors.New("sc: gave up before the code started")

	// ErrNurseryClosed is returned by StartSoon and Start once the nursery has
	// closed (its body and all its children have returned).
	ErrNurseryClosed = errors.New("sc: nursery closed")

	// ErrNotOwner is returned by Lock.Release when the caller does not hold
	// the lock; the lock stays held by its owner.
	ErrNotOwner = errors.New("sc: lock not held by this task")

	// ErrScopeOrder is returned when cancel scopes are exited out of LIFO
	// order, exited twice, or exited by a task that did not enter them.
	ErrScopeOrder = errors.New("sc: cancel scope exited out of order")

	// ErrEndOfChannel is returned by Receive once every send end is closed
	// and the buffer is drained.
	ErrEndOfChannel = errors.New("sc: end of channel")

	// ErrClosedResource is returned by an operation on a channel end that was
	// closed through that same end.
	ErrClosedResource = errors.New("sc: closed resource")

	// ErrBrokenResource is returned by Send once every receive end is closed.
	ErrBrokenResource = errors.New("sc: broken resource")
)

// PanicError is a panic recovered in a task: it keeps the panic value and
// the stack of the task's coroutine at the panic. errors.Is/As see through
// it to the value when the value is an error.
type PanicError = panics.Error

// NurseryError collects the errors of a nursery's body and children, in the
// order they happened. A nursery always reports its errors through one,
// even a single error, so callers handle one shape. errors.Is and errors.As
// reach every collected error through Unwrap.
type NurseryError struct {
	// Errs are the errors, first one first; never empty.
	Errs []error
}

// Error lists the collected errors in the tree style ("|_" per error).
func (e *NurseryError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sc: %d error(s) in nursery", len(e.Errs))
	for _, err := range e.Errs {
		b.WriteString("\n  |_ ")
		b.WriteString(strings.ReplaceAll(err.Error(), "\n", "\n     "))
	}
	return b.String()
}

// Unwrap returns the collected errors.
func (e *NurseryError) Unwrap() []error { return e.Errs }

// InterruptedError is the outcome of a run interrupted after its main task
// had already finished with an error: it matches ErrInterrupted and unwraps
// to the main task's error, so errors.Is sees both.
type InterruptedError struct {
	// Err is the main task's error.
	Err error
}

// Error names the interrupt and the main task's error.
func (e *InterruptedError) Error() string {
	return fmt.Sprintf("sc: interrupted (main task had finished with: %v)", e.Err)
}

// Is matches ErrInterrupted.
func (e *InterruptedError) Is(target error) bool { return target == ErrInterrupted }

// Unwrap returns the main task's error.
func (e *InterruptedError) Unwrap() error { return e.Err }

// isCancelled reports whether err is a cancellation leaf (not a group).
func isCancelled(err error) bool {
	if _, ok := err.(*NurseryError); ok {
		return false
	}
	return errors.Is(err, ErrCancelled)
}

// filterCancelled drops cancellation leaves from err (recursing into
// nursery groups) and returns what is left (nil when nothing is) and
// whether anything was dropped.
func filterCancelled(err error) (error, bool) {
	switch e := err.(type) {
	case nil:
		return nil, false
	case *NurseryError:
		var keep []error
		dropped := false
		for _, c := range e.Errs {
			f, d := filterCancelled(c)
			dropped = dropped || d
			if f != nil {
				keep = append(keep, f)
			}
		}
		if !dropped {
			return e, false
		}
		if len(keep) == 0 {
			return nil, true
		}
		return &NurseryError{Errs: keep}, true
	default:
		if isCancelled(err) {
			return nil, true
		}
		return err, false
	}
}

// onlyCancelled reports whether every leaf of err is a cancellation.
func onlyCancelled(err error) bool {
	if e, ok := err.(*NurseryError); ok {
		for _, c := range e.Errs {
			if !onlyCancelled(c) {
				return false
			}
		}
		return true
	}
	return isCancelled(err)
}
