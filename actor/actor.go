package actor

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"

	"github.com/google/uuid"

	"github.com/hitchrt/hitch/actor/ipc"
	"github.com/hitchrt/hitch/actor/msg"
	"github.com/hitchrt/hitch/actor/sc"
)

// Actor is this process's actor runtime: its identity, its listener, its
// connections to other actors (peers) and the tasks serving their
// requests. A process runs at most one actor at a time: the root opened by
// OpenRoot, or a sub-actor started by ChildMain. A zero Actor is unusable.
//
// Fields marked runner-owned are touched only by code of the actor's sc
// runner (task steps, and jobs queued through its Token); the Go
// goroutines of the runtime (channel readers, the listener, process
// reapers) reach them through Token.RunSyncSoon.
type Actor struct {
	id     ActorID
	cfg    config
	logger *slog.Logger
	token  []byte
	isRoot bool
	// hostLoop: the actor runs as the guest of a host loop, in host-loop
	// mode (WithHostLoop). Set by newActor.
	hostLoop bool

	runner *sc.Runner // the runner the actor's tasks run in
	tok    *sc.Token
	codec  *msg.Codec // payloads; runner-owned
	ln     *ipc.Listener
	addr   ipc.Addr

	procs procSet // live sub-actor pids, for relaying SIGUSR1

	// releaseSignals gives back a sub-actor's claim on the stop signals;
	// set while it serves (watchParent), called by runChild after the run.
	releaseSignals func()

	// Runner-owned.
	parent    *peer            // the channel to the parent; nil on a root
	peers     map[string]*peer // connected peers by uid
	pending   map[string]*child
	svc       *sc.Nursery     // where RPC tasks run
	main      *sc.CancelScope // cancelled when the actor is cancelled
	cancelled bool
	canceller ActorID  // who cancelled the actor, once cancelled
	regAddrs  []string // the tree's registry addresses, from the spawn spec
	idRand    *bufio.Reader
	idBuf     [16]byte     // newID's; runner-owned
	reg       *registrar   // the tree's registry, when this actor is it
	vars      atomic.Value // RuntimeVars, for ProcessVars; set by publishVars
	lifetime  []func(ctx context.Context) error

	goCtx    context.Context // cancelled at teardown; bounds the goroutines
	goCancel context.CancelFunc
	wg       sync.WaitGroup // the runtime's goroutines
}

// actorKey carries the actor as a value of the run it runs in, set for
// as long as the actor runs (the run may outlive it, or start before it:
// OpenRoot can be called from any task of a caller's sc.Run).
var actorKey = sc.NewKey[*Actor]("actor")

// current is the actor of this process while one runs. It stays beside
// actorKey because a run value is reached through a task's ctx or a
// Runner, and the goroutines ProcessVars serves (a logger's handler, a
// library's worker) have neither; it is also the guard against a second
// runtime in the process.
var current atomic.Pointer[Actor]

// Current returns the actor running in the sc run that ctx's task belongs
// to. It fails with an error matching ErrNoRuntime when that run has no
// actor (none was opened, or it has ended) or ctx carries no task. It is
// safe from any goroutine holding ctx.
func Current(ctx context.Context) (*Actor, error) {
	if ctx != nil {
		if a, _ := actorKey.Value(ctx); a != nil {
			return a, nil
		}
	}
	return nil, ErrNoRuntime
}

// RuntimeVars are the runtime settings an actor relays to its children:
// debug mode, log level, the host-loop mode flag and the program's own
// variables (WithDebugMode, WithLogLevel, WithVar). A child has its
// parent's, with the overrides given to StartActor.
type RuntimeVars = msg.RuntimeVars

// Vars returns the actor's runtime variables (a copy). It is for tasks of
// the actor; plain goroutines use ProcessVars.
func (a *Actor) Vars() RuntimeVars {
	v := a.cfg.runtimeVars()
	if v.Extra != nil {
		extra := make(map[string]string, len(v.Extra))
		for k, x := range v.Extra {
			extra[k] = x
		}
		v.Extra = extra
	}
	return v
}

// publishVars makes the current variables visible to ProcessVars.
// Runner-owned.
func (a *Actor) publishVars() { a.vars.Store(a.Vars()) }

// ProcessVars returns the runtime variables of the actor this process
// runs, from any goroutine, and false when none runs. Code inside the
// actor's tasks uses Current(ctx) and Actor.Vars instead.
func ProcessVars() (RuntimeVars, bool) {
	a := current.Load()
	if a == nil {
		return RuntimeVars{}, false
	}
	return a.vars.Load().(RuntimeVars), true
}

