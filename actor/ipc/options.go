package ipc

import (
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"time"

	"github.com/hitchrt/hitch/actor/msg"
)

// Defaults for the options below.
const (
	// DefaultHandshakeTimeout bounds a connection's whole handshake.
	DefaultHandshakeTimeout = 5 * time.Second
	// DefaultMaxHandshakes is how many connections a Listener lets prove
	// the token at once.
	DefaultMaxHandshakes = 64
	// DefaultFrameProgress bounds how long a frame that has started may go
	// without 64 KiB (or its rest) arriving.
	DefaultFrameProgress = 10 * time.Second
	// DefaultSendQueue is how many bytes of encoded frames a Channel holds
	// for its writer before [Channel.Send] waits and [Channel.TrySend]
	// fails.
	DefaultSendQueue = 1 << 20
	// DefaultBusyPoll is how long a Channel's reader waiting for an
	// answer keeps polling before it parks, in a process that may run on
	// more than one CPU (see [WithBusyPoll]).
	DefaultBusyPoll = 100 * time.Microsecond
)

// ErrNoToken is returned by [Listen] and [Dial] when neither [WithToken]
// nor [InsecureNoToken] is given.
var ErrNoToken = errors.New("ipc: no auth token")

// An Option configures [Listen] or [Dial] and the Channels they make. An
// option given to a function it does not apply to (a Listener-only option
// given to Dial) is an error, and so is an invalid value; both name the
// option.
type Option interface {
	apply(*config) error
}

// use says which functions an option applies to.
type use uint8

const (
	forListen use = 1 << iota
	forDial
	forBoth = forListen | forDial
)

type option struct {
	name string
	use  use
	f    func(*config) error
}

func (o option) apply(c *config) error {
	if o.use&c.use == 0 {
		return fmt.Errorf("ipc: %s: %s does not apply to %s", c.fn, o.name, c.fn)
	}
	if err := o.f(c); err != nil {
		return fmt.Errorf("ipc: %s: %s: %w", c.fn, o.name, err)
	}
	return nil
}

type config struct {
	fn  string // "Listen" or "Dial", for errors
	use use

	logger        *slog.Logger
	token         []byte
	hasToken      bool
	insecure      bool
	self          msg.Identity
	codec         *msg.Codec
	maxFrame      int
	hsTimeout     time.Duration
	maxHandshakes int
	progress      time.Duration
	sendQueue     int
	busyPoll      time.Duration // < 0: the default, decided per process (see pollWindow)
}

var defaultCodec = msg.MustCodec()

// newConfig applies opts over the defaults for fn ("Listen" or "Dial").
func newConfig(fn string, u use, opts []Option) (*config, error) {
	c := &config{
		fn:            fn,
		use:           u,
		logger:        slog.Default(),
		codec:         defaultCodec,
		maxFrame:      DefaultMaxFrame,
		hsTimeout:     DefaultHandshakeTimeout,
		maxHandshakes: DefaultMaxHandshakes,
		progress:      DefaultFrameProgress,
		sendQueue:     DefaultSendQueue,
		busyPoll:      -1,
	}
	for _, o := range opts {
		if o == nil {
			return nil, fmt.Errorf("ipc: %s: nil Option", fn)
		}
		if err := o.apply(c); err != nil {
			return nil, err
		}
	}
	if !c.hasToken && !c.insecure {
		return nil, fmt.Errorf("%w: %s needs ipc.WithToken(token), or ipc.InsecureNoToken() to run without one", ErrNoToken, fn)
	}
	if c.hasToken && c.insecure {
		return nil, fmt.Errorf("ipc: %s: both WithToken and InsecureNoToken given", fn)
	}
	if n := identitySize(&c.self); n > maxHandshakeFrame {
		return nil, fmt.Errorf("ipc: %s: WithIdentity: the identity encodes to %d bytes, over the handshake frame limit of %d", fn, n, maxHandshakeFrame)
	}
	return c, nil
}

// WithToken sets the tree's auth token, which every peer must prove it
// holds before anything it sends is acted on. Both ends of a connection
// need the same token; it never travels, only proofs of it do. An empty
// token is an error: use [InsecureNoToken] to run without one.
func WithToken(token []byte) Option {
	token = append([]byte(nil), token...)
	return option{"WithToken", forBoth, func(c *config) error {
		if len(token) == 0 {
			return errors.New("empty token (use InsecureNoToken to run without one)")
		}
		c.token, c.hasToken = token, true
		return nil
	}}
}

// InsecureNoToken lets Listen or Dial run without an auth token: any peer
// that can reach the address is let in. Use it only where the address
// itself is private (a unix socket in a private directory, a test).
func InsecureNoToken() Option {
	return option{"InsecureNoToken", forBoth, func(c *config) error {
		c.insecure = true
		return nil
	}}
}

