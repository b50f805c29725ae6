package msg

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/hitchrt/hitch/internal/panics"
)

// RemoteActorError is an error raised in another actor, as received. It
// keeps where the error was first raised (Src, SrcTypeName, StackText), the
// actors it passed through (RelayPath, source first, the last hop last) and
// the type it was boxed as at the last hop.
//
// Error returns one line; %+v (or [RemoteActorError.Tree]) renders the full
// tree with the relay path and the original stack.
type RemoteActorError struct {
	Cid           string
	Src           ActorID
	SrcTypeName   string
	BoxedTypeName string
	RelayPath     []ActorID
	Message       string
	StackText     string
	Canceller     ActorID
	Sender        ActorID
	BadMsg        Raw
	BadMsgDict    map[string]string

	local error // the error rebuilt locally, when its type is known
}

// Error returns "msg: remote TYPE from SRC: MESSAGE".
func (e *RemoteActorError) Error() string {
	s := "msg: remote " + e.SrcTypeName + " from " + e.Src.String()
	if len(e.RelayPath) > 1 {
		s += " via " + e.RelayPath[len(e.RelayPath)-1].String()
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Is matches ErrRemote.
func (e *RemoteActorError) Is(target error) bool { return target == ErrRemote }

// Unwrap returns the error rebuilt from its type name when the type is known
// here: *ContextCancelled, *MsgTypeError, *StreamOverrun, *InternalError,
// or a type registered with RegisterErrorType. It returns nil otherwise.
func (e *RemoteActorError) Unwrap() error { return e.local }

// RelayUID returns the last actor that relayed the error (the peer it came
// from), or the zero ActorID.
func (e *RemoteActorError) RelayUID() ActorID {
	if len(e.RelayPath) == 0 {
		return ActorID{}
	}
	return e.RelayPath[len(e.RelayPath)-1]
}

// IsRelayed reports whether the error passed through more than one actor.
func (e *RemoteActorError) IsRelayed() bool { return len(e.RelayPath) > 1 }

// Format renders %v and %s as Error, and %+v as Tree.
func (e *RemoteActorError) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('+') {
		fmt.Fprint(f, e.Tree())
		return
	}
	fmt.Fprint(f, e.Error())
}

// Tree renders the error in hitch's tree style: the operation line, then an
// indented |_ block per detail, the relay path one hop per line, and the
// original stack text indented beneath.
//
//	RemoteActorError: remote ValueError from leaf@1a2b3c4d: boom
//	 |_src: leaf@1a2b3c4d (ValueError)
//	 |_boxed as: RemoteActorError
//	 |_relay path:
//	   |_leaf@1a2b3c4d
//	   |_mid@5e6f7a8b
//	 |_stack:
//	     goroutine 7 [running]: ...
func (e *RemoteActorError) Tree() string {
	var b strings.Builder
	msg := e.Message
	b.WriteString("RemoteActorError: remote " + e.SrcTypeName + " from " + e.Src.String())
	if msg != "" {
		b.WriteString(": " + firstLine(msg))
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, " |_src: %v (%s)\n", e.Src, e.SrcTypeName)
	if e.Src.UID != "" {
		fmt.Fprintf(&b, " |_src uid: %s\n", e.Src.UID)
	}
	if e.BoxedTypeName != "" && e.BoxedTypeName != e.SrcTypeName {
		fmt.Fprintf(&b, " |_boxed as: %s\n", e.BoxedTypeName)
	}
	if e.Cid != "" {
		fmt.Fprintf(&b, " |_cid: %s\n", e.Cid)
	}
	if !e.Canceller.IsZero() {
		fmt.Fprintf(&b, " |_canceller: %v\n", e.Canceller)
	}
	if !e.Sender.IsZero() {
		fmt.Fprintf(&b, " |_sender: %v\n", e.Sender)
	}
	if len(e.RelayPath) > 0 {
		b.WriteString(" |_relay path:\n")
		for _, id := range e.RelayPath {
			fmt.Fprintf(&b, "   |_%v\n", id)
		}
	}
	if strings.Contains(msg, "\n") {
		b.WriteString(" |_message:\n")
		indent(&b, msg, "     ")
	}
	if e.StackText != "" {
		b.WriteString(" |_stack:\n")
		indent(&b, e.StackText, "     ")
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " ..."
	}
	return s
}

func indent(b *strings.Builder, text, pre string) {
	for line := range strings.SplitSeq(strings.TrimRight(text, "\n"), "\n") {
		b.WriteString(pre + line + "\n")
	}
}

// errorTypes maps boxed type names to constructors of local errors.
var errorTypes = struct {
	sync.RWMutex
	m map[string]func(message string) error
}{m: map[string]func(string) error{}}

// RegisterErrorType makes errors boxed under name unwrap to the error mk
// builds from the remote message. Call it at init time, on every actor that
// should recognise the type; a later registration of the same name replaces
// the earlier one, and a nil mk removes it. The name is what the sender's
// error reports through an ErrorTypeName() string method, or else its Go
// type name without a leading '*' (such as "fs.PathError").
func RegisterErrorType(name string, mk func(message string) error) {
	errorTypes.Lock()
	defer errorTypes.Unlock()
	if mk == nil {
		delete(errorTypes.m, name)
		return
	}
	errorTypes.m[name] = mk
}

// ErrorTypeName returns the name err travels under: what its
// ErrorTypeName() string method returns, or its Go type name without a
// leading '*'; "<nil>" for nil.
func ErrorTypeName(err error) string {
	if err == nil {
		return "<nil>"
	}
	if n, ok := err.(interface{ ErrorTypeName() string }); ok {
		return n.ErrorTypeName()
	}
	return strings.TrimPrefix(reflect.TypeOf(err).String(), "*")
}

// PackError boxes err as an Error message for dialog cid, sent by self.
//
// A *RemoteActorError being relayed (found with errors.As) keeps its source,
// source type, message and stack, is boxed as "RemoteActorError", and gets
// self appended to its relay path. Any other error has self as its source
// and its own type name as source and boxed type; a recovered panic
// (*panics.Error) contributes its stack. ContextCancelled, StreamOverrun and
// MsgTypeError details travel in their own fields.
//
// For a MsgTypeError found while receiving, the caller may set the result's
// Src to the peer that sent the bad message, as that is where it was made.
func PackError(err error, cid string, self ActorID) *Error {
	if err == nil {
		err = &InternalError{Message: "msg: PackError of a nil error"}
	}
	var rae *RemoteActorError
	if errors.As(err, &rae) {
		path := make([]ActorID, 0, len(rae.RelayPath)+1)
		path = append(append(path, rae.RelayPath...), self)
		if cid == "" {
			cid = rae.Cid
		}
		return &Error{
			Cid: cid, Src: rae.Src, SrcTypeName: rae.SrcTypeName, BoxedTypeName: "RemoteActorError",
			RelayPath: path, Message: rae.Message, StackText: rae.StackText,
			Canceller: rae.Canceller, Sender: rae.Sender, BadMsg: rae.BadMsg, BadMsgDict: rae.BadMsgDict,
		}
	}
	name := ErrorTypeName(err)
	m := &Error{
		Cid: cid, Src: self, SrcTypeName: name, BoxedTypeName: name,
		RelayPath: []ActorID{self}, Message: err.Error(),
	}
	var pe *panics.Error
	if errors.As(err, &pe) {
		m.StackText = string(pe.Stack)
	}
	var cc *ContextCancelled
	if errors.As(err, &cc) {
		m.SrcTypeName, m.BoxedTypeName = "ContextCancelled", "ContextCancelled"
		m.Canceller, m.Message = cc.Canceller, cc.Message
	}
	var so *StreamOverrun
	if errors.As(err, &so) {
		m.SrcTypeName, m.BoxedTypeName = "StreamOverrun", "StreamOverrun"
		m.Sender = so.Sender
	}
	var mte *MsgTypeError
	if errors.As(err, &mte) {
		m.SrcTypeName, m.BoxedTypeName = "MsgTypeError", "MsgTypeError"
		m.BadMsg = mte.BadMsg
		m.BadMsgDict = map[string]string{
			"kind": mte.Kind.String(), "cid": mte.Cid, "value": mte.valueText(),
			"type": mte.ValueType, "spec": mte.Spec,
		}
	}
	return m
}

// UnpackError turns an Error message into a *RemoteActorError; it never
// fails. The result unwraps to a local error when the source type is known
// (see RemoteActorError.Unwrap). The message's slices are kept, not copied.
func UnpackError(m *Error) *RemoteActorError {
	if m == nil {
		m = &Error{Message: "msg: UnpackError of a nil message", SrcTypeName: "InternalError", BoxedTypeName: "InternalError"}
	}
	e := &RemoteActorError{
		Cid: m.Cid, Src: m.Src, SrcTypeName: m.SrcTypeName, BoxedTypeName: m.BoxedTypeName,
		RelayPath: m.RelayPath, Message: m.Message, StackText: m.StackText,
		Canceller: m.Canceller, Sender: m.Sender, BadMsg: m.BadMsg, BadMsgDict: m.BadMsgDict,
	}
	switch m.SrcTypeName {
	case "ContextCancelled":
		e.local = &ContextCancelled{Canceller: m.Canceller, Message: m.Message}
	case "StreamOverrun":
		e.local = &StreamOverrun{Cid: m.Cid, Sender: m.Sender}
	case "MsgTypeError":
		d := m.BadMsgDict
		mte := &MsgTypeError{Cid: m.Cid, ValueType: d["type"], Spec: d["spec"], BadMsg: m.BadMsg, Cause: errors.New(m.Message)}
		for k := Kind(1); k.Valid(); k++ {
			if k.String() == d["kind"] {
				mte.Kind = k
			}
		}
		mte.ValueText = d["value"]
		e.local = mte
	case "InternalError":
		e.local = &InternalError{Message: m.Message}
	default:
		errorTypes.RLock()
		mk := errorTypes.m[m.SrcTypeName]
		errorTypes.RUnlock()
		if mk != nil {
			e.local = mk(m.Message)
		}
	}
	return e
}
