package actor

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"syscall"
	"time"

	"github.com/google/uuid"

	"github.com/hitchrt/hitch/actor/ipc"
	"github.com/hitchrt/hitch/actor/msg"
	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/signals"
)

// tokenLen is the size of a tree's random auth token.
const tokenLen = 32

// OpenRoot runs this process as the root actor of a new tree for as long
// as body runs, in the sc task of ctx. The root listens (on loopback, an
// ephemeral port, unless WithListenAddr) and is the tree's registry; the
// tree's auth token is random (crypto/rand) unless WithToken gives one.
// body receives a ctx that carries the actor (Current) for every task
// started under it.
//
// When body returns, requests still being served are cancelled and waited
// for, connections are flushed and closed, and OpenRoot returns body's
// error. A process runs one actor at a time: a second OpenRoot while one
// runs fails with ErrRuntimeExists. An invalid option is an error before
// anything starts.
//
// While it runs, the root owns SIGINT and SIGTERM (see package signals):
// the first cancels the tree gracefully, and OpenRoot then returns an
// *StoppedError (matching sc.ErrInterrupted) naming the signal; a second
// exits the process at once with 128+signal.
func OpenRoot(ctx context.Context, body func(ctx context.Context, a *Actor) error, opts ...Option) error {
	if body == nil {
		return errors.New("actor: OpenRoot: nil body")
	}
	cfg, err := defaultConfig().build(forRoot, opts)
	if err != nil {
		return err
	}
	if err := cfg.checkRootHostLoop(ctx); err != nil {
		return err
	}
	token := cfg.token
	if token == nil {
		token = make([]byte, tokenLen)
		if _, err := rand.Read(token); err != nil {
			return fmt.Errorf("actor: making the tree's token: %w", err)
		}
	}
	a, err := newActor(ActorID{Name: cfg.name, UID: uuid.NewString()}, cfg, token, true)
	if err != nil {
		return err
	}
	joined := false
	if !cfg.registry.IsZero() {
		found, err := probeRegistry(ctx, cfg.registry, a.ipcOpts())
		if err != nil {
			return err
		}
		if found {
			joined = true
			a.regAddrs = []string{cfg.registry.String()}
		} else {
			a.cfg.listen = cfg.registry
		}
	}
	if !joined {
		a.reg = newRegistrar()
	}
	// The root owns the stop signals while it runs, on the process's
	// signal guard: the first SIGINT or SIGTERM cancels the tree gracefully
	// (the kill ladder, every lifetime callback), a second exits at once.
	// A debugger's SIGINT shield takes SIGINT over while a REPL is open.
	var stop os.Signal // runner-owned: the signal that stopped the tree
	if t := sc.CurrentTask(ctx); t != nil && cfg.stopSignals {
		tok := t.Runner().Token()
		release := signals.Own("actor "+a.id.Name, func(s os.Signal) {
			_ = tok.RunSyncSoon(func() { stop = s; a.cancel(a.id, signals.Name(s)) })
		}, func(s os.Signal) {
			a.logger.Warn("actor: second stop signal; exiting now", "actor", a.id.String(), "signal", signals.Name(s))
			os.Exit(signals.ExitCode(s))
		}, signals.WithLogger(a.logger))
		defer release()
	}
	err = a.run(ctx, true, func(ctx context.Context) error {
		if joined {
			if err := a.register(ctx); err != nil {
				return fmt.Errorf("actor: joining the tree at %v: %w", cfg.registry, err)
			}
		}
		return body(ctx, a)
	})
	if stop != nil {
		if onlyCancellations(err) {
			// Ctrl-C in a terminal reaches every process of the tree (one
			// process group): a sub-actor that stops on it before the
			// root's cancel reaches it ends its requests with a
			// ContextCancelled naming itself. That is this same stop, not
			// an error of the run.
			err = nil
		}
		return &StoppedError{Actor: a.id, Signal: stop, Err: err}
	}
	return err
}

