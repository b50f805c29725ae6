package ipc

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"syscall"
	"time"
)

// Listener accepts connections from peer actors on one address. Make one
// with [Listen]; run [Listener.Serve] to handshake and hand out Channels.
// The zero Listener is not usable.
type Listener struct {
	ln   net.Listener
	addr Addr
	cfg  *config
	sock *unixSocket // the unix socket file to remove on Close; nil for tcp
	logs *logLimiter

	mu sync.Mutex
	// The handshakes in progress, oldest first: waiting[0] for the opening
	// nonce, waiting[1] for the proof. Guarded by mu.
	waiting [2]*list.List

	closeOnce sync.Once
	closeErr  error
}

// handshakeSlot is one connection still proving the token.
type handshakeSlot struct {
	conn    net.Conn
	stage   int           // index into Listener.waiting; guarded by Listener.mu
	elem    *list.Element // guarded by Listener.mu
	evicted bool          // guarded by Listener.mu
}

// Listen opens a listener on addr; the zero Addr means [DefaultAddr],
// loopback TCP on an ephemeral port. It needs [WithToken] (or, knowingly,
// [InsecureNoToken]); without either it fails with [ErrNoToken]. The
// options apply to every Channel the listener makes. ctx bounds only the
// setup.
//
// A unix socket is created atomically with mode 0600: it is bound under a
// private name, restricted, then linked into place, which fails if
// anything is already there, so two Listens on one path never both
// succeed. A socket left at the path by a process that died (one nobody
// answers on) is replaced, with a log line; a live listener's socket, or
// any other file, makes Listen fail (a live socket with an error matching
// [ErrAddrInUse]). A path longer than the system allows fails with an error
// naming the path and the limit.
func Listen(ctx context.Context, addr Addr, opts ...Option) (*Listener, error) {
	cfg, err := newConfig("Listen", forListen, opts)
	if err != nil {
		return nil, err
	}
	if addr.IsZero() {
		addr = DefaultAddr
	}
	if err := addr.check(); err != nil {
		return nil, err
	}
	l := &Listener{cfg: cfg, logs: newLogLimiter(cfg.logger), waiting: [2]*list.List{list.New(), list.New()}}
	switch addr.Network {
	case "tcp":
		var lc net.ListenConfig
		ln, err := lc.Listen(ctx, "tcp", addr.Address)
		if err != nil {
			return nil, fmt.Errorf("ipc: listen %s: %w", addr, err)
		}
		l.ln = ln
		l.addr = TCP(ln.Addr().String())
	case "unix":
		ln, sock, err := listenUnix(ctx, addr.Address, cfg.logger)
		if err != nil {
			if errors.Is(err, ErrBadAddr) || errors.Is(err, ErrAddrInUse) {
				return nil, err // they name the address already
			}
			return nil, fmt.Errorf("ipc: listen %s: %w", addr, err)
		}
		l.ln = ln
		l.addr = addr
		l.sock = sock
	}
	return l, nil
}

// Addr returns the address the listener is bound to, with the actual port
// for an ephemeral TCP port; its text form is what peers dial.
func (l *Listener) Addr() Addr { return l.addr }

// Close stops accepting, removes the unix socket file if it is still the
// one this Listener made (never one that has replaced it), and makes a
// running Serve return. Channels already handed out stay open. Repeat calls
// return the first call's result.
func (l *Listener) Close() error {
	l.closeOnce.Do(func() {
		l.closeErr = l.ln.Close()
		if l.sock != nil {
			if err := l.sock.remove(); err != nil && l.closeErr == nil {
				l.closeErr = err
			}
		}
	})
	return l.closeErr
}

// Serve accepts connections until ctx is done or the listener is closed,
// handshakes each on its own goroutine and calls handle(ctx, ch) on that
// goroutine for each that passes; handle owns ch and must Close it, and
// must return once ctx is done.
//
// At most [WithMaxHandshakes] connections run the handshake at once; at
// the cap, one still in progress is dropped to make room (see the option). A
// peer that fails the handshake (garbage, a truncated or oversized frame,
// an unknown message type, a wrong auth token, silence past the handshake
// timeout) is dropped, learning only that the connection closed, and Serve
// goes on serving everyone else. Each is logged with one Warn line naming
// its address, up to a few lines per cause every 10 s; beyond that they
// are counted, and the count is logged. A peer that connects and hangs up
// without a word (a probe) logs below Info.
//
// Serve closes the listener when ctx is done, waits for every handshake
// and handle call it started to return, and returns nil for a cancelled
// ctx or a closed listener, else the accept error (running out of
// descriptors is retried with a backoff, not returned). Call Serve at most
// once per Listener.
func (l *Listener) Serve(ctx context.Context, handle func(context.Context, *Channel)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer l.logs.close()
	var wg sync.WaitGroup
	defer wg.Wait()
	defer l.Close() // also waits for a Close running in the AfterFunc
	stop := context.AfterFunc(ctx, func() { l.Close() })
	defer stop()
	var backoff time.Duration
	for {
		conn, err := l.ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			if errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) || errors.Is(err, syscall.ECONNABORTED) {
				// Out of descriptors or a connection gone before accept:
				// wait a little and go on, as net/http does.
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				l.logs.log("accept", slog.LevelWarn, "ipc: accept failed; retrying", slog.String("addr", l.addr.String()), slog.String("err", err.Error()), slog.Duration("in", backoff))
				select {
				case <-time.After(backoff):
				case <-ctx.Done():
					return nil
				}
				continue
			}
			return fmt.Errorf("ipc: accept on %s: %w", l.addr, err)
		}
		backoff = 0
		slot := l.admit(conn)
		wg.Add(1)
		go func() {
			defer wg.Done()
			// A handshake in flight is cut short when Serve stops.
			stopConn := context.AfterFunc(ctx, func() { conn.Close() })
			ch, err := accept(conn, l.cfg, func() { l.advance(slot) })
			evicted := l.release(slot)
			if !stopConn() {
				if ch != nil {
					ch.Close()
				}
				return
			}
			if err != nil {
				l.reportFailed(conn, err, evicted)
				return
			}
			handle(ctx, ch)
		}()
	}
}

