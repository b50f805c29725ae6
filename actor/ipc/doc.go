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
// is allocated. [FrameReader] never panics, whatever it reads.
//
// # Connections
//
// [Listen] binds loopback TCP on an ephemeral port by default; unix sockets
// are created with mode 0600. [Listener.Serve] accepts, handshakes and hands
// each good [Channel] to a callback; a peer that sends anything bad before
// or during the handshake is dropped with one log line naming it, and the
// listener keeps serving others. [Dial] is the connecting side.
//
// # Handshake and auth
//
// Both sides send their identity with a fresh random nonce, then prove they
// hold the tree's auth token ([WithToken]) with an HMAC-SHA256 over the
// peer's nonce and their own role; the token never travels. A wrong proof
// closes the connection before any message is acted on: the refusing side
// logs one line naming the peer, the other side's [Dial] (or handshake)
// fails with an error matching [ErrAuth].
//
// # Who runs what
//
// Each Channel runs two goroutines of its own: a reader that decodes frames
// and queues messages for [Channel.Recv], and a writer that flushes
// everything queued by [Channel.Send] since its last write in one write
// call. Send and Recv never wait on the network (Send waits only while its
// queue is over 1 MiB). Serve runs one goroutine per connection for the
// handshake and the callback.
//
// # Ends
//
// Every end of a Channel is a *TransportClosed whose cause is peer EOF,
// reset, local close, send after close, or broken (bad input). Normal ends
// are logged at LevelTransport, below Info; a broken connection logs at
// Warn. The logger is [WithLogger], slog.Default() when nil.
package ipc