// ID returns the actor's name and uid.
func (a *Actor) ID() ActorID { return a.id }

// Name returns the actor's name.
func (a *Actor) Name() string { return a.id.Name }

// Addr returns the address the actor listens on, or the zero Addr when it
// does not listen.
func (a *Actor) Addr() ipc.Addr { return a.addr }

// IsRoot reports whether the actor was opened by OpenRoot (the top of this
// program's own process tree), as opposed to a sub-actor.
func (a *Actor) IsRoot() bool { return a.isRoot }

// Infected reports whether the actor runs in host-loop mode ("infected",
// see WithHostLoop): a sub-actor whose command line asked for it, or a root
// opened with it. Its Vars().Infected says the same once a sub-actor has
// its spawn spec; a sub-actor where they would disagree refuses to boot.
func (a *Actor) Infected() bool { return a.hostLoop }

// IsRegistry reports whether the actor is its tree's registry.
func (a *Actor) IsRegistry() bool { return a.reg != nil }

// Logger returns the actor's logger.
func (a *Actor) Logger() *slog.Logger { return a.logger }

func newActor(id ActorID, cfg config, token []byte, isRoot bool) (*Actor, error) {
	codec, err := msg.NewCodec(freezeRegistry()...)
	if err != nil {
		return nil, fmt.Errorf("actor: payload codec: %w", err)
	}
	a := &Actor{
		id: id, cfg: cfg, logger: cfg.logger, token: token, isRoot: isRoot,
		hostLoop: cfg.vars.Infected,
		codec:    codec,
		peers:    map[string]*peer{},
		pending:  map[string]*child{},
		main:     &sc.CancelScope{},
	}
	a.goCtx, a.goCancel = context.WithCancel(context.Background())
	a.idRand = bufio.NewReaderSize(rand.Reader, 1024)
	return a, nil
}

// newID returns a fresh random (version 4) UUID for a dialog. Its
// randomness is read from crypto/rand in blocks rather than one system
// call per id. Runner-owned.
func (a *Actor) newID() string {
	// Read into the actor's own array: uuid.NewRandomFromReader hands a
	// local to the reader interface, which costs an allocation per id.
	if _, err := io.ReadFull(a.idRand, a.idBuf[:]); err != nil {
		return uuid.NewString()
	}
	a.idBuf[6] = a.idBuf[6]&0x0f | 0x40 // version 4
	a.idBuf[8] = a.idBuf[8]&0x3f | 0x80 // RFC 4122 variant
	return uuid.UUID(a.idBuf).String()
}

func (a *Actor) ipcOpts() []ipc.Option {
	opts := []ipc.Option{
		ipc.WithToken(a.token),
		ipc.WithIdentity(msg.Identity{Name: a.id.Name, UID: a.id.UID, PID: os.Getpid(), IsRegistry: a.reg != nil}),
		ipc.WithLogger(a.logger),
	}
	if o, _ := busyPollOpt(a.cfg.vars.BusyPoll); o != nil {
		opts = append(opts, o)
	}
	return opts
}

// run runs the actor in the task of ctx: it listens (when listen is set),
// runs body inside the actor's main scope with RPC tasks served beside it,
// and tears everything down on the way out whatever body returned: RPC
// tasks are cancelled and waited for, channels are flushed and closed,
// every goroutine of the runtime has ended when run returns.
func (a *Actor) run(ctx context.Context, listen bool, body func(ctx context.Context) error) error {
	t := sc.CurrentTask(ctx)
	if t == nil {
		return fmt.Errorf("actor: ctx carries no sc task (call from inside sc.Run, or use actor.Run): %w", sc.ErrNotInTask)
	}
	// runner and tok are set before the actor becomes current: cancelSoon
	// reads tok from any goroutine once it sees the actor current.
	a.runner = t.Runner()
	a.tok = a.runner.Token()
	if !current.CompareAndSwap(nil, a) {
		return ErrRuntimeExists
	}
	defer current.Store(nil)
	a.publishVars()
	actorKey.Set(a.runner, a)
	defer actorKey.Set(a.runner, nil)
	defer a.dumpOnSIGUSR1()()

	if listen {
		ln, err := ipc.Listen(ctx, a.cfg.listen, a.ipcOpts()...)
		if err != nil {
			return fmt.Errorf("actor: %v: %w", a.id, err)
		}
		a.ln, a.addr = ln, ln.Addr()
		if a.reg != nil {
			a.reg.add(regEntry{id: a.id, addr: a.addr.String()})
		}
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			if err := ln.Serve(a.goCtx, a.serveConn); err != nil {
				a.logger.Warn("actor: listener stopped", "actor", a.id.String(), "err", err)
			}
		}()
	}

	err := sc.OpenNursery(ctx, func(ctx context.Context, svc *sc.Nursery) error {
		a.svc = svc
		if a.isRoot {
			a.startDebugger(ctx)
		}
		berr := a.main.Run(ctx, func(ctx context.Context, _ *sc.CancelScope) error { return body(ctx) })
		if a.isRoot {
			// Before the requests still served end: a child may yet need
			// the terminal's lock while the root's post-mortem waits.
			a.debugCrash(ctx, berr)
		}
		// Body is done: whatever requests are still being served end now.
		svc.CancelScope().Cancel()
		return berr
	})
	err = errors.Join(err, a.runLifetime(ctx))
	a.unregister()
	return errors.Join(err, a.shutdown(ctx))
}

