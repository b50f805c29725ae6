package ipc

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hitchrt/hitch/actor/msg"
)

// rawFrame builds one frame around body.
func rawFrame(body []byte) []byte {
	b, err := AppendFrame(nil, body, 0)
	if err != nil {
		panic(err)
	}
	return b
}

// TestListenerSurvivesBadPeers is W4 (and the wrong-token half of W5): each
// bad peer is dropped with one Warn line naming it, and a good client keeps
// round-tripping on one long-lived connection and on fresh ones after each.
func TestListenerSurvivesBadPeers(t *testing.T) {
	s := startServer(t)
	good := dial(t, s.ln.Addr(), WithIdentity(msg.Identity{Name: "good"}))
	roundTrip(t, good, "before")

	cases := []struct {
		name      string
		send      []byte
		closeSend bool // half-close after sending, so the frame is cut short
		wantErr   string
	}{
		{name: "garbage", send: rawFrame([]byte{0xc1, 0xc1, 0xc1}), wantErr: "malformed"},
		{name: "text garbage", send: []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), wantErr: "exceeds the maximum"},
		{name: "truncated frame", send: []byte{0, 0, 0, 100, 1, 2, 3}, closeSend: true, wantErr: "inside a frame body"},
		{name: "truncated header", send: []byte{0, 0}, closeSend: true, wantErr: "inside a frame header"},
		{name: "huge length", send: []byte{0xff, 0xff, 0xff, 0xff}, wantErr: "exceeds the maximum"},
		{name: "unknown type", send: rawFrame([]byte{0x92, 0x63, 0xc0}), wantErr: "unknown message kind 99"},
		{name: "wrong first message", send: rawFrame(mustEncode(t, &msg.Stop{Cid: "x"})), wantErr: "expected Identity"},
		{name: "short nonce", send: rawFrame(mustEncode(t, &msg.Identity{Nonce: []byte{1}})), wantErr: "nonce is 1 bytes"},
		{name: "over the handshake limit", send: []byte{0, 0, 0x10, 0x01}, wantErr: "exceeds the maximum"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", s.ln.Addr().Address)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			peer := conn.LocalAddr().String()
			if _, err := conn.Write(tc.send); err != nil {
				t.Fatal(err)
			}
			if tc.closeSend {
				conn.(*net.TCPConn).CloseWrite()
			}
			// The server closes the connection: reading ends.
			conn.SetReadDeadline(time.Now().Add(testTimeout))
			if _, err := io.Copy(io.Discard, conn); err != nil && !errors.Is(err, net.ErrClosed) && !isReset(err) {
				t.Fatalf("server did not close the connection: %v", err)
			}
			recs := s.log.waitFor(t, peer)
			checkOneWarn(t, recs, tc.wantErr)
			roundTrip(t, good, "after-"+tc.name)
			fresh := dial(t, s.ln.Addr(), WithIdentity(msg.Identity{Name: "fresh"}))
			roundTrip(t, fresh, "fresh")
			fresh.Close()
			if rs := s.log.matching(peer); len(rs) != 1 {
				t.Fatalf("case %d: %d log lines name the bad peer, want 1", i, len(rs))
			}
		})
	}

	t.Run("wrong token", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		before := len(s.log.withErr("proof is wrong"))
		ch, err := Dial(ctx, s.ln.Addr(), WithToken([]byte("guess")), WithIdentity(msg.Identity{Name: "mallory", UID: "mallory-uid"}))
		if err == nil {
			ch.Close()
			t.Fatal("Dial with a wrong token succeeded")
		}
		if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "tokens") || !strings.Contains(err.Error(), "differ") || strings.Contains(err.Error(), "listener's proof") {
			t.Fatalf("Dial error = %v, want an ErrAuth saying the tokens differ", err)
		}
		recs := s.log.waitForErr(t, "proof is wrong", before+1)
		if r := recs[len(recs)-1]; r.Level != slog.LevelWarn || strings.Contains(attr(r, "peer"), "mallory") {
			t.Fatalf("log line %v: want Warn, naming only the address", r)
		}
		roundTrip(t, good, "after-wrong-token")
		for _, n := range s.acceptedNames() {
			if n == "mallory" {
				t.Fatal("a peer with a wrong token reached the handler")
			}
		}
	})

	t.Run("garbage after handshake", func(t *testing.T) {
		c := dial(t, s.ln.Addr(), WithIdentity(msg.Identity{Name: "late-garbage", UID: "lg"}))
		roundTrip(t, c, "ok first")
		if err := c.SendRaw(bg, []byte{0x91, 0x63}); err != nil { // kind 99
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		_, err := c.Recv(ctx)
		var tc *TransportClosed
		if !errors.As(err, &tc) || tc.Cause != CausePeerEOF {
			t.Fatalf("client Recv = %v, want peer EOF", err)
		}
		recs := s.log.waitFor(t, "late-garbage")
		checkOneWarn(t, recs, "unknown message kind 99")
		roundTrip(t, good, "after-late-garbage")
	})
}

