package ipc

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/hitchrt/hitch/actor/msg"
)

func TestMain(m *testing.M) {
	if os.Getenv(floodChildEnv) != "" {
		os.Exit(floodChild())
	}
	goleak.VerifyTestMain(m)
}

// testToken is the token the tests' servers and clients share.
func testToken() Option { return WithToken([]byte("tree-token")) }

// testTimeout bounds every wait in these tests: a failure, never a pacing.
const testTimeout = 10 * time.Second

// capture is a slog.Handler that keeps every record.
type capture struct {
	mu   sync.Mutex
	recs []slog.Record
	got  chan struct{} // cap 1, signalled on every record
}

func newCapture() *capture { return &capture{got: make(chan struct{}, 1)} }

func (c *capture) Enabled(context.Context, slog.Level) bool { return true }
func (c *capture) WithAttrs([]slog.Attr) slog.Handler       { return c }
func (c *capture) WithGroup(string) slog.Handler            { return c }
func (c *capture) Handle(_ context.Context, r slog.Record) error {
	c.mu.Lock()
	c.recs = append(c.recs, r.Clone())
	c.mu.Unlock()
	select {
	case c.got <- struct{}{}:
	default:
	}
	return nil
}

func attr(r slog.Record, key string) string {
	var v string
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == key {
			v = a.Value.String()
			return false
		}
		return true
	})
	return v
}

// with returns the records whose attribute key contains s.
func (c *capture) with(key, s string) []slog.Record {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []slog.Record
	for _, r := range c.recs {
		if strings.Contains(attr(r, key), s) {
			out = append(out, r)
		}
	}
	return out
}

// waitWith waits until at least n records have an attribute key
// containing s, and returns them all.
func (c *capture) waitWith(t *testing.T, key, s string, n int) []slog.Record {
	t.Helper()
	deadline := time.After(testTimeout)
	for {
		if rs := c.with(key, s); len(rs) >= n {
			return rs
		}
		select {
		case <-c.got:
		case <-deadline:
			t.Fatalf("fewer than %d log records with %s %q", n, key, s)
		}
	}
}

func (c *capture) matching(peer string) []slog.Record { return c.with("peer", peer) }

// waitFor waits until at least one record names peer and returns them all.
func (c *capture) waitFor(t *testing.T, peer string) []slog.Record {
	t.Helper()
	return c.waitWith(t, "peer", peer, 1)
}

func (c *capture) withErr(s string) []slog.Record { return c.with("err", s) }

func (c *capture) waitForErr(t *testing.T, s string, n int) []slog.Record {
	t.Helper()
	return c.waitWith(t, "err", s, n)
}

func (c *capture) logger() *slog.Logger { return slog.New(c) }

// server is a live listener whose handler echoes every message back.
type server struct {
	ln       *Listener
	log      *capture
	mu       sync.Mutex
	accepted []string // names of peers handed to the handler
}

func startServer(t testing.TB, opts ...Option) *server {
	t.Helper()
	s := &server{log: newCapture()}
	opts = append([]Option{WithLogger(s.log.logger()), WithIdentity(msg.Identity{Name: "server", UID: "srv-uid"}), testToken()}, opts...)
	ln, err := Listen(context.Background(), Addr{}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	s.ln = ln
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- ln.Serve(ctx, func(ctx context.Context, ch *Channel) {
			defer ch.Close()
			s.mu.Lock()
			s.accepted = append(s.accepted, ch.Peer().Name)
			s.mu.Unlock()
			for {
				m, err := ch.Recv(ctx)
				if err != nil {
					return
				}
				if ch.Send(ctx, m) != nil {
					return
				}
			}
		})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return s
}

func (s *server) acceptedNames() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.accepted...)
}

// dial connects a client and closes it at cleanup.
func dial(t testing.TB, addr Addr, opts ...Option) *Channel {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	ch, err := Dial(ctx, addr, append([]Option{testToken()}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ch.Close() })
	return ch
}

// roundTrip sends a Yield and waits for its echo.
func roundTrip(t testing.TB, ch *Channel, cid string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := ch.Send(ctx, &msg.Yield{Cid: cid, Pld: msg.Raw{0x2a}}); err != nil {
		t.Fatalf("send: %v", err)
	}
	m, err := ch.Recv(ctx)
	if err != nil {
		t.Fatalf("recv: %v", err)
	}
	y, ok := m.(*msg.Yield)
	if !ok || y.Cid != cid || string(y.Pld) != "\x2a" {
		t.Fatalf("echo = %#v, want Yield{%q, 0x2a}", m, cid)
	}
}

// all returns every record so far.
func (c *capture) all() []slog.Record {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]slog.Record(nil), c.recs...)
}
