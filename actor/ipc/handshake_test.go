package ipc

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hitchrt/hitch/actor/msg"
)

// readAllFrames reads messages from conn until it closes.
func readAllFrames(t testing.TB, conn net.Conn) []msg.Msg {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(testTimeout))
	fr := NewFrameReader(conn, 0)
	var out []msg.Msg
	for {
		body, err := fr.ReadFrame()
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatal("the listener did not close the connection")
			}
			return out
		}
		m, err := msg.MustCodec().Decode(body)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
}

// isBareNonce reports whether m is an Identity carrying a nonce and
// nothing else.
func isBareNonce(m msg.Msg) bool {
	id, ok := m.(*msg.Identity)
	return ok && len(id.Nonce) == nonceLen && id.Name == "" && id.UID == "" && id.PID == 0 && !id.IsRegistry && !id.Probe && id.Proof == nil
}

// rawPeer speaks the handshake by hand, as the dialer.
type rawPeer struct {
	t    testing.TB
	conn net.Conn
	fr   *FrameReader
	nd   []byte
	nl   []byte
}

func newRawPeer(t testing.TB, addr Addr) *rawPeer {
	t.Helper()
	conn, err := net.Dial(addr.Network, addr.Address)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(testTimeout))
	return &rawPeer{t: t, conn: conn, fr: NewFrameReader(conn, 0)}
}

func (p *rawPeer) send(m msg.Msg) {
	p.t.Helper()
	if _, err := p.conn.Write(rawFrame(mustEncode(p.t, m))); err != nil {
		p.t.Fatal(err)
	}
}

func (p *rawPeer) recv() (msg.Msg, error) {
	body, err := p.fr.ReadFrame()
	if err != nil {
		return nil, err
	}
	return msg.MustCodec().Decode(body)
}

// hello sends a nonce and returns the listener's.
func (p *rawPeer) hello(nd []byte) []byte {
	p.t.Helper()
	p.nd = nd
	p.send(&msg.Identity{Nonce: nd})
	m, err := p.recv()
	if err != nil {
		p.t.Fatalf("reading the listener's nonce: %v", err)
	}
	if !isBareNonce(m) {
		p.t.Fatalf("the listener answered %#v, want a bare nonce", m)
	}
	p.nl = m.(*msg.Identity).Nonce
	return p.nl
}

// refused checks that the listener closes the connection, saying nothing
// more.
func (p *rawPeer) refused() {
	p.t.Helper()
	if rest := readAllFrames(p.t, p.conn); len(rest) != 0 {
		p.t.Fatalf("after a bad proof the listener said %v, want nothing", rest)
	}
}

func nonce(b byte) []byte { return bytes.Repeat([]byte{b}, nonceLen) }

var tok = []byte("tree-token")

// TestListenerSaysNothingFirst: a peer that connects and waits hears
// nothing at all before the listener hangs up.
func TestListenerSaysNothingFirst(t *testing.T) {
	s := startServer(t, WithHandshakeTimeout(100*time.Millisecond))
	p := newRawPeer(t, s.ln.Addr())
	if got := readAllFrames(t, p.conn); len(got) != 0 {
		t.Fatalf("the listener spoke first: %v", got)
	}
	checkOneWarn(t, s.log.waitFor(t, p.conn.LocalAddr().String()), "timeout")
}

// TestHandshakeIdentityOnlyAfterProof: the listener's identity comes only
// in answer to a good proof, and the dialer's identity only after that.
func TestHandshakeIdentityOnlyAfterProof(t *testing.T) {
	s := startServer(t)
	p := newRawPeer(t, s.ln.Addr())
	p.hello(nonce(3))
	p.send(&msg.Identity{Proof: proof(tok, roleDial, p.nd, p.nl)})
	m, err := p.recv()
	if err != nil {
		t.Fatal(err)
	}
	id, ok := m.(*msg.Identity)
	if !ok || id.Name != "server" || !bytes.Equal(id.Proof, proof(tok, roleListen, p.nd, p.nl)) {
		t.Fatalf("answer to a good proof = %#v", m)
	}
	p.send(&msg.Identity{Name: "raw", UID: "raw-uid"})
	p.send(&msg.Yield{Cid: "c", Pld: msg.Raw{0x2a}})
	if m, err := p.recv(); err != nil || m.(*msg.Yield).Cid != "c" {
		t.Fatalf("echo = %v, %v", m, err)
	}
}