// OnExit registers fn to run when the actor ends, whatever ends it: its
// body returning or failing, a cancel request, the loss of its parent,
// SIGTERM or SIGINT in a sub-actor. Callbacks run last-registered first,
// in a task of the actor shielded from cancellation, after the requests it
// served have ended and before its connections close; their errors are
// joined into the actor's outcome (a sub-actor logs them). Call it from a
// task of the actor.
func (a *Actor) OnExit(fn func(ctx context.Context) error) {
	if fn != nil {
		a.lifetime = append(a.lifetime, fn)
	}
}

func (a *Actor) runLifetime(ctx context.Context) error {
	var errs []error
	for len(a.lifetime) > 0 {
		fn := a.lifetime[len(a.lifetime)-1]
		a.lifetime = a.lifetime[:len(a.lifetime)-1]
		errs = append(errs, shielded(ctx, func(ctx context.Context) error { return callLifetime(ctx, fn) }))
	}
	return errors.Join(errs...)
}

func callLifetime(ctx context.Context, fn func(context.Context) error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("actor: OnExit callback panicked: %v", v)
		}
	}()
	return fn(ctx)
}

// cancel cancels the actor on behalf of by: its main scope and every RPC
// task. The first canceller is kept. Runner-owned.
func (a *Actor) cancel(by ActorID, why string) {
	if a.cancelled {
		return
	}
	a.cancelled, a.canceller = true, by
	a.logger.Log(context.Background(), LevelCancel, "actor: cancelling", "actor", a.id.String(), "by", by.String(), "why", why)
	a.main.Cancel()
	if a.svc != nil {
		a.svc.CancelScope().Cancel()
	}
}

// shutdown closes the listener and every channel (flushing what was
// queued) and waits for the runtime's goroutines, shielded from
// cancellation: nothing of the actor may outlive it.
func (a *Actor) shutdown(ctx context.Context) error {
	chans := make([]*ipc.Channel, 0, len(a.peers))
	for _, p := range a.peers {
		chans = append(chans, p.ch)
	}
	return shielded(ctx, func(ctx context.Context) error {
		return sc.ToGoroutine(ctx, func(context.Context) error {
			for _, ch := range chans {
				ch.Close()
			}
			a.goCancel()
			if a.ln != nil {
				a.ln.Close()
			}
			a.wg.Wait()
			return nil
		}, false)
	})
}

// shielded runs fn in a shielded cancel scope: cleanup that must finish
// even when the task is cancelled.
func shielded(ctx context.Context, fn func(ctx context.Context) error) error {
	return sc.OpenCancelScope(ctx, func(ctx context.Context, s *sc.CancelScope) error {
		s.SetShield(true)
		return fn(ctx)
	})
}

// actorOf returns the actor of ctx and checks that ctx's task belongs to
// its runner.
func actorOf(ctx context.Context, op string) (*Actor, error) {
	a, err := Current(ctx)
	if err != nil {
		return nil, fmt.Errorf("actor: %s: %w", op, err)
	}
	if t := sc.CurrentTask(ctx); t == nil || t.Runner().Token() != a.tok {
		return nil, fmt.Errorf("actor: %s: ctx is not the ctx of a task of actor %v: %w", op, a.id, sc.ErrNotInTask)
	}
	return a, nil
}
