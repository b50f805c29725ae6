package ipc

import (
	"bytes"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/hitchrt/hitch/actor/msg"
)

// scriptConn is a net.Conn whose peer's bytes are a fixed script; what is
// written to it is kept.
type scriptConn struct {
	in  *bytes.Reader
	out bytes.Buffer
}

func (c *scriptConn) Read(b []byte) (int, error) { return c.in.Read(b) }
func (c *scriptConn) Write(b []byte) (int, error) {
	return c.out.Write(b)
}
func (c *scriptConn) Close() error                     { return nil }
func (c *scriptConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (c *scriptConn) RemoteAddr() net.Addr             { return &net.TCPAddr{Port: 1} }
func (c *scriptConn) SetDeadline(time.Time) error      { return nil }
func (c *scriptConn) SetReadDeadline(time.Time) error  { return nil }
func (c *scriptConn) SetWriteDeadline(time.Time) error { return nil }

// FuzzHandshakeListener plays arbitrary bytes at the listener's side of the
// handshake, as a peer without the token would. The listener must refuse
// (a peer cannot prove a token it does not hold, against a fresh nonce),
// never panic, say nothing before the peer has spoken and nothing but its
// nonce before a good proof, and answer with at most one frame.
func FuzzHandshakeListener(f *testing.F) {
	c := msg.MustCodec()
	enc := func(m msg.Msg) []byte {
		b, _ := c.Encode(nil, m)
		return rawFrame(b)
	}
	hello := enc(&msg.Identity{Nonce: nonce(1)})
	f.Add([]byte{})
	f.Add(hello)
	f.Add(append(append([]byte{}, hello...), enc(&msg.Identity{Proof: make([]byte, 32)})...))
	f.Add(append(append([]byte{}, hello...), enc(&msg.Identity{Name: "x", Proof: nonce(2)})...))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{0, 0, 0x10, 0x01, 1, 2})
	f.Add(enc(&msg.Stop{Cid: "x"}))
	f.Add(rawFrame([]byte{0xc1}))
	cfg, err := newConfig("Listen", forListen, []Option{testToken(), quiet(), WithIdentity(msg.Identity{Name: "listener-secret"})})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		conn := &scriptConn{in: bytes.NewReader(data)}
		peer, err := handshake(conn, newHandshakeReader(conn), cfg, roleListen, nil)
		if err == nil {
			t.Fatalf("a peer without the token got in as %+v", peer)
		}
		var he *HandshakeError
		if !errors.As(err, &he) {
			t.Fatalf("error %v is not a HandshakeError", err)
		}
		said := conn.out.Bytes()
		if bytes.Contains(said, []byte("listener-secret")) {
			t.Fatal("the listener revealed its identity to a peer without the token")
		}
		fr := NewFrameReader(bytes.NewReader(said), 0)
		n := 0
		for {
			body, err := fr.ReadFrame()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("the listener wrote a bad frame: %v", err)
			}
			m, err := c.Decode(body)
			if err != nil || !isBareNonce(m) {
				t.Fatalf("the listener said %v (%v), want only its nonce", m, err)
			}
			n++
		}
		if n > 1 || (n == 1 && len(data) < headerLen) {
			t.Fatalf("the listener wrote %d frames for a %d-byte peer", n, len(data))
		}
	})
}
