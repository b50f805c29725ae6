package ipc

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/hitchrt/hitch/actor/msg"
)

// The handshake, run by both sides at once right after connecting, each
// writing before it reads (every frame is small, so neither side blocks):
//
//  1. send Identity{own fields, Nonce: 32 random bytes}; read the peer's.
//  2. send Identity{Proof: HMAC-SHA256(token, peerNonce || ownRole)}; read
//     the peer's proof and check it against HMAC-SHA256(token, ownNonce ||
//     peerRole). The token itself never travels, and the role ("dial" or
//     "listen") stops a proof from being reflected back at its maker.
//  3. send the verdict: an empty Identity to accept, an Error to refuse;
//     read the peer's.
//
// Nothing the peer sends is handed on before step 3 succeeds. The whole
// exchange is bounded by the handshake timeout.

const nonceLen = 32

const (
	roleDial   = "dial"
	roleListen = "listen"
)

// ErrAuth is the category of handshakes that failed authentication: the
// peer's proof was wrong, or the peer refused ours. Such errors are
// [*HandshakeError]s.
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

func proof(token, nonce []byte, role string) []byte {
	m := hmac.New(sha256.New, token)
	m.Write(nonce)
	m.Write([]byte(role))
	return m.Sum(nil)
}

// hsConn is the synchronous framed connection used during the handshake.
type hsConn struct {
	conn net.Conn
	fr   *FrameReader
	enc  *msg.Codec
	dec  *msg.Codec
	buf  []byte
	max  int
	peer string
}

func (h *hsConn) send(m msg.Msg) error {
	b := append(h.buf[:0], 0, 0, 0, 0)
	b, err := h.enc.Encode(b, m)
	if err != nil {
		return err
	}
	putLen(b)
	h.buf = b
	_, err = h.conn.Write(b)
	return err
}

func (h *hsConn) recv() (msg.Msg, error) {
	body, err := h.fr.ReadFrame()
	if err != nil {
		return nil, err
	}
	return h.dec.Decode(body)
}

// handshake runs the exchange on conn and returns the peer's identity.
func handshake(conn net.Conn, fr *FrameReader, enc, dec *msg.Codec, cfg *config, role string) (*msg.Identity, error) {
	peerRole := roleListen
	if role == roleListen {
		peerRole = roleDial
	}
	h := &hsConn{conn: conn, fr: fr, enc: enc, dec: dec, peer: conn.RemoteAddr().String()}
	fail := func(auth bool, reason string, err error) error {
		return &HandshakeError{Peer: h.peer, Auth: auth, Reason: reason, Err: err}
	}
	if err := conn.SetDeadline(time.Now().Add(cfg.hsTimeout)); err != nil {
		return nil, fail(false, "setting the deadline", err)
	}
	self := cfg.self
	self.Nonce = make([]byte, nonceLen)
	if _, err := rand.Read(self.Nonce); err != nil {
		return nil, fail(false, "making a nonce", err)
	}
	self.Proof = nil
	if err := h.send(&self); err != nil {
		return nil, fail(false, "sending identity", err)
	}
	m, err := h.recv()
	if err != nil {
		return nil, fail(false, "reading identity", err)
	}
	peer, ok := m.(*msg.Identity)
	if !ok {
		return nil, fail(false, fmt.Sprintf("expected Identity, got %s", m.Kind()), nil)
	}
	if len(peer.Nonce) != nonceLen {
		return nil, fail(false, fmt.Sprintf("identity nonce is %d bytes, want %d", len(peer.Nonce), nonceLen), nil)
	}
	peerID := *peer
	peerID.Nonce = append([]byte(nil), peer.Nonce...)
	h.peer += " " + peerID.ID().String()

	if err := h.send(&msg.Identity{Proof: proof(cfg.token, peerID.Nonce, role)}); err != nil {
		return nil, fail(false, "sending proof", err)
	}
	if m, err = h.recv(); err != nil {
		return nil, fail(false, "reading proof", err)
	}
	pm, ok := m.(*msg.Identity)
	if !ok {
		return nil, fail(false, fmt.Sprintf("expected Identity proof, got %s", m.Kind()), nil)
	}
	if !hmac.Equal(pm.Proof, proof(cfg.token, self.Nonce, peerRole)) {
		// Best effort: tell the peer why before hanging up.
		_ = h.send(&msg.Error{Message: "ipc: auth proof rejected by " + conn.LocalAddr().String()})
		return nil, fail(true, "peer's auth token proof is wrong", nil)
	}
	if err := h.send(&msg.Identity{}); err != nil {
		return nil, fail(false, "sending verdict", err)
	}
	if m, err = h.recv(); err != nil {
		return nil, fail(false, "reading verdict", err)
	}
	switch v := m.(type) {
	case *msg.Identity:
	case *msg.Error:
		return nil, fail(true, "peer refused our auth token proof: "+v.Message, nil)
	default:
		return nil, fail(false, fmt.Sprintf("expected verdict, got %s", m.Kind()), nil)
	}
	if err := conn.SetDeadline(time.Time{}); err != nil {
		return nil, fail(false, "clearing the deadline", err)
	}
	peerID.Proof = nil
	return &peerID, nil
}
