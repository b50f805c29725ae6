package msg

import (
	"errors"
	"fmt"
)

// Error categories, matched with errors.Is.
var (
	// ErrRemote matches every *RemoteActorError.
	ErrRemote = errors.New("msg: remote actor error")
	// ErrMsgType matches every *MsgTypeError.
	ErrMsgType = errors.New("msg: message type error")
	// ErrContextCancelled matches every *ContextCancelled.
	ErrContextCancelled = errors.New("msg: context cancelled")
	// ErrStreamOverrun matches every *StreamOverrun.
	ErrStreamOverrun = errors.New("msg: stream overrun")
	// ErrInternal matches every *InternalError.
	ErrInternal = errors.New("msg: internal error")
)

// MsgTypeError is a payload or message outside what the receiver (or, with
// Sent, the sender's own spec) allows.
type MsgTypeError struct {
	Kind      Kind   // the offending message's type
	Cid       string // its dialog, when known
	Value     any    // the value as decoded without a spec; nil when undecodable
	ValueText string // the value as text, when it was rendered by another actor
	ValueType string // Value's Go type name, "nil", or "undecodable"
	Spec      string // the expected spec
	Sent      bool   // found on the sending side, before the message left
	Cause     error  // the codec's complaint
	BadMsg    Raw    // the offending payload, encoded
}

// Error names the message type, the value, its type and the expected spec.
func (e *MsgTypeError) Error() string {
	side := "invalid"
	if e.Sent {
		side = "cannot send"
	}
	s := fmt.Sprintf("msg: %s %v payload %s of type %s does not match spec %s", side, e.Kind, e.valueText(), e.ValueType, e.Spec)
	if e.Sent && e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

// ErrorTypeName returns "MsgTypeError", the name it travels under.
func (e *MsgTypeError) ErrorTypeName() string { return "MsgTypeError" }

// Is matches ErrMsgType.
func (e *MsgTypeError) Is(target error) bool { return target == ErrMsgType }

// Unwrap returns the codec's complaint.
func (e *MsgTypeError) Unwrap() error { return e.Cause }

func (e *MsgTypeError) valueText() string {
	if e.ValueText != "" {
		return e.ValueText
	}
	return shortValue(e.Value, e.ValueType)
}

func shortValue(v any, typ string) string {
	if typ == "undecodable" {
		return "<undecodable>"
	}
	s := fmt.Sprintf("%#v", v)
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}

// ContextCancelled ends a dialog because some actor cancelled it.
type ContextCancelled struct {
	Canceller ActorID // who asked for the cancellation; zero when unknown
	Message   string
}

// Error names the canceller.
func (e *ContextCancelled) Error() string {
	s := "msg: context cancelled by " + e.Canceller.String()
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// ErrorTypeName returns "ContextCancelled".
func (e *ContextCancelled) ErrorTypeName() string { return "ContextCancelled" }

// Is matches ErrContextCancelled.
func (e *ContextCancelled) Is(target error) bool { return target == ErrContextCancelled }

// StreamOverrun says a stream's receiver fell too far behind its sender.
type StreamOverrun struct {
	Cid    string
	Sender ActorID
}

// Error names the stream and the sender.
func (e *StreamOverrun) Error() string {
	return fmt.Sprintf("msg: stream %s overrun by sender %v", e.Cid, e.Sender)
}

// ErrorTypeName returns "StreamOverrun".
func (e *StreamOverrun) ErrorTypeName() string { return "StreamOverrun" }

// Is matches ErrStreamOverrun.
func (e *StreamOverrun) Is(target error) bool { return target == ErrStreamOverrun }

// InternalError is a broken invariant of the runtime or protocol: a message
// that should never arrive where it did, a recovered panic in the codec.
type InternalError struct {
	Message string
	Cause   error
}

// Error returns the message and cause.
func (e *InternalError) Error() string {
	if e.Cause != nil {
		return e.Message + ": " + e.Cause.Error()
	}
	return e.Message
}

// ErrorTypeName returns "InternalError".
func (e *InternalError) ErrorTypeName() string { return "InternalError" }

// Is matches ErrInternal.
func (e *InternalError) Is(target error) bool { return target == ErrInternal }

// Unwrap returns the cause.
func (e *InternalError) Unwrap() error { return e.Cause }

var (
	_ error = (*MsgTypeError)(nil)
	_ error = (*ContextCancelled)(nil)
	_ error = (*StreamOverrun)(nil)
	_ error = (*InternalError)(nil)
	_ error = (*RemoteActorError)(nil)
	_ error = (*DecodeError)(nil)
)
