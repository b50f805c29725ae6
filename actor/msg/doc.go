// Package msg owns what hitch actors say to each other: the wire message
// types, their msgpack encoding, payload specs, and the errors that cross
// process boundaries.
//
// # Messages
//
// Every message is one msgpack array whose first element is its [Kind], a
// small unsigned integer that is stable across releases; the remaining
// elements are the message's fields in declaration order. A decoder accepts
// arrays with fewer fields (missing fields are zero) and with more fields
// (extra fields are skipped), so fields may be appended in later releases
// but never reordered or removed.
//
// The fixed message types are encoded and decoded by hand-written code in
// this package (what a code generator would produce), which keeps the hot
// path free of reflection and allocation and lets [Codec.Decode] promise
// never to panic. Payloads, the user values inside Started, Yield, Return,
// CancelAck and the arguments of Start, go through
// github.com/ugorji/go/codec's MsgpackHandle.
//
// # Payloads
//
// A payload travels as [Raw], an undecoded msgpack value, and stays raw
// until the receiver decodes it against the [Spec] in force for its context
// ([Codec.DecodePayload]). A payload outside the spec is a [*MsgTypeError]
// naming the message type, the value, its type and the spec. The sender
// checks a started value against its own spec before it leaves
// ([Codec.EncodeChecked]), so the sender sees its own mistake.
//
// Payload values may be nil, booleans, numbers, strings, byte slices,
// slices, arrays and maps of those, structs registered with [WithStruct],
// and any type registered with an extension hook ([WithExtension]). Any
// other type is refused on the sending side with an error naming it.
//
// # Errors
//
// [PackError] boxes a local error into an [Error] message, appending this
// actor to the relay path; [UnpackError] turns an Error message back into a
// [*RemoteActorError], which unwraps to a local value (a [*ContextCancelled],
// [*MsgTypeError], [*StreamOverrun] or a type registered with
// [RegisterErrorType]) where the boxed type is known. How a transport
// ends (and how loudly that is logged) is actor/ipc's business.
//
// # Who runs this code
//
// A [Codec] belongs to one goroutine at a time: typically the channel reader
// decodes frames on its goroutine and a task encodes on the runtime's
// thread, each with its own Codec. Everything else in the package is plain
// data and safe to share once built.
package msg
