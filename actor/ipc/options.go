package ipc

import (
	"log/slog"
	"time"

	"github.com/hitchrt/hitch/actor/msg"
)

// DefaultHandshakeTimeout bounds a connection's handshake when no
// [WithHandshakeTimeout] option is given.
const DefaultHandshakeTimeout = 5 * time.Second

// Option configures [Listen], [Dial] and the channels they make.
type Option func(*config)

type config struct {
	logger    *slog.Logger
	token     []byte
	self      msg.Identity
	maxFrame  int
	hsTimeout time.Duration
	codecOpts []msg.Option
	recvQueue int
	sendQueue int
}

func newConfig(opts []Option) *config {
	c := &config{maxFrame: DefaultMaxFrame, hsTimeout: DefaultHandshakeTimeout, recvQueue: 256, sendQueue: 1 << 20}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	if c.logger == nil {
		c.logger = slog.Default()
	}
	return c
}

// WithLogger sets where connection events are logged; nil (the default)
// means slog.Default(). Normal ends log at [msg.LevelTransport], below Info;
// a dropped peer logs one Warn line naming it.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithToken sets the tree's auth token. Both ends of a connection must hold
// the same token; it never travels, only proofs of it do. The default is an
// empty token, which every peer without a token also holds.
func WithToken(token []byte) Option {
	return func(c *config) { c.token = append([]byte(nil), token...) }
}

// WithIdentity sets the identity this side announces in the handshake. Its
// Nonce and Proof fields are ignored: the handshake fills them.
func WithIdentity(id msg.Identity) Option { return func(c *config) { c.self = id } }

// WithMaxFrame sets the largest frame body accepted or sent; n <= 0 means
// [DefaultMaxFrame].
func WithMaxFrame(n int) Option {
	return func(c *config) {
		if n <= 0 {
			n = DefaultMaxFrame
		}
		c.maxFrame = n
	}
}

// WithHandshakeTimeout bounds the handshake; d <= 0 means
// [DefaultHandshakeTimeout].
func WithHandshakeTimeout(d time.Duration) Option {
	return func(c *config) {
		if d <= 0 {
			d = DefaultHandshakeTimeout
		}
		c.hsTimeout = d
	}
}

// WithCodecOptions passes opts (such as msg.WithExtension) to the codecs a
// channel makes for each direction.
func WithCodecOptions(opts ...msg.Option) Option {
	return func(c *config) { c.codecOpts = append(c.codecOpts, opts...) }
}