// admit registers conn as a handshake in progress. At the cap it drops
// the oldest connection that has not yet sent its opening nonce, or, when
// every one has, the oldest waiting for its proof: a flood of silent or
// trickling connections then only ever displaces its own kind, and a
// legitimate dialer, which sends its nonce at once, keeps its slot while it
// proves the token.
func (l *Listener) admit(conn net.Conn) *handshakeSlot {
	s := &handshakeSlot{conn: conn}
	l.mu.Lock()
	var victim *handshakeSlot
	if l.waiting[0].Len()+l.waiting[1].Len() >= l.cfg.maxHandshakes {
		q := l.waiting[0]
		if q.Len() == 0 {
			q = l.waiting[1]
		}
		victim = q.Remove(q.Front()).(*handshakeSlot)
		victim.evicted = true
	}
	s.elem = l.waiting[0].PushBack(s)
	l.mu.Unlock()
	if victim != nil {
		victim.conn.Close() // its goroutine reports it
	}
	return s
}

// advance notes that s has sent a well-formed opening nonce.
func (l *Listener) advance(s *handshakeSlot) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if s.evicted || s.stage == 1 {
		return
	}
	l.waiting[0].Remove(s.elem)
	s.stage, s.elem = 1, l.waiting[1].PushBack(s)
}

// release ends s's handshake and reports whether it was dropped to make
// room.
func (l *Listener) release(s *handshakeSlot) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if s.evicted {
		return true
	}
	l.waiting[s.stage].Remove(s.elem)
	return false
}

// reportFailed logs a failed handshake, within the per-cause bound.
func (l *Listener) reportFailed(conn net.Conn, err error, evicted bool) {
	cause := "handshake"
	var he *HandshakeError
	if errors.As(err, &he) {
		cause = he.cause
	}
	if evicted {
		cause = "evicted"
		err = &HandshakeError{Peer: conn.RemoteAddr().String(), Reason: fmt.Sprintf("dropped to make room: %d handshakes were in progress (WithMaxHandshakes)", l.cfg.maxHandshakes), cause: cause}
	}
	tc := &TransportClosed{Cause: CauseBroken, Peer: peerName(conn, err), Err: err}
	level := tc.Level()
	if cause == "probe" {
		level = LevelTransport // connected and hung up without a word
	}
	l.logs.log(cause, level, "ipc: transport closed", slog.String("cause", tc.Cause.String()), slog.String("peer", tc.Peer), slog.String("err", err.Error()))
}

func peerName(conn net.Conn, err error) string {
	var he *HandshakeError
	if errors.As(err, &he) {
		return he.Peer
	}
	return conn.RemoteAddr().String()
}

// accept runs the listening side's handshake on conn, calling onNonce (if
// not nil) once the peer's opening nonce has arrived; on failure conn is
// closed, saying nothing.
func accept(conn net.Conn, cfg *config, onNonce func()) (*Channel, error) {
	return setup(conn, cfg, roleListen, onNonce)
}

func setup(conn net.Conn, cfg *config, role string, onNonce func()) (*Channel, error) {
	fr := newHandshakeReader(conn)
	peer, err := handshake(conn, fr, cfg, role, onNonce)
	if err != nil {
		conn.Close()
		return nil, err
	}
	return newChannel(conn, fr, peer, cfg), nil
}

// Dial connects to addr, runs the handshake and returns the Channel. It
// needs [WithToken] (or, knowingly, [InsecureNoToken]); without either it
// fails with [ErrNoToken]. ctx bounds the connect and the handshake, which
// the handshake timeout also bounds.
//
// When the listener refuses our proof, Dial fails with an error matching
// [ErrAuth] saying the tokens differ. A listener that closes the
// connection before answering at all (at its cap of handshakes, say) gives
// an error matching [ErrHandshake] only.
func Dial(ctx context.Context, addr Addr, opts ...Option) (*Channel, error) {
	cfg, err := newConfig("Dial", forDial, opts)
	if err != nil {
		return nil, err
	}
	if err := addr.check(); err != nil {
		return nil, err
	}
	if addr.Network == "unix" {
		if err := checkUnixPath(addr.Address); err != nil {
			return nil, err
		}
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, addr.Network, addr.Address)
	if err != nil {
		return nil, fmt.Errorf("ipc: dial %s: %w", addr, err)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	ch, err := setup(conn, cfg, roleDial, nil)
	if !stop() {
		if ch != nil {
			ch.Close()
		}
		return nil, fmt.Errorf("ipc: dial %s: %w", addr, ctx.Err())
	}
	if err != nil {
		return nil, err
	}
	return ch, nil
}