// TestSilentPeerTimesOut: a peer that connects and says nothing is dropped
// once the handshake timeout passes, with one line naming it.
func TestSilentPeerTimesOut(t *testing.T) {
	s := startServer(t, WithHandshakeTimeout(50*time.Millisecond))
	conn, err := net.Dial("tcp", s.ln.Addr().Address)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	recs := s.log.waitFor(t, conn.LocalAddr().String())
	checkOneWarn(t, recs, "timeout")
	good := dial(t, s.ln.Addr())
	roundTrip(t, good, "x")
}

// TestTokenRefusedBeforeActedOn is W5: a raw peer that knows the protocol
// but not the token sends its nonce, a forged proof, an identity and then a
// Start; the handler never sees it, and all the peer ever gets is the
// listener's nonce, then the connection closing.
func TestTokenRefusedBeforeActedOn(t *testing.T) {
	s := startServer(t)
	conn, err := net.Dial("tcp", s.ln.Addr().Address)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	peer := conn.LocalAddr().String()
	var out []byte
	out = append(out, rawFrame(mustEncode(t, &msg.Identity{Nonce: bytes.Repeat([]byte{7}, nonceLen)}))...)
	out = append(out, rawFrame(mustEncode(t, &msg.Identity{Proof: bytes.Repeat([]byte{1}, 32)}))...)
	out = append(out, rawFrame(mustEncode(t, &msg.Identity{Name: "forger"}))...)
	out = append(out, rawFrame(mustEncode(t, &msg.Start{Cid: "c1", Func: "boom"}))...)
	if _, err := conn.Write(out); err != nil {
		t.Fatal(err)
	}
	got := readAllFrames(t, conn)
	if len(got) != 1 || !isBareNonce(got[0]) {
		t.Fatalf("the forger got %v, want only the listener's nonce", got)
	}
	checkOneWarn(t, s.log.waitFor(t, peer), "proof is wrong")
	if n := s.acceptedNames(); len(n) != 0 {
		t.Fatalf("handler saw %v, want nobody", n)
	}
}

func TestUnixSocketMode0600(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "actor.sock")
	ln, err := Listen(context.Background(), Unix(path), testToken())
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode()&os.ModeSocket == 0 || st.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode = %v, want socket with 0600", st.Mode())
	}
	if got := ln.Addr().String(); got != "unix://"+path {
		t.Fatalf("Addr = %q", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() {
		served <- ln.Serve(ctx, func(ctx context.Context, ch *Channel) {
			defer ch.Close()
			if m, err := ch.Recv(ctx); err == nil {
				ch.Send(ctx, m)
			}
			// Recv reads on its caller's goroutine: the hang-up is seen
			// by the next one.
			_, _ = ch.Recv(ctx)
		})
	}()
	c := dial(t, ln.Addr())
	roundTrip(t, c, "unix")
	c.Close()
	cancel()
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("socket file still there after Close: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Fatalf("left behind in the socket dir: %v", entries)
	}
}

func TestListenDefaultsToLoopbackEphemeral(t *testing.T) {
	ln, err := Listen(context.Background(), Addr{}, testToken())
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	a := ln.Addr()
	host, port, err := net.SplitHostPort(a.Address)
	if err != nil || a.Network != "tcp" || host != "127.0.0.1" || port == "0" {
		t.Fatalf("default Addr = %v (%v)", a, err)
	}
}

func checkOneWarn(t *testing.T, recs []slog.Record, want string) {
	t.Helper()
	if len(recs) != 1 {
		t.Fatalf("%d log lines name the peer, want 1", len(recs))
	}
	r := recs[0]
	if r.Level != slog.LevelWarn {
		t.Fatalf("log level %v, want WARN", r.Level)
	}
	if e := attr(r, "err"); !strings.Contains(e, want) {
		t.Fatalf("log err %q does not mention %q", e, want)
	}
}

func isReset(err error) bool {
	var ne *net.OpError
	return errors.As(err, &ne) && strings.Contains(err.Error(), "reset")
}

func mustEncode(t testing.TB, m msg.Msg) []byte {
	t.Helper()
	b, err := msg.MustCodec().Encode(nil, m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDialSilentListenerTimesOut: Dial against something that accepts but
// never handshakes fails with ErrHandshake once the timeout passes.
func TestDialSilentListenerTimesOut(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
		close(accepted)
	}()
	_, err = Dial(context.Background(), TCP(ln.Addr().String()), testToken(), WithHandshakeTimeout(50*time.Millisecond))
	if !errors.Is(err, ErrHandshake) || errors.Is(err, ErrAuth) {
		t.Fatalf("Dial = %v, want a non-auth handshake error", err)
	}
	if c, ok := <-accepted; ok {
		c.Close()
	}
}