// onlyCancellations reports whether err is made of cancellations only:
// sc.ErrCancelled or a ContextCancelled (from this actor or relayed from
// another), alone, wrapped, or joined with others of their kind (a
// nursery's errors).
func onlyCancellations(err error) bool {
	for err != nil {
		switch e := err.(type) {
		case *ContextCancelled:
			return true
		case interface{ Unwrap() []error }:
			errs := e.Unwrap()
			for _, c := range errs {
				if !onlyCancellations(c) {
					return false
				}
			}
			return len(errs) > 0
		case interface{ Unwrap() error }:
			err = e.Unwrap()
		default:
			return errors.Is(err, sc.ErrCancelled)
		}
	}
	return false
}

// probeTimeout bounds the registry probe's handshake (tractor's 1 s per
// attempt).
const probeTimeout = time.Second

// probeRegistry looks at addr: a registry answering there (true), nothing
// listening (false), or an error: something there that is not a registry
// (ErrRegistryOccupied), or a registry of another tree (a wrong token).
// The probe connection announces itself as one and is closed at once.
func probeRegistry(ctx context.Context, addr ipc.Addr, opts []ipc.Option) (bool, error) {
	opts = append(opts, ipc.WithHandshakeTimeout(probeTimeout), ipc.WithLogger(slog.New(discardHandler{})),
		ipc.WithIdentity(msg.Identity{Name: "registry-probe", UID: uuid.NewString(), PID: os.Getpid(), Probe: true}))
	var found bool
	err := sc.ToGoroutine(ctx, func(gctx context.Context) error {
		dctx, cancel := context.WithTimeout(gctx, probeTimeout)
		defer cancel()
		ch, err := ipc.Dial(dctx, addr, opts...)
		if err != nil {
			if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, os.ErrNotExist) {
				return nil // nothing there
			}
			if errors.Is(err, ipc.ErrAuth) {
				return fmt.Errorf("actor: the registry at %v belongs to another tree (token refused): %w", addr, err)
			}
			return fmt.Errorf("%w: %v: %v", ErrRegistryOccupied, addr, err)
		}
		defer ch.Close()
		if !ch.Peer().IsRegistry {
			return fmt.Errorf("%w: %v is actor %v", ErrRegistryOccupied, addr, ch.Peer().ID())
		}
		found = true
		return nil
	}, false)
	return found, err
}

// discardHandler drops every record: a probe's end is not news.
type discardHandler struct{}

func (discardHandler) Enabled(context.Context, slog.Level) bool  { return false }
func (discardHandler) Handle(context.Context, slog.Record) error { return nil }
func (d discardHandler) WithAttrs([]slog.Attr) slog.Handler      { return d }
func (d discardHandler) WithGroup(string) slog.Handler           { return d }

// Run runs body as the root actor in a new sc run (sc.Run with OpenRoot
// inside) and returns its outcome; the calling goroutine waits for it.
// The run lets the goroutines that read the actor's connections drive it
// while it waits idle (sc.WithInlineDrive), so a reply leaves without a
// goroutine hand-off; its task steps therefore never run on the caller's
// OS thread, even one locked with runtime.LockOSThread.
func Run(body func(ctx context.Context, a *Actor) error, opts ...Option) error {
	return sc.Run(func(ctx context.Context) error { return OpenRoot(ctx, body, opts...) }, sc.WithInlineDrive())
}

// StoppedError is OpenRoot's error when a stop signal (SIGINT, SIGTERM)
// ended the tree: the tree was cancelled gracefully, and Err is what the
// run returned meanwhile (nil when it ended cleanly, which includes
// sub-actors that stopped on the same signal first and report their
// requests cancelled, as a terminal's Ctrl-C makes them). It matches
// sc.ErrInterrupted; Unwrap yields Err.
type StoppedError struct {
	Actor  ActorID   // the root that was stopped
	Signal os.Signal // the signal that stopped it
	Err    error     // the run's own error, if any
}

// Error names the root and the signal, then the run's error if any.
func (e *StoppedError) Error() string {
	s := fmt.Sprintf("actor: %v stopped by %s", e.Actor, signals.Name(e.Signal))
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Is matches sc.ErrInterrupted.
func (e *StoppedError) Is(target error) bool { return target == sc.ErrInterrupted }

// Unwrap returns the run's own error.
func (e *StoppedError) Unwrap() error { return e.Err }