// TestHandshakeReflectionRefused: a proof made for the listener's role,
// offered as the dialer's, is refused (proofs are bound to a direction).
func TestHandshakeReflectionRefused(t *testing.T) {
	s := startServer(t)
	p := newRawPeer(t, s.ln.Addr())
	p.hello(nonce(4))
	p.send(&msg.Identity{Proof: proof(tok, roleListen, p.nd, p.nl)})
	p.refused()
	s.log.waitForErr(t, "proof is wrong", 1)
}

// TestHandshakeReplayRefused: a proof that let one connection in is
// refused on another with the same opening nonce (proofs are bound to the
// listener's fresh nonce too).
func TestHandshakeReplayRefused(t *testing.T) {
	s := startServer(t)
	first := newRawPeer(t, s.ln.Addr())
	first.hello(nonce(5))
	recorded := proof(tok, roleDial, first.nd, first.nl)
	first.send(&msg.Identity{Proof: recorded})
	if _, err := first.recv(); err != nil {
		t.Fatalf("the recorded proof was not accepted first: %v", err)
	}
	replay := newRawPeer(t, s.ln.Addr())
	if nl := replay.hello(nonce(5)); bytes.Equal(nl, first.nl) {
		t.Fatal("the listener reused its nonce")
	}
	replay.send(&msg.Identity{Proof: recorded})
	replay.refused()
	s.log.waitForErr(t, "proof is wrong", 1)
}

// fakeListener accepts one connection and runs script on it.
func fakeListener(t *testing.T, script func(p *rawPeer)) Addr {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(testTimeout))
		script(&rawPeer{t: t, conn: conn, fr: NewFrameReader(conn, 0)})
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return TCP(ln.Addr().String())
}

// TestDialRefusesListenerWithoutToken: a listener that cannot prove the
// token (here it sends the dialer's own proof back) is refused, and learns
// nothing of the dialer: the dialer sends no identity.
func TestDialRefusesListenerWithoutToken(t *testing.T) {
	heard := make(chan []msg.Msg, 1)
	addr := fakeListener(t, func(p *rawPeer) {
		var got []msg.Msg
		hello, _ := p.recv()
		got = append(got, hello)
		p.send(&msg.Identity{Nonce: nonce(9)})
		pm, _ := p.recv()
		got = append(got, pm)
		p.send(&msg.Identity{Name: "impostor", Proof: pm.(*msg.Identity).Proof}) // reflected
		for {
			m, err := p.recv()
			if err != nil {
				break
			}
			got = append(got, m)
		}
		heard <- got
	})
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	_, err := Dial(ctx, addr, testToken(), WithIdentity(msg.Identity{Name: "secret-name"}))
	if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "listener's proof is wrong") {
		t.Fatalf("Dial = %v, want the listener's proof refused", err)
	}
	got := <-heard
	if len(got) != 2 || !isBareNonce(got[0]) {
		t.Fatalf("the fake listener heard %v, want a nonce and a proof only", got)
	}
	if id := got[1].(*msg.Identity); id.Name != "" || id.Proof == nil {
		t.Fatalf("the dialer's proof message carried %#v", id)
	}
}

// TestDialListenerHangsUpEarly: a listener that closes before answering
// (at its cap, say) is not reported as an auth failure.
func TestDialListenerHangsUpEarly(t *testing.T) {
	addr := fakeListener(t, func(p *rawPeer) { p.recv() })
	_, err := Dial(context.Background(), addr, testToken())
	if !errors.Is(err, ErrHandshake) || errors.Is(err, ErrAuth) {
		t.Fatalf("Dial = %v, want a non-auth handshake error", err)
	}
}

