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
	codec     *msg.Codec
	recvQueue int
	sendQueue int
}

func newConfig(opts []Option) *config {
	c := &config{codec: defaultCodec, maxFrame: DefaultMaxFrame, hsTimeout: DefaultHandshakeTimeout, recvQueue: 256, sendQueue: 1 << 20}
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
// means slog.Default(). Normal ends log at [LevelTransport], below Info;
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

// WithCodec sets the codec channels encode and decode messages with; the
// default is a codec with no payload types registered. Give the same Codec
// to the code that encodes and decodes payloads.
func WithCodec(c *msg.Codec) Option { return func(cfg *config) { cfg.codec = c } }

var defaultCodec = msg.MustCodec()
