//go:build unix

package ipc

import (
	"context"
	"errors"
	"net"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hitchrt/hitch/actor/msg"
)

// longPoll is a busy-poll window no test waits out: a read that returns
// well before it was not held up by the poll.
const longPoll = 20 * time.Second

// pollingPair returns a pair whose a has just sent a request, so a's next
// read busy-polls for its answer.
func pollingPair(t *testing.T) (a, b *Channel) {
	t.Helper()
	a, b, _, _ = pair(t, WithBusyPoll(longPoll))
	if err := a.TrySend(&msg.Stop{Cid: "request"}); err != nil {
		t.Fatal(err)
	}
	return a, b
}

func TestBusyPollOption(t *testing.T) {
	if _, err := newConfig("Dial", forDial, []Option{testToken(), WithBusyPoll(-time.Microsecond)}); err == nil || !strings.Contains(err.Error(), "WithBusyPoll") {
		t.Fatalf("negative window: err = %v, want one naming WithBusyPoll", err)
	}
	for _, d := range []time.Duration{0, time.Microsecond, longPoll} {
		a, b, _, _ := pair(t, WithBusyPoll(d))
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		for i := range 3 {
			if err := a.Send(ctx, &msg.Stop{Cid: "ping"}); err != nil {
				t.Fatal(err)
			}
			if m, err := b.Recv(ctx); err != nil || m.(*msg.Stop).Cid != "ping" {
				t.Fatalf("window %v, exchange %d: b got %v, %v", d, i, m, err)
			}
			if err := b.Send(ctx, &msg.Stop{Cid: "pong"}); err != nil {
				t.Fatal(err)
			}
			if m, err := a.Recv(ctx); err != nil || m.(*msg.Stop).Cid != "pong" {
				t.Fatalf("window %v, exchange %d: a got %v, %v", d, i, m, err)
			}
		}
		cancel()
	}
}

// A read polling for an answer sees the peer hang up, or reset, as any
// read would.
func TestBusyPollSeesPeerEnd(t *testing.T) {
	for _, tc := range []struct {
		name  string
		reset bool
		want  CloseCause
	}{{"eof", false, CausePeerEOF}, {"reset", true, CauseReset}} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := pollingPair(t)
			// Read the request first: a socket closed with unread input
			// resets the connection instead of ending it.
			if _, err := b.Recv(context.Background()); err != nil {
				t.Fatal(err)
			}
			errc := make(chan error, 1)
			go func() {
				_, err := a.Recv(context.Background())
				errc <- err
			}()
			time.Sleep(20 * time.Millisecond) // a is polling by now
			if tc.reset {
				b.conn.(*net.TCPConn).SetLinger(0)
			}
			b.conn.Close()
			select {
			case err := <-errc:
				var end *TransportClosed
				if !errors.As(err, &end) || end.Cause != tc.want {
					t.Fatalf("Recv = %v, want a TransportClosed for %v", err, tc.want)
				}
			case <-time.After(testTimeout):
				t.Fatal("the polling read missed the peer's end")
			}
		})
	}
}

