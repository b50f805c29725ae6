// Package gid tells goroutines apart cheaply: Current returns an opaque
// identity of the calling goroutine, the address of the runtime's
// descriptor for it, read in a couple of instructions.
//
// Go deliberately exposes no goroutine identity. hitch needs one for a
// narrow purpose: to refuse, with an error, calls that would otherwise
// deadlock or race because they come from the wrong goroutine (a blocking
// token call from inside its own runner, a runner-owned queue filled from
// a plain goroutine). Parsing runtime.Stack would do, but costs
// microseconds per call; these checks sit on paths that cost tens of
// nanoseconds.
//
// An identity is only good for comparing goroutines that are alive at the
// same time: the runtime reuses a descriptor once its goroutine has
// exited. On architectures without the assembly stub, Current returns 0
// ("unknown"), and callers must then skip their check rather than refuse.
package gid

// Current returns the identity of the calling goroutine, or 0 where it is
// not available (see the package doc). It never allocates.
func Current() uintptr { return current() }