// WithLogger sets where connection events are logged; nil means
// slog.Default() (the default). Normal ends log at [LevelTransport], below
// Info; a dropped peer logs one Warn line naming it, and a flood of them a
// few lines and a count.
func WithLogger(l *slog.Logger) Option {
	return option{"WithLogger", forBoth, func(c *config) error {
		if l == nil {
			l = slog.Default()
		}
		c.logger = l
		return nil
	}}
}

// WithIdentity sets the identity this side announces once the peer has
// proved the token. Its Nonce and Proof fields are ignored: the handshake
// fills them. An identity too large for a handshake frame (4 KiB) is an
// error.
func WithIdentity(id msg.Identity) Option {
	return option{"WithIdentity", forBoth, func(c *config) error {
		id.Nonce, id.Proof = nil, nil
		c.self = id
		return nil
	}}
}

// WithCodec sets the codec Channels encode and decode messages with; the
// default has no payload types registered. Give the same Codec to the code
// that encodes and decodes payloads, so both agree on registered types.
func WithCodec(codec *msg.Codec) Option {
	return option{"WithCodec", forBoth, func(c *config) error {
		if codec == nil {
			return errors.New("nil codec")
		}
		c.codec = codec
		return nil
	}}
}

// WithMaxFrame sets the largest frame body accepted or sent, in bytes
// (default [DefaultMaxFrame]); it must be positive and below 4 GiB.
func WithMaxFrame(n int) Option {
	return option{"WithMaxFrame", forBoth, func(c *config) error {
		if n <= 0 || uint64(n) > 1<<32-1 {
			return fmt.Errorf("size %d out of range (want 1 to 4 GiB-1)", n)
		}
		c.maxFrame = n
		return nil
	}}
}

// WithHandshakeTimeout bounds a connection's whole handshake (default
// [DefaultHandshakeTimeout]); d must be positive.
func WithHandshakeTimeout(d time.Duration) Option {
	return option{"WithHandshakeTimeout", forBoth, func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("timeout %v: want a positive duration", d)
		}
		c.hsTimeout = d
		return nil
	}}
}

// WithMaxHandshakes caps the connections a Listener lets run the handshake
// at once (default [DefaultMaxHandshakes]); n must be positive. When a new
// connection arrives at the cap, one in progress is dropped to make room:
// the oldest that has not yet sent its opening nonce, else the oldest
// waiting to prove the token. So a flood of silent or trickling connections
// cannot hold a descriptor each, nor lock out a legitimate peer, which
// sends its nonce at once and then only competes with peers that did the
// same. Authenticated Channels do not count. Listen only.
func WithMaxHandshakes(n int) Option {
	return option{"WithMaxHandshakes", forListen, func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("cap %d: want a positive number", n)
		}
		c.maxHandshakes = n
		return nil
	}}
}

// WithFrameProgress bounds how slowly a frame may arrive once it has
// started (default [DefaultFrameProgress]): each further 64 KiB of it, or
// its rest, must arrive within d, or the peer is dropped with one log line
// naming it and the frame's buffer is released. Time between frames is not
// bounded. d must be positive.
func WithFrameProgress(d time.Duration) Option {
	return option{"WithFrameProgress", forBoth, func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("bound %v: want a positive duration", d)
		}
		c.progress = d
		return nil
	}}
}

// WithSendQueue sets how many bytes of encoded frames a Channel holds for
// its writer (default [DefaultSendQueue]); beyond it [Channel.Send] waits
// and [Channel.TrySend] fails with [ErrSendQueueFull]. n must be positive.
func WithSendQueue(n int) Option {
	return option{"WithSendQueue", forBoth, func(c *config) error {
		if n <= 0 {
			return fmt.Errorf("size %d: want a positive number of bytes", n)
		}
		c.sendQueue = n
		return nil
	}}
}

// WithBusyPoll sets how long a Channel's reader waiting for an answer
// keeps polling the socket, yielding the processor between tries, before
// it parks in the network poller. It polls only within d of the exchange
// it waits on, so an idle Channel costs nothing, and a busy one at most d
// of processor time per exchange. The poll saves the poller's wake-up,
// which is most of a round trip between two processes on one machine; 0
// turns it off (every read that finds nothing parks at once). d must not
// be negative. Unix only; elsewhere it is accepted and has no effect.
//
// Without this option the window is [DefaultBusyPoll] when the process may
// run on more than one CPU (runtime.NumCPU and GOMAXPROCS, which follows a
// container's CPU limit, both above 1), and 0 otherwise: on one CPU the
// poll would hold the processor that the peer needs to answer.
func WithBusyPoll(d time.Duration) Option {
	return option{"WithBusyPoll", forBoth, func(c *config) error {
		if d < 0 {
			return fmt.Errorf("window %v: want zero (off) or a positive duration", d)
		}
		c.busyPoll = d
		return nil
	}}
}

// pollWindow is the busy-poll window of a Channel made with c.
func (c *config) pollWindow() time.Duration {
	if c.busyPoll >= 0 {
		return c.busyPoll
	}
	if runtime.NumCPU() > 1 && runtime.GOMAXPROCS(0) > 1 {
		return DefaultBusyPoll
	}
	return 0
}
