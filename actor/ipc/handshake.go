package ipc

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/hitchrt/hitch/actor/msg"
)

// The handshake. The dialer speaks first; the listener says nothing about
// itself, and each side keeps its identity until the other has proved the
// token:
//
//	dialer                                   listener
//	  Identity{Nonce: Nd}          ->
//	                               <-          Identity{Nonce: Nl}
//	  Identity{Proof: P(dial)}     ->          checks P(dial); on a wrong proof
//	                                           it closes the connection, saying
//	                                           nothing
//	                               <-          Identity{its fields, Proof: P(listen)}
//	  checks P(listen)
//	  Identity{its fields}         ->
//
// where P(role) = HMAC-SHA256(token, "hitch ipc v1 " || role || 0 || Nd || Nl),
// with Nd and Nl 32 random bytes each. Binding each proof to both nonces
// means a proof recorded from an earlier connection is useless (a replay),
// and binding it to the role means the listener's proof cannot be sent back
// to it as a dialer's (a reflection). The token itself never travels. Every
// frame is at most 4 KiB, and the whole exchange is bounded by the
// handshake timeout.
//
// A dialer whose proof is refused sees the connection close right after
// sending it, and reports that the tokens differ (it cannot tell whose
// token is wrong, and the listener does not say).

const nonceLen = 32

const (
	roleDial   = "dial"
	roleListen = "listen"
)

// ErrAuth is the category of handshakes that failed authentication: the
// peer's proof was wrong, or the listener refused ours because the tokens
// differ. Such errors are [*HandshakeError]s.
var ErrAuth = errors.New("ipc: authentication failed")

// ErrHandshake is the category of every failed handshake.
var ErrHandshake = errors.New("ipc: handshake failed")

// HandshakeError says why a handshake with Peer failed. It matches
// [ErrHandshake], and [ErrAuth] when Auth is set.
type HandshakeError struct {
	Peer   string // the peer's address, and its identity once known
	Auth   bool   // an authentication failure
	Reason string
	Err    error

	cause string // the log limiter's key: timeout, closed, probe, frame, message, auth, evicted
}

// Error names the peer and the reason.
func (e *HandshakeError) Error() string {
	s := "ipc: handshake with " + e.Peer + " failed: " + e.Reason
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Is matches ErrHandshake, and ErrAuth for authentication failures.
func (e *HandshakeError) Is(target error) bool {
	return target == ErrHandshake || (e.Auth && target == ErrAuth)
}

// Unwrap returns the underlying error.
func (e *HandshakeError) Unwrap() error { return e.Err }

func proof(token []byte, role string, nd, nl []byte) []byte {
	m := hmac.New(sha256.New, token)
	m.Write([]byte("hitch ipc v1 "))
	m.Write([]byte(role))
	m.Write([]byte{0})
	m.Write(nd)
	m.Write(nl)
	return m.Sum(nil)
}

// identitySize is how many bytes id takes in a handshake frame, with a
// proof.
func identitySize(id *msg.Identity) int {
	full := *id
	full.Proof = make([]byte, sha256.Size)
	b, _ := defaultCodec.Encode(nil, &full)
	return len(b)
}

// hsConn is the synchronous framed connection used during the handshake.
type hsConn struct {
	conn  net.Conn
	fr    *FrameReader
	codec *msg.Codec
	buf   []byte
	peer  string

	onNonce func() // the listener's: called once the opening nonce has arrived
}

func (h *hsConn) fail(cause, reason string, err error) *HandshakeError {
	he := &HandshakeError{Peer: h.peer, Reason: reason, Err: err, cause: cause}
	switch {
	case cause == "auth":
		he.Auth = true
	case errors.Is(err, os.ErrDeadlineExceeded):
		he.cause, he.Reason = "timeout", reason+": timeout"
	case errors.Is(err, ErrFrame):
		he.cause = "frame"
	case errors.Is(err, msg.ErrMalformed):
		he.cause = "message"
	case errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET), errors.Is(err, net.ErrClosed), errors.Is(err, syscall.EPIPE):
		he.cause = "closed"
	}
	return he
}

func (h *hsConn) send(m *msg.Identity) error {
	b, err := h.codec.Encode(append(h.buf[:0], 0, 0, 0, 0), m)
	if err != nil {
		return err
	}
	putLen(b)
	h.buf = b
	_, err = h.conn.Write(b)
	return err
}

// recv reads the next handshake message, which must be an Identity.
func (h *hsConn) recv(step string) (*msg.Identity, *HandshakeError) {
	body, err := h.fr.ReadFrame()
	if err != nil {
		return nil, h.fail("", "reading "+step, err)
	}
	m, err := h.codec.Decode(body)
	if err != nil {
		return nil, h.fail("message", "reading "+step, err)
	}
	id, ok := m.(*msg.Identity)
	if !ok {
		return nil, h.fail("message", fmt.Sprintf("reading %s: expected Identity, got %s", step, m.Kind()), nil)
	}
	return id, nil
}