// TestHandshakeFramesAllocateLittle: 100 unauthenticated connections that
// each announce a huge frame (the handshake limit refuses them) and 100
// that announce one just under the limit and stop cost the listener little
// memory.
func TestHandshakeFramesAllocateLittle(t *testing.T) {
	s := startServer(t, WithHandshakeTimeout(time.Minute), WithMaxHandshakes(1000))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var conns []net.Conn
	for i := range 200 {
		c, err := net.Dial("tcp", s.ln.Addr().Address)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		hdr := []byte{0x01, 0xff, 0xff, 0xff}
		if i%2 == 1 {
			hdr = []byte{0, 0, 0x0f, 0xff}
		}
		c.Write(hdr)
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	s.log.waitForErr(t, "exceeds the maximum", 5)
	waitFor(t, func() bool { return s.ln.pendingLen() == 100 })
	runtime.ReadMemStats(&after)
	if d := after.TotalAlloc - before.TotalAlloc; d > 32<<20 {
		t.Fatalf("200 hostile connections allocated %d MiB", d>>20)
	}
	good := dial(t, s.ln.Addr())
	roundTrip(t, good, "x")
}

// waitFor polls cond until it holds, failing after testTimeout.
func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition never held")
		}
		time.Sleep(time.Millisecond)
	}
}

func (l *Listener) pendingLen() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.waiting[0].Len() + l.waiting[1].Len()
}

// TestHandshakeCapDropsOldest: at the cap, a new connection makes room by
// dropping the oldest handshake; a legitimate client gets in past a wall
// of silent connections, and an authenticated one is unaffected.
func TestHandshakeCapDropsOldest(t *testing.T) {
	s := startServer(t, WithMaxHandshakes(4), WithHandshakeTimeout(time.Minute))
	established := dial(t, s.ln.Addr())
	var silent []net.Conn
	for range 4 {
		c, err := net.Dial("tcp", s.ln.Addr().Address)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		silent = append(silent, c)
		waitFor(t, func() bool { return s.ln.pendingLen() == len(silent) })
	}
	fresh := dial(t, s.ln.Addr())
	roundTrip(t, fresh, "fresh")
	roundTrip(t, established, "established")
	if got := readAllFrames(t, silent[0]); len(got) != 0 {
		t.Fatalf("the dropped connection heard %v", got)
	}
	checkOneWarn(t, s.log.waitFor(t, silent[0].LocalAddr().String()), "dropped to make room")
	if s.ln.pendingLen() != 3 {
		t.Fatalf("%d handshakes pending, want the 3 newest silent ones", s.ln.pendingLen())
	}
}

// TestFloodLogsAreBounded: many peers dropped for one cause give a few
// lines, then one line with the count.
func TestFloodLogsAreBounded(t *testing.T) {
	old := logWindow
	logWindow = time.Hour
	defer func() { logWindow = old }()
	s := startServer(t)
	const n = 30
	for range n {
		c, err := net.Dial("tcp", s.ln.Addr().Address)
		if err != nil {
			t.Fatal(err)
		}
		c.Write(rawFrame([]byte{0xc1}))
		readAllFrames(t, c)
		c.Close()
	}
	waitFor(t, func() bool {
		s.ln.logs.mu.Lock()
		defer s.ln.logs.mu.Unlock()
		w := s.ln.logs.causes["message"]
		return w != nil && w.logged+w.suppressed == n
	})
	if got := len(s.log.withErr("malformed")); got != logBurst {
		t.Fatalf("%d lines for %d dropped peers, want %d", got, n, logBurst)
	}
	s.ln.logs.close()
	var sum *slog.Record
	for _, r := range s.log.all() {
		if r.Message == "ipc: more peers dropped than logged" {
			r := r
			sum = &r
		}
	}
	if sum == nil || attr(*sum, "unlogged") != "25" || attr(*sum, "cause") != "message" {
		t.Fatalf("summary line = %v, want 25 unlogged for cause message", sum)
	}
}

