// Package panics turns a recovered panic into an error that keeps the panic
// value and the stack of the goroutine that panicked. The loop and the
// structured-concurrency runtime both report panics in user code this way,
// so that a crash never loses the place it happened.
package panics

import (
	"fmt"
	"runtime/debug"
)

// Error is a recovered panic. Its message names the panic value; Stack is the
// panicking goroutine's stack, taken inside the deferred recover so it still
// shows the frame that panicked.
type Error struct {
	// Value is what was passed to panic.
	Value any
	// Stack is the stack trace text of the goroutine that panicked.
	Stack []byte
	// Where names what panicked, such as "task fetch"; it may be empty.
	Where string
}

// Error formats the panic value, and where it happened when known.
func (e *Error) Error() string {
	if e.Where != "" {
		return fmt.Sprintf("panic in %s: %v", e.Where, e.Value)
	}
	return fmt.Sprintf("panic: %v", e.Value)
}

// Unwrap returns the panic value when it is an error, so errors.Is and
// errors.As see through the panic to what was thrown.
func (e *Error) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// Capture makes an Error from a recovered value. Call it directly inside the
// deferred function that called recover, so the stack is still the
// panicking one. It returns nil for a nil value.
func Capture(v any, where string) *Error {
	if v == nil {
		return nil
	}
	return &Error{Value: v, Stack: debug.Stack(), Where: where}
}
