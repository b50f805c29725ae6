package msg

import "strconv"

// Kind is a message's type tag on the wire.
//
// The numeric values are part of the wire format and are stable: a value,
// once assigned, keeps its meaning in every later release, and retired values
// are never reused. New kinds get new numbers.
type Kind uint8

// The message kinds. Zero is never a valid kind.
const (
	KindIdentity  Kind = 1  // *Identity: handshake, both directions
	KindSpawnSpec Kind = 2  // *SpawnSpec: parent to child after the handshake
	KindStart     Kind = 3  // *Start: open a dialog with an endpoint
	KindStartAck  Kind = 4  // *StartAck: first reply to Start
	KindStarted   Kind = 5  // *Started: a context's first value
	KindYield     Kind = 6  // *Yield: one stream item
	KindStop      Kind = 7  // *Stop: end of a stream
	KindReturn    Kind = 8  // *Return: a dialog's final value
	KindCancelAck Kind = 9  // *CancelAck: reply to a runtime cancel request
	KindError     Kind = 10 // *Error: a boxed error
)

var kindNames = [...]string{
	KindIdentity:  "Identity",
	KindSpawnSpec: "SpawnSpec",
	KindStart:     "Start",
	KindStartAck:  "StartAck",
	KindStarted:   "Started",
	KindYield:     "Yield",
	KindStop:      "Stop",
	KindReturn:    "Return",
	KindCancelAck: "CancelAck",
	KindError:     "Error",
}

// String returns the message type's name, such as "Yield", or "Kind(N)" for
// an unknown value.
func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Valid reports whether k is one of the defined kinds.
func (k Kind) Valid() bool { return int(k) < len(kindNames) && kindNames[k] != "" }

// FuncKind says how an endpoint talks, and so which dialog follows its
// StartAck. Values are stable on the wire, as [Kind]'s are.
type FuncKind uint8

// The endpoint kinds.
const (
	FuncAsync   FuncKind = 1 // Start, StartAck, then Return or Error
	FuncStream  FuncKind = 2 // Start, StartAck, Yield*, then Stop or Error
	FuncContext FuncKind = 3 // Start, StartAck, Started, Yield/Stop both ways, then Return or Error
)

// String returns "async", "stream", "context" or "FuncKind(N)".
func (f FuncKind) String() string {
	switch f {
	case FuncAsync:
		return "async"
	case FuncStream:
		return "stream"
	case FuncContext:
		return "context"
	}
	return "FuncKind(" + strconv.Itoa(int(f)) + ")"
}