// TestStalledFrameDropsPeer: an authenticated peer that starts a big frame
// and then trickles is dropped once the progress bound passes, with one
// line naming it.
func TestStalledFrameDropsPeer(t *testing.T) {
	s := startServer(t, WithFrameProgress(100*time.Millisecond))
	p := newRawPeer(t, s.ln.Addr())
	p.hello(nonce(6))
	p.send(&msg.Identity{Proof: proof(tok, roleDial, p.nd, p.nl)})
	if _, err := p.recv(); err != nil {
		t.Fatal(err)
	}
	p.send(&msg.Identity{Name: "trickler", UID: "trickle-uid"})
	p.conn.Write([]byte{0x01, 0xe0, 0, 0, 0x93}) // 30 MiB announced, one byte sent
	if _, err := io.Copy(io.Discard, p.conn); err != nil && !isReset(err) {
		t.Fatalf("the listener did not hang up: %v", err)
	}
	checkOneWarn(t, s.log.waitFor(t, "trickler"), "frame stalled")
}

// TestOptionErrors: a missing token, an invalid value and an option the
// function cannot honour are errors naming the option.
func TestOptionErrors(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		run  func() error
		want string
	}{
		{"listen without token", func() error { _, err := Listen(ctx, Addr{}); return err }, "WithToken"},
		{"dial without token", func() error { _, err := Dial(ctx, TCP("127.0.0.1:1")); return err }, "InsecureNoToken"},
		{"empty token", func() error { _, err := Listen(ctx, Addr{}, WithToken(nil)); return err }, "WithToken: empty token"},
		{"both", func() error { _, err := Listen(ctx, Addr{}, testToken(), InsecureNoToken()); return err }, "both WithToken and InsecureNoToken"},
		{"max frame", func() error { _, err := Listen(ctx, Addr{}, testToken(), WithMaxFrame(0)); return err }, "WithMaxFrame"},
		{"handshake timeout", func() error { _, err := Dial(ctx, Addr{}, testToken(), WithHandshakeTimeout(-1)); return err }, "WithHandshakeTimeout"},
		{"progress", func() error { _, err := Dial(ctx, Addr{}, testToken(), WithFrameProgress(0)); return err }, "WithFrameProgress"},
		{"send queue", func() error { _, err := Dial(ctx, Addr{}, testToken(), WithSendQueue(0)); return err }, "WithSendQueue"},
		{"nil codec", func() error { _, err := Dial(ctx, Addr{}, testToken(), WithCodec(nil)); return err }, "WithCodec: nil codec"},
		{"cap on dial", func() error { _, err := Dial(ctx, Addr{}, testToken(), WithMaxHandshakes(3)); return err }, "WithMaxHandshakes does not apply to Dial"},
		{"cap zero", func() error { _, err := Listen(ctx, Addr{}, testToken(), WithMaxHandshakes(0)); return err }, "WithMaxHandshakes"},
		{"nil option", func() error { _, err := Listen(ctx, Addr{}, testToken(), nil); return err }, "nil Option"},
		{"huge identity", func() error {
			_, err := Listen(ctx, Addr{}, testToken(), WithIdentity(msg.Identity{Name: strings.Repeat("x", 5000)}))
			return err
		}, "handshake frame limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "ipc: ") {
				t.Fatalf("err = %v, want one naming %q", err, tt.want)
			}
		})
	}
	if _, err := Listen(ctx, Addr{}); !errors.Is(err, ErrNoToken) {
		t.Fatalf("Listen without a token = %v, want ErrNoToken", err)
	}
}

// TestInsecureNoToken: both sides opting out connect; a side with a token
// and one without do not.
func TestInsecureNoToken(t *testing.T) {
	s := startServer(t) // has a token
	_, err := Dial(context.Background(), s.ln.Addr(), InsecureNoToken())
	if !errors.Is(err, ErrAuth) {
		t.Fatalf("insecure Dial to a listener with a token = %v, want ErrAuth", err)
	}
	ln, err := Listen(context.Background(), Addr{}, InsecureNoToken(), quiet())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(context.Background())
	wg.Add(1)
	go func() {
		defer wg.Done()
		ln.Serve(ctx, func(ctx context.Context, ch *Channel) { ch.Close() })
	}()
	ch, err := Dial(ctx, ln.Addr(), InsecureNoToken())
	if err != nil {
		t.Fatal(err)
	}
	ch.Close()
	cancel()
	wg.Wait()
}
