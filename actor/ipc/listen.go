package ipc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// Listener accepts connections from peer actors on one address. Make one
// with [Listen]; run [Listener.Serve] to handshake and hand out Channels.
type Listener struct {
	ln   net.Listener
	addr Addr
	cfg  *config
	path string // the unix socket file to remove on Close; "" for tcp

	closeOnce sync.Once
	closeErr  error
}

// Listen opens a listener on addr; the zero Addr means [DefaultAddr],
// loopback TCP on an ephemeral port. A unix socket file is created with mode
// 0600 (it is bound under a private name, restricted, then moved into place,
// so it is never reachable with wider permissions) and removed by Close; an
// existing file at the path makes Listen fail. ctx bounds only the setup.
// The options apply to every Channel the listener makes.
func Listen(ctx context.Context, addr Addr, opts ...Option) (*Listener, error) {
	if addr.IsZero() {
		addr = DefaultAddr
	}
	if err := addr.check(); err != nil {
		return nil, err
	}
	l := &Listener{cfg: newConfig(opts)}
	var lc net.ListenConfig
	switch addr.Network {
	case "tcp":
		ln, err := lc.Listen(ctx, "tcp", addr.Address)
		if err != nil {
			return nil, fmt.Errorf("ipc: listen %s: %w", addr, err)
		}
		l.ln = ln
		l.addr = TCP(ln.Addr().String())
	case "unix":
		ln, err := listenUnix(ctx, addr.Address)
		if err != nil {
			return nil, fmt.Errorf("ipc: listen %s: %w", addr, err)
		}
		l.ln = ln
		l.addr = addr
		l.path = addr.Address
	}
	return l, nil
}

func listenUnix(ctx context.Context, path string) (net.Listener, error) {
	if _, err := os.Lstat(path); err == nil {
		return nil, fmt.Errorf("%s already exists", path)
	}
	dir, err := os.MkdirTemp(filepath.Dir(path), ".ipc-bind-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, "s")
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "unix", tmp)
	if err != nil {
		return nil, err
	}
	ul := ln.(*net.UnixListener)
	ul.SetUnlinkOnClose(false)
	if err := os.Chmod(tmp, 0o600); err != nil {
		ul.Close()
		return nil, err
	}
	if err := os.Rename(tmp, path); err != nil {
		ul.Close()
		return nil, err
	}
	return ul, nil
}

// Addr returns the address the listener is bound to, with the actual port
// for an ephemeral TCP port; its text form is what peers dial.
func (l *Listener) Addr() Addr { return l.addr }

// Close stops accepting, removes a unix socket file and makes a running
// Serve return. Channels already handed out stay open. Repeat calls return
// the first call's result.
func (l *Listener) Close() error {
	l.closeOnce.Do(func() {
		l.closeErr = l.ln.Close()
		if l.path != "" {
			if err := os.Remove(l.path); err != nil && l.closeErr == nil && !errors.Is(err, os.ErrNotExist) {
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
// A peer that fails the handshake (garbage, a truncated or oversized frame,
// an unknown message type, a wrong auth token, silence past the handshake
// timeout) is dropped with one Warn log line naming it, and Serve goes on
// serving everyone else. Serve closes the listener when ctx is done, waits
// for every handshake and handle call it started to return, and returns nil
// for a cancelled ctx or a closed listener, else the accept error (running
// out of descriptors is retried with a backoff, not returned). Call Serve
// at most once per Listener.
func (l *Listener) Serve(ctx context.Context, handle func(context.Context, *Channel)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
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
				l.cfg.logger.Warn("ipc: accept failed; retrying", "addr", l.addr.String(), "err", err, "in", backoff)
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
		wg.Add(1)
		go func() {
			defer wg.Done()
			// A handshake in flight is cut short when Serve stops.
			stopConn := context.AfterFunc(ctx, func() { conn.Close() })
			ch, err := accept(conn, l.cfg)
			if !stopConn() {
				if ch != nil {
					ch.Close()
				}
				return
			}
			if err != nil {
				(&TransportClosed{Cause: CauseBroken, Peer: peerName(conn, err), Err: err}).report(l.cfg.logger)
				return
			}
			handle(ctx, ch)
		}()
	}
}

func peerName(conn net.Conn, err error) string {
	var he *HandshakeError
	if errors.As(err, &he) {
		return he.Peer
	}
	return conn.RemoteAddr().String()
}

// accept runs the listening side's handshake on conn; on failure conn is
// closed.
func accept(conn net.Conn, cfg *config) (*Channel, error) {
	return setup(conn, cfg, roleListen)
}

func setup(conn net.Conn, cfg *config, role string) (*Channel, error) {
	enc, dec := cfg.codec, cfg.codec
	fr := NewFrameReader(conn, cfg.maxFrame)
	peer, err := handshake(conn, fr, enc, dec, cfg, role)
	if err != nil {
		conn.Close()
		return nil, err
	}
	return newChannel(conn, fr, enc, dec, peer, cfg), nil
}

// Dial connects to addr, runs the handshake and returns the Channel. ctx
// bounds the connect; the handshake is bounded by the handshake timeout. A
// wrong auth token on either side fails with an error matching [ErrAuth].
func Dial(ctx context.Context, addr Addr, opts ...Option) (*Channel, error) {
	if err := addr.check(); err != nil {
		return nil, err
	}
	cfg := newConfig(opts)
	var d net.Dialer
	conn, err := d.DialContext(ctx, addr.Network, addr.Address)
	if err != nil {
		return nil, fmt.Errorf("ipc: dial %s: %w", addr, err)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	ch, err := setup(conn, cfg, roleDial)
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
