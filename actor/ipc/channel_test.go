package ipc

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hitchrt/hitch/actor/msg"
)

// pair returns two connected Channels over loopback TCP, each logging to
// its own capture, both closed at cleanup.
func pair(t testing.TB, opts ...Option) (a, b *Channel, alog, blog *capture) {
	t.Helper()
	alog, blog = newCapture(), newCapture()
	ln, err := Listen(context.Background(), Addr{}, testToken())
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	type res struct {
		ch  *Channel
		err error
	}
	cfg, err := newConfig("Listen", forListen, append([]Option{WithLogger(blog.logger()), WithIdentity(msg.Identity{Name: "b", UID: "b-uid"}), testToken()}, opts...))
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan res, 1)
	go func() {
		conn, err := ln.ln.Accept()
		if err != nil {
			got <- res{err: err}
			return
		}
		ch, err := accept(conn, cfg, nil)
		got <- res{ch, err}
	}()
	a = dial(t, ln.Addr(), append([]Option{WithLogger(alog.logger()), WithIdentity(msg.Identity{Name: "a", UID: "a-uid", PID: 42})}, opts...)...)
	r := <-got
	if r.err != nil {
		t.Fatal(r.err)
	}
	b = r.ch
	t.Cleanup(func() { b.Close() })
	return a, b, alog, blog
}

func recvEnd(t *testing.T, ch *Channel) *TransportClosed {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	for {
		m, err := ch.Recv(ctx)
		if err == nil {
			t.Logf("drained %T", m)
			continue
		}
		var tc *TransportClosed
		if !errors.As(err, &tc) || !errors.Is(err, ErrClosed) {
			t.Fatalf("Recv error = %v, want a TransportClosed", err)
		}
		return tc
	}
}

func TestPeerIdentity(t *testing.T) {
	a, b, _, _ := pair(t)
	if p := b.Peer(); p.Name != "a" || p.UID != "a-uid" || p.PID != 42 || p.Nonce == nil || p.Proof != nil {
		t.Fatalf("b sees peer %+v", p)
	}
	if p := a.Peer(); p.Name != "b" || p.UID != "b-uid" {
		t.Fatalf("a sees peer %+v", p)
	}
}