func newNonce() ([]byte, error) {
	n := make([]byte, nonceLen)
	_, err := rand.Read(n)
	return n, err
}

// handshake runs role's side of the exchange on conn, whose input fr
// reads, and returns the peer's identity (its Nonce set to the peer's
// nonce). On failure it returns a *HandshakeError.
func handshake(conn net.Conn, fr *FrameReader, cfg *config, role string, onNonce func()) (*msg.Identity, error) {
	h := &hsConn{conn: conn, fr: fr, codec: cfg.codec, peer: conn.RemoteAddr().String(), onNonce: onNonce}
	if err := conn.SetDeadline(time.Now().Add(cfg.hsTimeout)); err != nil {
		return nil, h.fail("", "setting the deadline", err)
	}
	own, err := newNonce()
	if err != nil {
		return nil, h.fail("", "making a nonce", err)
	}
	var peer *msg.Identity
	if role == roleDial {
		peer, err = h.dial(cfg, own)
	} else {
		peer, err = h.listen(cfg, own)
	}
	if err != nil {
		return nil, err
	}
	if err := conn.SetDeadline(time.Time{}); err != nil {
		return nil, h.fail("", "clearing the deadline", err)
	}
	return peer, nil
}

func (h *hsConn) dial(cfg *config, nd []byte) (*msg.Identity, error) {
	if err := h.send(&msg.Identity{Nonce: nd}); err != nil {
		return nil, h.fail("", "sending the opening nonce", err)
	}
	ch, herr := h.recv("the listener's nonce")
	if herr != nil {
		if herr.cause == "closed" {
			herr.Reason = "the listener closed the connection before answering (it may be at its limit of handshakes in progress)"
		}
		return nil, herr
	}
	if len(ch.Nonce) != nonceLen {
		return nil, h.fail("message", fmt.Sprintf("the listener's nonce is %d bytes, want %d", len(ch.Nonce), nonceLen), nil)
	}
	nl := append([]byte(nil), ch.Nonce...)
	if err := h.send(&msg.Identity{Proof: proof(cfg.token, roleDial, nd, nl)}); err != nil {
		return nil, h.fail("", "sending our proof", err)
	}
	lid, herr := h.recv("the listener's proof")
	if herr != nil {
		if herr.cause == "closed" {
			// A listener closes the connection at this point only when our
			// proof was wrong.
			herr.Auth, herr.cause, herr.Err = true, "auth", nil
			herr.Reason = "the auth tokens differ: the listener refused our proof of ours"
		}
		return nil, herr
	}
	if !hmac.Equal(lid.Proof, proof(cfg.token, roleListen, nd, nl)) {
		return nil, h.fail("auth", "the listener's proof is wrong: it does not hold our auth token", nil)
	}
	self := cfg.self
	if err := h.send(&self); err != nil {
		return nil, h.fail("", "sending our identity", err)
	}
	peer := *lid
	peer.Nonce, peer.Proof = nl, nil
	h.peer += " " + peer.ID().String()
	return &peer, nil
}

func (h *hsConn) listen(cfg *config, nl []byte) (*msg.Identity, error) {
	hello, herr := h.recv("the opening nonce")
	if herr != nil {
		if herr.cause == "closed" {
			herr.cause = "probe" // connected and hung up without a word
		}
		return nil, herr
	}
	if len(hello.Nonce) != nonceLen {
		return nil, h.fail("message", fmt.Sprintf("the opening nonce is %d bytes, want %d", len(hello.Nonce), nonceLen), nil)
	}
	nd := append([]byte(nil), hello.Nonce...)
	if h.onNonce != nil {
		h.onNonce()
	}
	if err := h.send(&msg.Identity{Nonce: nl}); err != nil {
		return nil, h.fail("", "sending our nonce", err)
	}
	pm, herr := h.recv("the dialer's proof")
	if herr != nil {
		return nil, herr
	}
	if !hmac.Equal(pm.Proof, proof(cfg.token, roleDial, nd, nl)) {
		// Say nothing: the caller closes the connection.
		return nil, h.fail("auth", "the peer's proof is wrong: it does not hold the auth token", nil)
	}
	self := cfg.self
	self.Proof = proof(cfg.token, roleListen, nd, nl)
	if err := h.send(&self); err != nil {
		return nil, h.fail("", "sending our proof", err)
	}
	did, herr := h.recv("the dialer's identity")
	if herr != nil {
		return nil, herr
	}
	peer := *did
	peer.Nonce, peer.Proof = nd, nil
	h.peer += " " + peer.ID().String()
	return &peer, nil
}
