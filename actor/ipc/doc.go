// Package ipc owns how hitch actors' messages travel: length-prefixed frames
// over TCP or unix sockets, the authenticated handshake that opens every
// connection, and [Channel], the two-way message pipe the actor runtime
// multiplexes its dialogs over.
//
// # Frames
//
// Every message is one frame: a 4-byte big-endian body length, then the body
// (one message encoded by actor/msg). A length above the maximum
// ([DefaultMaxFrame], 32 MiB, or [WithMaxFrame]) is refused before anything
// is allocated, and no body is allocated in full on the strength of its
// length: past 256 KiB it grows as its bytes arrive. A frame that has
// started must keep arriving ([WithFrameProgress]). [FrameReader] never
// panics, whatever it reads.
//
// # Connections
//
// [Listen] binds loopback TCP on an ephemeral port by default; unix sockets
// are created atomically with mode 0600, a stale one is replaced, and a
// Listener removes only its own. [Listener.Serve] accepts, handshakes and
// hands each good [Channel] to a callback. [Dial] is the connecting side.
// Both need the tree's auth token ([WithToken]); running without one takes
// an explicit [InsecureNoToken].
//
// # Handshake
//
// The dialer speaks first, with a random nonce; the listener answers with
// its own nonce and nothing else. The dialer proves it holds the token with
// an HMAC-SHA256 over both nonces and its role; only then does the
// listener prove itself the same way and send its identity, and only once
// that proof checks out does the dialer send its own. The token never
// travels. A dialer whose proof is refused sees the connection close and
// [Dial] fails with an error matching [ErrAuth] saying the tokens differ.
//
// # Security model
//
// The token is what lets a peer in: every connection proves it before
// anything the peer sends is acted on, and before either side learns the
// other's identity (name, uid, pid, registry role). Proofs are bound to
// both sides' fresh nonces and to the direction, so a proof recorded from
// one connection cannot be replayed on another or reflected back at its
// maker.
//
// A peer without the token can connect and send bytes, and that is all.
// It learns nothing about the listener but a random nonce, and, when it
// fails, that the connection closed. What it costs the listener is
// bounded: handshake frames are at most 4 KiB and read through a small
// buffer; the whole handshake is bounded in time ([WithHandshakeTimeout]);
// at most [WithMaxHandshakes] connections handshake at once, and at the cap
// the ones that have not even sent their opening nonce are dropped first,
// so a flood holds a bounded number of descriptors and a few KiB each, and
// a legitimate peer still gets through. Authenticated Channels are not
// affected by any of it.
//
// The token does not encrypt or sign the traffic that follows: anyone who
// can read or alter the bytes between two actors (on a shared network)
// can read the messages, and an on-path attacker can relay a handshake
// between two honest actors. Keep trees on loopback, unix sockets or a
// trusted network, or carry the connections over a secure tunnel. A peer
// holding the token is trusted as far as the protocol goes; it is still
// bounded by the frame limit and the progress bound, and is dropped for
// bad input.
//
// What is logged: a peer dropped during the handshake gives one Warn line
// naming its address (never an identity it has not proved), at most a few
// per cause (timeout, bad frame, bad message, wrong proof, dropped at the
// cap) every 10 s; past that the drops are counted, and the count is
// logged when the window ends or Serve returns. A connection that closes
// without a word (a probe) logs below Info. An authenticated peer dropped
// for bad input gives one Warn line naming it; normal ends log at
// [LevelTransport], below Info.
//
// # Who runs what
//
// Each Channel has a writer goroutine, which writes everything queued since
// its last write in one call (a request or reply, or a large frame, found
// with no write in progress is written by its sender at once, with a write
// that never waits). Recv reads and decodes on its caller's goroutine;
// OnMessage starts a reader goroutine. Channel has a table of which send
// and receive forms may be called from where. Channel.Release hands back
// the buffer of a large received message for the next one. Tasks of an actor/sc runner use a TaskChannel (ForTasks): its
// Recv and Send park the task, never the runner, with the reader goroutine
// delivering into an sc.Inbox and a full send queue waited out through
// WhenWritable. Plain goroutines use Send and Recv. Serve runs one goroutine
// per connection for the handshake and the callback.
//
// # Waiting for an answer
//
// A read that finds nothing parks in Go's network poller, and between two
// processes the poller's wake-up is most of a round trip. So a Channel
// that waits for an answer (it wrote once or twice since it last
// received, or its last read was a small one) keeps reading without
// waiting, yielding the processor between tries, for up to
// [DefaultBusyPoll] before it parks; the answer usually arrives inside that
// window. An idle Channel never polls; the sender of a one-way stream
// never does, and its receiver only after a small read, not while it
// catches up in large ones. A read whose ctx ends, or a Close, stops the
// poll at once. A process that can run on one CPU only does not poll by
// default: the poll would hold the processor the peer needs to answer.
// [WithBusyPoll] sets the window; 0 turns polling off.
//
// # Ends
//
// Every end of a Channel is a [*TransportClosed] (matching [ErrClosed])
// whose cause is peer EOF, reset, local close, send after close, or broken
// (bad input). Normal ends are logged at [LevelTransport], below Info; a
// broken connection logs at Warn. The logger is [WithLogger],
// slog.Default() by default.
package ipc