// A polling read stops polling at once when its ctx ends or the Channel
// closes, rather than at the end of the window.
func TestBusyPollInterrupted(t *testing.T) {
	t.Run("ctx", func(t *testing.T) {
		a, _ := pollingPair(t)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		if _, err := a.Recv(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Recv = %v, want the ctx's deadline", err)
		}
		if d := time.Since(start); d > longPoll/2 {
			t.Fatalf("Recv returned after %v: the poll ignored the ctx", d)
		}
		// The next exchange still polls and still works.
		if err := a.TrySend(&msg.Stop{Cid: "again"}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("close", func(t *testing.T) {
		a, _ := pollingPair(t)
		errc := make(chan error, 1)
		go func() {
			_, err := a.Recv(context.Background())
			errc <- err
		}()
		time.Sleep(20 * time.Millisecond)
		a.Close()
		select {
		case err := <-errc:
			var end *TransportClosed
			if !errors.As(err, &end) || end.Cause != CauseLocalClose {
				t.Fatalf("Recv = %v, want a local close", err)
			}
		case <-time.After(longPoll / 2):
			t.Fatal("Close did not stop the polling read")
		}
	})
}

// Without WithBusyPoll a Channel polls only where the process may run on
// more than one CPU; an explicit window is kept whatever the CPUs.
func TestBusyPollDefault(t *testing.T) {
	window := func(opts ...Option) time.Duration {
		t.Helper()
		cfg, err := newConfig("Dial", forDial, append([]Option{testToken()}, opts...))
		if err != nil {
			t.Fatal(err)
		}
		return cfg.pollWindow()
	}
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	if got := window(); got != 0 {
		t.Errorf("default window with GOMAXPROCS=1: %v, want 0", got)
	}
	if got := window(WithBusyPoll(time.Millisecond)); got != time.Millisecond {
		t.Errorf("explicit window with GOMAXPROCS=1: %v, want 1ms", got)
	}
	if runtime.NumCPU() < 2 {
		t.Skip("one CPU: the default is off whatever GOMAXPROCS says")
	}
	runtime.GOMAXPROCS(2)
	if got := window(); got != DefaultBusyPoll {
		t.Errorf("default window on %d CPUs with GOMAXPROCS=2: %v, want %v", runtime.NumCPU(), got, DefaultBusyPoll)
	}
	if got := window(WithBusyPoll(0)); got != 0 {
		t.Errorf("WithBusyPoll(0): %v, want 0", got)
	}
}

// cpuDuring returns the processor time this process used while f ran.
func cpuDuring(t *testing.T, f func()) time.Duration {
	t.Helper()
	var before, after syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &before); err != nil {
		t.Fatal(err)
	}
	f()
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &after); err != nil {
		t.Fatal(err)
	}
	used := func(r *syscall.Rusage) time.Duration {
		return time.Duration(r.Utime.Nano() + r.Stime.Nano())
	}
	return used(&after) - used(&before)
}

// A read polls only while an answer is awaited: not on an idle Channel,
// and not on the sending side of a stream. A poll keeps a processor busy,
// which is what the test measures, against a read that does poll.
func TestBusyPollOnlyForAnAnswer(t *testing.T) {
	const wait = 300 * time.Millisecond
	blockedRecv := func(a *Channel) func() {
		return func() {
			ctx, cancel := context.WithTimeout(context.Background(), wait)
			defer cancel()
			if _, err := a.Recv(ctx); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Recv = %v, want the ctx's deadline", err)
			}
		}
	}

	// The control: a request awaits its answer, and the read polls.
	a, _ := pollingPair(t)
	if used := cpuDuring(t, blockedRecv(a)); used < wait/5 {
		t.Fatalf("a read awaiting an answer used %v of CPU in %v: it did not poll, so this test cannot tell", used, wait)
	}

	t.Run("idle", func(t *testing.T) {
		a, b, _, _ := pair(t, WithBusyPoll(time.Millisecond))
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		if err := a.Send(ctx, &msg.Stop{Cid: "ping"}); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Recv(ctx); err != nil {
			t.Fatal(err)
		}
		if err := b.Send(ctx, &msg.Stop{Cid: "pong"}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Recv(ctx); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond) // past the window
		if used := cpuDuring(t, blockedRecv(a)); used > wait/10 {
			t.Errorf("a read on an idle Channel used %v of CPU in %v", used, wait)
		}
	})
	t.Run("stream sender", func(t *testing.T) {
		a, _, _, _ := pair(t, WithBusyPoll(longPoll))
		for i := range 3 { // more than twice without an answer
			if err := a.TrySend(&msg.Yield{Cid: "s", Pld: msg.Raw{byte(i)}}); err != nil {
				t.Fatal(err)
			}
			time.Sleep(10 * time.Millisecond) // a write each
		}
		if used := cpuDuring(t, blockedRecv(a)); used > wait/10 {
			t.Errorf("the reader of a Channel that streams used %v of CPU in %v", used, wait)
		}
	})
}
