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
// The fixed message types are encoded and decoded by code that
// internal/fieldgen generates from their declarations (run go generate
// after changing one), which keeps the hot path free of reflection and
// allocation and lets [Codec.Decode] promise never to panic. Payloads, the user values inside Started, Yield, Return,
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
// Decoding is bounded the same way whether a payload came in a frame or
// was built locally: a container length must fit in the bytes that follow
// it.
//
// Registrations are made once, on the [Codec] (NewCodec's options), and
// that one Codec serves both message envelopes and payloads: give the same
// Codec to actor/ipc (ipc.WithCodec) and to the code decoding payloads.
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
// A [Codec] is safe for concurrent use: a channel's reader decodes frames
// on its goroutine while tasks encode on the runtime's thread, all with the
// same Codec. Everything else in the package is plain data and safe to
// share once built.
package msg