func TestSendRecvInOrder(t *testing.T) {
	a, b, _, _ := pair(t)
	const n = 1000
	go func() {
		for i := range n {
			a.Send(bg, &msg.Yield{Cid: "c", Pld: msg.Raw{byte(i % 100)}})
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	for i := range n {
		m, err := b.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if y := m.(*msg.Yield); y.Pld[0] != byte(i%100) {
			t.Fatalf("message %d carries %d", i, y.Pld[0])
		}
	}
}

func TestCloseCausePeerEOF(t *testing.T) {
	a, b, _, blog := pair(t)
	a.Send(bg, &msg.Stop{Cid: "last"})
	a.Close()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if m, err := b.Recv(ctx); err != nil || m.(*msg.Stop).Cid != "last" {
		t.Fatalf("queued message before close lost: %v %v", m, err)
	}
	tc := recvEnd(t, b)
	if tc.Cause != CausePeerEOF || tc.Level() >= slog.LevelInfo {
		t.Fatalf("end = %+v, want peer EOF below Info, not raised", tc)
	}
	if recs := blog.waitFor(t, "a@a-uid"); len(recs) != 1 || recs[0].Level >= slog.LevelInfo {
		t.Fatalf("log = %v, want one line below Info", recs)
	}
	if err := b.Err(); !errors.Is(err, ErrClosed) {
		t.Fatalf("Err = %v", err)
	}
}

func TestCloseCauseReset(t *testing.T) {
	a, b, _, _ := pair(t)
	a.conn.(*net.TCPConn).SetLinger(0) // close sends RST
	a.Close()
	tc := recvEnd(t, b)
	if tc.Cause != CauseReset || tc.Level() >= slog.LevelInfo {
		t.Fatalf("end = %+v, want reset below Info", tc)
	}
}

func TestCloseCauseLocalCloseWhileReceiving(t *testing.T) {
	_, b, _, blog := pair(t)
	got := make(chan *TransportClosed, 1)
	go func() {
		_, err := b.Recv(context.Background())
		var tc *TransportClosed
		errors.As(err, &tc)
		got <- tc
	}()
	b.Close()
	tc := <-got
	if tc == nil || tc.Cause != CauseLocalClose || tc.Level() >= slog.LevelInfo {
		t.Fatalf("end = %+v, want local close, raised, below Info", tc)
	}
	if recs := blog.waitFor(t, "a@a-uid"); len(recs) != 1 {
		t.Fatalf("%d log lines, want 1", len(recs))
	}
}

func TestCloseCauseSendAfterClose(t *testing.T) {
	a, _, _, _ := pair(t)
	a.Close()
	a.Close() // repeat is harmless
	err := a.Send(bg, &msg.Stop{Cid: "x"})
	var tc *TransportClosed
	if !errors.As(err, &tc) || tc.Cause != CauseSendClosed {
		t.Fatalf("Send after Close = %v, want send-after-close", err)
	}
}

func TestSendTooLargeKeepsChannel(t *testing.T) {
	a, b, _, _ := pair(t, WithMaxFrame(64))
	err := a.Send(bg, &msg.Yield{Cid: "big", Pld: msg.Raw(append([]byte{0xc4, 100}, make([]byte, 100)...))})
	if !errors.Is(err, ErrFrame) {
		t.Fatalf("oversized Send = %v, want ErrFrame", err)
	}
	if err := a.Send(bg, &msg.Stop{Cid: "small"}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if m, err := b.Recv(ctx); err != nil || m.(*msg.Stop).Cid != "small" {
		t.Fatalf("after a refused send: %v %v", m, err)
	}
}

func TestOversizedIncomingFrameBreaks(t *testing.T) {
	a, b, _, blog := pair(t, WithMaxFrame(64))
	a.mu.Lock()
	a.max = 1 << 20 // let this side send what the other refuses
	a.mu.Unlock()
	if err := a.SendRaw(bg, make([]byte, 100)); err != nil {
		t.Fatal(err)
	}
	tc := recvEnd(t, b)
	if tc.Cause != CauseBroken || tc.Level() != slog.LevelWarn || !errors.Is(tc, ErrFrame) {
		t.Fatalf("end = %+v, want broken at Warn with a frame error", tc)
	}
	if recs := blog.waitFor(t, "a@a-uid"); len(recs) != 1 {
		t.Fatalf("%d log lines, want 1", len(recs))
	}
}

func TestRecvHonoursContext(t *testing.T) {
	_, b, _, _ := pair(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := b.Recv(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Recv with a cancelled ctx = %v", err)
	}
}

// TestCloseWithStuckPeer: a peer that stops reading cannot make Close hang;
// a Send blocked on the full queue returns send-after-close.
func TestCloseWithStuckPeer(t *testing.T) {
	old := closeFlushTimeout
	closeFlushTimeout = 50 * time.Millisecond
	defer func() { closeFlushTimeout = old }()
	a, _, _, _ := pair(t)
	pld := append(msg.Raw{0xc5, 0xea, 0x60}, make([]byte, 60000)...)
	sent := make(chan error, 1)
	go func() {
		for i := 0; ; i++ {
			if err := a.Send(bg, &msg.Yield{Cid: "flood", Pld: pld}); err != nil {
				sent <- err
				return
			}
		}
	}()
	// Wait until the send queue is full: Send is blocked behind a writer
	// that cannot write.
	deadline := time.After(testTimeout)
	for {
		a.mu.Lock()
		full := len(a.pend) >= a.highLen
		a.mu.Unlock()
		if full {
			break
		}
		select {
		case err := <-sent:
			t.Fatalf("Send failed early: %v", err)
		case <-time.After(time.Millisecond):
		case <-deadline:
			t.Fatal("the send queue never filled")
		}
	}
	a.Close()
	var tc *TransportClosed
	if err := <-sent; !errors.As(err, &tc) || tc.Cause != CauseSendClosed {
		t.Fatalf("blocked Send returned %v, want send-after-close", err)
	}
}

var bg = context.Background()

// stuckPair is pair with a peer that never reads and a small send queue.
func stuckPair(t *testing.T) *Channel {
	old := closeFlushTimeout
	closeFlushTimeout = 50 * time.Millisecond
	t.Cleanup(func() { closeFlushTimeout = old })
	a, _, _, _ := pair(t, WithSendQueue(64<<10))
	return a
}

// fillQueue sends until TrySend reports the queue full.
func fillQueue(t *testing.T, a *Channel) {
	t.Helper()
	pld := append(msg.Raw{0xc5, 0x3f, 0xff}, make([]byte, 0x3fff)...)
	for i := 0; ; i++ {
		err := a.TrySend(&msg.Yield{Cid: "flood", Pld: pld})
		if errors.Is(err, ErrSendQueueFull) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if i > 100000 {
			t.Fatal("the queue never filled")
		}
	}
}

// TestTrySendFullThenWritable: TrySend fails at once on a full queue;
// WhenWritable's callback runs when the Channel ends (here, by Close), and
// reports false when there is room.
func TestTrySendFullThenWritable(t *testing.T) {
	a := stuckPair(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// Until the peer's socket buffer is full, the writer goroutine may take
	// the queue between fillQueue and the next call, making room again:
	// fill and try again until the writer is stuck in its write.
	var called chan struct{}
	for i := 0; ; i++ {
		if i == 1000 {
			t.Fatal("the send queue never stayed full")
		}
		fillQueue(t, a)
		err := a.Send(ctx, &msg.Stop{Cid: "x"})
		if err == nil {
			continue // there was room after all
		}
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Send on a full queue with a cancelled ctx = %v", err)
		}
		c := make(chan struct{})
		if a.WhenWritable(func() { close(c) }) {
			called = c
			break
		}
	}
	a.Close()
	<-called
	if a.WhenWritable(func() { t.Error("called after the end") }) {
		t.Fatal("WhenWritable after the end arranged a call")
	}
	var tc *TransportClosed
	if err := a.TrySend(&msg.Stop{Cid: "x"}); !errors.As(err, &tc) || tc.Cause != CauseSendClosed {
		t.Fatalf("TrySend after Close = %v", err)
	}
}

// TestWhenWritableOnDrain: the callback runs once the writer has taken the
// queue, and TrySend then succeeds.
func TestWhenWritableOnDrain(t *testing.T) {
	a, b, _, _ := pair(t, WithSendQueue(64<<10))
	// b reads nothing until the queue is full.
	fillQueue(t, a)
	room := make(chan struct{})
	if !a.WhenWritable(func() { close(room) }) {
		t.Skip("the writer drained the queue already")
	}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	go func() {
		for {
			if _, err := b.Recv(ctx); err != nil {
				return
			}
		}
	}()
	<-room
	if err := a.TrySend(&msg.Stop{Cid: "after"}); err != nil {
		t.Fatalf("TrySend after the callback: %v", err)
	}
}

// TestOnMessageDeliversInOrderThenEnd: every message reaches the callback
// in order, on one goroutine at a time, then the end once.
func TestOnMessageDeliversInOrderThenEnd(t *testing.T) {
	a, b, _, _ := pair(t)
	const n = 500
	var got []int
	var ends []error
	done := make(chan struct{})
	var busy atomic.Bool
	b.OnMessage(func(m msg.Msg, err error) {
		if !busy.CompareAndSwap(false, true) {
			t.Error("two callbacks at once")
		}
		defer busy.Store(false)
		if err != nil {
			ends = append(ends, err)
			close(done)
			return
		}
		got = append(got, int(m.(*msg.Yield).Pld[0]))
	})
	for i := range n {
		if err := a.Send(bg, &msg.Yield{Cid: "c", Pld: msg.Raw{byte(i % 100)}}); err != nil {
			t.Fatal(err)
		}
	}
	a.Close()
	<-done
	if len(got) != n {
		t.Fatalf("%d messages delivered, want %d", len(got), n)
	}
	for i, v := range got {
		if v != i%100 {
			t.Fatalf("message %d carries %d", i, v)
		}
	}
	var tc *TransportClosed
	if len(ends) != 1 || !errors.As(ends[0], &tc) || tc.Cause != CausePeerEOF {
		t.Fatalf("ends = %v, want one peer EOF", ends)
	}
}

// TestCloseFromOnMessage: the callback may close its own Channel.
func TestCloseFromOnMessage(t *testing.T) {
	a, b, _, _ := pair(t)
	end := make(chan error, 1)
	b.OnMessage(func(m msg.Msg, err error) {
		if err != nil {
			end <- err
			return
		}
		b.Close()
	})
	a.Send(bg, &msg.Stop{Cid: "x"})
	var tc *TransportClosed
	if err := <-end; !errors.As(err, &tc) || tc.Cause != CauseLocalClose {
		t.Fatalf("end = %v, want local close", err)
	}
}

// TestReceiveModeMisuse: Recv after OnMessage, and OnMessage twice, panic
// with a message naming the mistake; OnMessage on an ended Channel
// reports the end at once.
func TestReceiveModeMisuse(t *testing.T) {
	a, b, _, _ := pair(t)
	b.OnMessage(func(msg.Msg, error) {})
	for _, tc := range []struct {
		name string
		f    func()
		want string
	}{
		{"recv", func() { b.Recv(bg) }, "Recv on a Channel whose messages go to OnMessage"},
		{"twice", func() { b.OnMessage(func(msg.Msg, error) {}) }, "OnMessage called twice"},
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(r.(string), tc.want) {
					t.Fatalf("%s: panic %v, want %q", tc.name, r, tc.want)
				}
			}()
			tc.f()
		}()
	}
	a.Close()
	var got error
	a.OnMessage(func(_ msg.Msg, err error) { got = err })
	if !errors.Is(got, ErrClosed) {
		t.Fatalf("OnMessage on a closed Channel delivered %v", got)
	}
}

// TestSendNilMessage: a nil message is an encode error; the Channel stays
// open.
func TestSendNilMessage(t *testing.T) {
	a, b, _, _ := pair(t)
	if err := a.Send(bg, nil); err == nil || !strings.Contains(err.Error(), "nil message") {
		t.Fatalf("Send(nil) = %v", err)
	}
	if err := a.TrySend(&msg.Stop{Cid: "ok"}); err != nil {
		t.Fatal(err)
	}
	if m, err := b.Recv(bg); err != nil || m.(*msg.Stop).Cid != "ok" {
		t.Fatalf("after Send(nil): %v %v", m, err)
	}
}

// TestRecvCancelledMidFrameResumes: a Recv whose ctx ends while a frame is
// half read returns ctx's error, and the next Recv carries on with the same
// frame (header or body cut anywhere), even after the progress bound has
// passed meanwhile; the stream stays aligned.
func TestRecvCancelledMidFrameResumes(t *testing.T) {
	for _, tc := range []struct {
		name string
		size int
		cut  int // bytes of the frame sent before the cancel
	}{
		{"header", 16, 2},
		{"small-body", 1 << 10, 100},
		{"large-body", 300 << 10, 100 << 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const progress = 300 * time.Millisecond
			a, b, _, _ := pair(t, WithFrameProgress(progress))
			y := &msg.Yield{Cid: "c1", Pld: binPayload(tc.size)}
			body, err := b.codec.Encode(nil, y)
			if err != nil {
				t.Fatal(err)
			}
			frame, _ := AppendFrame(nil, body, 0)
			if _, err := a.conn.Write(frame[:tc.cut]); err != nil {
				t.Fatal(err)
			}
			for range 2 { // the second call resumes the first's frame
				ctx, cancel := context.WithTimeout(bg, progress/10)
				_, err := b.Recv(ctx)
				cancel()
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("Recv on a partial frame = %v, want the ctx's deadline", err)
				}
			}
			// Nobody reads for longer than the progress bound: that is
			// not the peer's stall.
			time.Sleep(progress + progress/3)
			if _, err := a.conn.Write(frame[tc.cut:]); err != nil {
				t.Fatal(err)
			}
			if err := a.Send(bg, &msg.Stop{Cid: "next"}); err != nil {
				t.Fatal(err)
			}
			m, err := b.Recv(bg)
			if err != nil {
				t.Fatal(err)
			}
			if got, ok := m.(*msg.Yield); !ok || got.Cid != "c1" || !bytes.Equal(got.Pld, y.Pld) {
				t.Fatalf("resumed Recv = %T, want the whole Yield", m)
			}
			if m, err := b.Recv(bg); err != nil || m.(*msg.Stop).Cid != "next" {
				t.Fatalf("next Recv = %v, %v", m, err)
			}
		})
	}
}

