package actor

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/hitchrt/hitch/actor/msg"
)

// Error categories, matched with errors.Is.
var (
	// ErrNoRuntime is returned by calls that need an actor runtime (a ctx
	// inside OpenRoot, or a sub-actor) when there is none.
	ErrNoRuntime = errors.New("actor: no actor runtime is open (use actor.OpenRoot or actor.Run)")

	// ErrRuntimeExists is returned by OpenRoot when this process already
	// runs an actor: one actor per process.
	ErrRuntimeExists = errors.New("actor: an actor runtime is already open in this process")

	// ErrSpawn is the category of a sub-actor that could not be started;
	// such errors are *SpawnError values.
	ErrSpawn = errors.New("actor: spawn failed")

	// ErrChildExited is the category of a sub-actor whose process ended
	// without being asked to; such errors are *ChildExitError values.
	ErrChildExited = errors.New("actor: sub-actor exited unexpectedly")

	// ErrNoEndpoint matches a *NoEndpointError: a call of a name the
	// serving actor has not registered. The caller sees it boxed in a
	// *RemoteActorError, which unwraps to it.
	ErrNoEndpoint = errors.New("actor: no such endpoint")

	// ErrRegistryOccupied is returned by OpenRoot when something listens at
	// the registry address but does not answer as a registry.
	ErrRegistryOccupied = errors.New("actor: the registry address is occupied by something that is not a registry")

	// ErrPortalClosed is returned by calls on a portal whose actor is gone
	// or whose nursery has closed.
	ErrPortalClosed = errors.New("actor: portal closed")
)

// The errors that cross process boundaries are those of package msg; they
// are named here too so callers of this package need not import msg.
type (
	// RemoteActorError is an error raised in another actor: it keeps the
	// source actor, the boxed type name, the relay path and the remote
	// stack text; %+v renders them all. It matches msg.ErrRemote and
	// unwraps to a local error when the boxed type is known here.
	RemoteActorError = msg.RemoteActorError
	// ContextCancelled ends a dialog that some actor (its Canceller)
	// cancelled.
	ContextCancelled = msg.ContextCancelled
	// MsgTypeError is a payload outside its payload spec.
	MsgTypeError = msg.MsgTypeError
	// ActorID names an actor: its name and its uid.
	ActorID = msg.ActorID
)

// SpawnError says why a sub-actor could not be started. When the process
// ran and died before it connected back, Status is its exit status and
// StderrTail the last lines it wrote. It matches ErrSpawn and unwraps to
// the cause.
type SpawnError struct {
	Name       string // the sub-actor's name
	PID        int    // zero when no process was started
	Status     string // "exit status 3", "signal: killed"; empty while it runs
	StderrTail string
	Err        error
}

// Error names the child, its exit status and the tail of its stderr.
func (e *SpawnError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "actor: starting sub-actor %q", e.Name)
	if e.PID != 0 {
		fmt.Fprintf(&b, " (pid %d)", e.PID)
	}
	b.WriteString(" failed")
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	if e.Status != "" {
		b.WriteString(": " + e.Status)
	}
	writeTail(&b, e.StderrTail)
	return b.String()
}

// Is matches ErrSpawn.
func (e *SpawnError) Is(target error) bool { return target == ErrSpawn }

// Unwrap returns the cause.
func (e *SpawnError) Unwrap() error { return e.Err }

// ChildExitError says a sub-actor's process ended while nobody had asked
// it to. It matches ErrChildExited.
type ChildExitError struct {
	Child      ActorID
	PID        int
	Status     string
	StderrTail string
}

// Error names the child, its exit status and the tail of its stderr.
func (e *ChildExitError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "actor: sub-actor %v (pid %d) exited unexpectedly: %s", e.Child, e.PID, e.Status)
	writeTail(&b, e.StderrTail)
	return b.String()
}

// Is matches ErrChildExited.
func (e *ChildExitError) Is(target error) bool { return target == ErrChildExited }

func writeTail(b *strings.Builder, tail string) {
	tail = strings.TrimRight(tail, "\n")
	if tail == "" {
		return
	}
	b.WriteString("\n |_stderr tail:")
	for line := range strings.SplitSeq(tail, "\n") {
		b.WriteString("\n     " + line)
	}
}

// NoEndpointError says an actor was asked to run a function it has not
// registered. It matches ErrNoEndpoint, also on the calling side, where it
// is the local error of the *RemoteActorError.
type NoEndpointError struct {
	Func string
}

// Error names the function.
func (e *NoEndpointError) Error() string {
	return fmt.Sprintf("actor: no endpoint %q is registered", e.Func)
}

// ErrorTypeName returns "actor.NoEndpointError", the name it travels under.
func (e *NoEndpointError) ErrorTypeName() string { return noEndpointType }

// Is matches ErrNoEndpoint.
func (e *NoEndpointError) Is(target error) bool { return target == ErrNoEndpoint }

const noEndpointType = "actor.NoEndpointError"

func init() {
	// The message is "actor: no endpoint %q is registered": take the name
	// back out of it.
	msg.RegisterErrorType(noEndpointType, func(m string) error {
		name, _ := strings.CutPrefix(m, "actor: no endpoint ")
		name, _ = strings.CutSuffix(name, " is registered")
		if u, err := strconv.Unquote(name); err == nil {
			name = u
		}
		return &NoEndpointError{Func: name}
	})
}

var (
	_ error = (*NoEndpointError)(nil)
	_ error = (*SpawnError)(nil)
	_ error = (*ChildExitError)(nil)
)