// TestRecvManyCallers: concurrent Recv calls share the messages, each
// delivered once, with ctxs of their own.
func TestRecvManyCallers(t *testing.T) {
	a, b, _, _ := pair(t)
	const n = 200
	got := make(chan string, n)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithCancel(bg)
			defer cancel()
			for {
				m, err := b.Recv(ctx)
				if err != nil {
					return
				}
				got <- m.(*msg.Stop).Cid
			}
		}()
	}
	for i := range n {
		if err := a.Send(bg, &msg.Stop{Cid: strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	for range n {
		s := <-got
		if seen[s] {
			t.Fatalf("message %s delivered twice", s)
		}
		seen[s] = true
	}
	a.Close()
	wg.Wait()
}

// TestReleaseRecyclesLargeBodies: a released large message's buffer takes
// a later one; a message not released is never overwritten, and Release
// of anything else does nothing.
func TestReleaseRecyclesLargeBodies(t *testing.T) {
	for _, size := range []int{1 << 10, 64 << 10} {
		t.Run(strconv.Itoa(size), func(t *testing.T) { testReleaseRecycles(t, size) })
	}
}

func testReleaseRecycles(t *testing.T, size int) {
	a, b, _, _ := pair(t)
	send := func(fill byte) {
		t.Helper()
		pld := binPayload(size)
		for i := 3; i < len(pld); i++ {
			pld[i] = fill
		}
		if err := a.Send(bg, &msg.Yield{Cid: "c", Pld: pld}); err != nil {
			t.Fatal(err)
		}
	}
	recv := func() *msg.Yield {
		t.Helper()
		m, err := b.Recv(bg)
		if err != nil {
			t.Fatal(err)
		}
		return m.(*msg.Yield)
	}
	send(1)
	kept := recv()
	send(2)
	released := recv()
	b.Release(released)
	b.Release(released)                            // twice: nothing more
	b.Release(&msg.Yield{Cid: "c", Pld: kept.Pld}) // not received: nothing
	b.Release(nil)
	send(3)
	reused := recv()
	if &reused.Pld[0] != &released.Pld[0] {
		t.Errorf("the released buffer was not reused")
	}
	for i, c := range kept.Pld[3:] {
		if c != 1 {
			t.Fatalf("unreleased message overwritten at %d", i)
		}
	}
	for _, c := range reused.Pld[3:] {
		if c != 3 {
			t.Fatal("reused buffer holds the wrong message")
		}
	}
}
