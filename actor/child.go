package actor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/hitchrt/hitch/actor/ipc"
	"github.com/hitchrt/hitch/actor/msg"
	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/signals"
)

// connectTimeout bounds a child's connect-back and its wait for the spawn
// spec.
const connectTimeout = 10 * time.Second

// parentLostGrace is how long a child whose parent is gone may take to
// tear down before it exits anyway: with nobody left to wait for it, a
// task stuck in a shielded scope must not keep the process alive. Added to
// the time it takes to notice, the child is gone within a second.
var parentLostGrace = 500 * time.Millisecond

// ChildMain runs this process as a sub-actor when it was started as one,
// and then exits; otherwise it returns at once and does nothing. Call it
// first thing in main, and in TestMain of every test package that starts
// sub-actors (before goleak or anything else), so the program's own
// executable can serve as its sub-actors:
//
//	func main() {
//		actor.ChildMain()
//		// the program proper
//	}
//
// A sub-actor reads its bootstrap record from an inherited pipe, connects
// back to its parent, proves the tree's token, receives its spawn spec and
// serves the registered endpoints until it is cancelled, its parent is
// gone, or it gets SIGTERM. The process then exits with status 0 after a
// clean run, 1 when the runtime failed, 2 when it could not start.
func ChildMain() {
	name, ok := childName(os.Args)
	if !ok {
		return
	}
	os.Exit(runChild(name, childInfected(os.Args)))
}

// runChild runs the sub-actor; infected says that its command line asks
// for host-loop mode.
func runChild(name string, infected bool) int {
	// Before anything else: the parent may die at any moment, and neither
	// the parent-death signal nor the log line that says the parent is
	// gone (stderr is a pipe to it: SIGPIPE) may end this process before
	// its teardown, lifetime callbacks included, has run.
	notifyParentDeath()
	ignoreBrokenPipe()
	bs, rest, err := readBootstrap(bootstrapFile())
	if err != nil {
		fmt.Fprintf(os.Stderr, "actor: sub-actor %q cannot start: %v\n", name, err)
		return 2
	}
	level, _ := parseLevel(bs.LogLevel)
	logger := slog.New(childHandler(os.Stderr, level))
	slog.SetDefault(logger)
	addr, err := ipc.ParseAddr(bs.Addr)
	if err != nil {
		logger.Error("actor: sub-actor cannot start", "name", name, "err", err)
		return 2
	}
	// The mode is chosen here, before any IPC: a child whose program has
	// no host loop to offer refuses at once.
	hl := installedHostLoop()
	if infected && hl == nil {
		err := &msg.InternalError{Message: "started in host-loop mode: " + ErrNoHostLoop.Error()}
		logger.Error("actor: sub-actor refuses to boot", "name", name, "type", msg.ErrorTypeName(err), "err", err)
		return 2
	}
	cfg := defaultConfig()
	cfg.where = forRoot
	if bs.Listen != "" {
		if cfg.listen, err = ipc.ParseAddr(bs.Listen); err != nil {
			logger.Error("actor: sub-actor cannot start", "name", name, "err", err)
			return 2
		}
	}
	cfg.logger, cfg.childOutput = logger, os.Stderr
	cfg.logLevel, cfg.logLevelSet = level, true
	cfg.vars.Infected = infected
	if _, err := busyPollOpt(bs.BusyPoll); err != nil {
		logger.Error("actor: sub-actor cannot start", "name", name, "err", err)
		return 2
	}
	cfg.vars.BusyPoll = bs.BusyPoll
	a, err := newActor(ActorID{Name: bs.Name, UID: bs.UID}, cfg, bs.Token, false)
	if err != nil {
		logger.Error("actor: sub-actor cannot start", "name", name, "err", err)
		return 2
	}
	main := func(ctx context.Context) error {
		return a.run(ctx, true, func(ctx context.Context) error {
			return a.serveParent(ctx, addr, bs.Parent, rest)
		})
	}
	if infected {
		err = hl.RunChild(main, a.cancelSoon)
	} else {
		err = sc.Run(main, sc.WithInlineDrive())
	}
	if a.releaseSignals != nil {
		a.releaseSignals()
	}
	var be *bootError
	if errors.As(err, &be) {
		logger.Error("actor: sub-actor refuses to boot", "actor", a.id.String(), "type", msg.ErrorTypeName(be.err), "err", be.err)
		return 2
	}
	if err != nil {
		logger.Error("actor: sub-actor failed", "actor", a.id.String(), "err", err)
		return 1
	}
	logger.Log(context.Background(), LevelRuntime, "actor: sub-actor exiting", "actor", a.id.String())
	return 0
}

// serveParent connects back to the parent, takes the spawn spec, watches
// for the parent's death and serves until the actor is cancelled.
func (a *Actor) serveParent(ctx context.Context, addr ipc.Addr, parent ActorID, pipe io.Reader) error {
	ch, err := a.dialChan(ctx, addr, parent)
	var spec *msg.SpawnSpec
	var p *peer
	if err == nil {
		// The spec comes first; what follows waits in the peer until it
		// is added.
		p = a.holdDialed(ch, true)
		err = sc.ToGoroutine(ctx, func(gctx context.Context) error {
			rctx, cancel := context.WithTimeout(gctx, connectTimeout)
			defer cancel()
			m, err := p.firstMsg(rctx)
			if err != nil {
				return fmt.Errorf("waiting for the spawn spec: %w", err)
			}
			s, ok := m.(*msg.SpawnSpec)
			if !ok || s.UID != a.id.UID || s.Name != a.id.Name {
				return &msg.InternalError{Message: fmt.Sprintf("actor: expected this actor's spawn spec, got %s", m.Kind())}
			}
			spec = s
			return nil
		}, false)
		if err != nil {
			ch.Close()
		}
	}
	if err != nil {
		return fmt.Errorf("actor: sub-actor %v connecting back to its parent %v at %v: %w", a.id, parent, addr, err)
	}
	a.parent = a.addPeer(p)
	if spec.Vars.Infected != a.hostLoop {
		// Cancelled first, so that closing the parent's channel on the way
		// out reads as this actor leaving, not as a lost parent.
		a.cancel(a.id, "refusing to boot")
		return &bootError{&msg.InternalError{Message: fmt.Sprintf(
			"actor: the parent sent runtime vars that disagree with this process's host-loop mode: Infected is %v in the spawn spec, %v on the command line",
			spec.Vars.Infected, a.hostLoop)}}
	}
	a.regAddrs = spec.RegistryAddrs
	a.cfg.vars = spec.Vars
	if l, ok := parseLevel(spec.Vars.LogLevel); ok {
		a.cfg.logLevel = l
	}
	a.publishVars()
	a.watchParent(pipe)
	a.startDebugger(ctx)
	if err := a.register(ctx); err != nil {
		return fmt.Errorf("actor: sub-actor %v registering: %w", a.id, err)
	}
	if err := a.parent.send(&msg.Start{Cid: a.newID(), NS: nsSelf, Func: selfReady, CallerUID: a.id.UID}); err != nil {
		return err
	}
	return sc.SleepForever(ctx)
}

// watchParent ends the actor when the parent is gone (the bootstrap pipe
// reaches end-of-file: the parent closed it or died, even by SIGKILL; or
// the OS's parent-death signal arrives) or when SIGTERM (the kill
// ladder's second step) or SIGINT arrives. The watching goroutines are not
// waited for: the process exits right after the runtime ends.
func (a *Actor) watchParent(pipe io.Reader) {
	gone := func() {
		_ = a.tok.RunSyncSoon(func() {
			if !a.cancelled {
				a.logger.Warn("actor: parent is gone; exiting", "actor", a.id.String())
				a.parentLost()
			}
		})
	}
	go func() {
		_, _ = io.Copy(io.Discard, pipe)
		gone()
	}()
	if parentDeath != nil {
		// The signal can come more than once (see sysProcAttr); every one
		// after the first finds the actor cancelled and does nothing.
		go func() {
			for range parentDeath {
				gone()
			}
		}()
	}
	// In host-loop mode the host loop owns the stop signals for the whole
	// life of the process (see HostLoop.RunChild): one owner, so a signal
	// is never handled twice.
	if a.hostLoop {
		return
	}
	// The stop signals are claimed on the process's signal guard, like
	// every other owner, so a debugger's SIGINT shield can take them over:
	// the first cancels the actor gracefully, a second exits at once.
	a.releaseSignals = signals.Own("actor "+a.id.Name, func(s os.Signal) {
		_ = a.tok.RunSyncSoon(func() { a.cancel(a.id, signals.Name(s)) })
	}, func(s os.Signal) {
		a.logger.Warn("actor: second stop signal; exiting now", "actor", a.id.String(), "signal", signals.Name(s))
		os.Exit(signals.ExitCode(s))
	}, signals.WithLogger(slog.New(quietInfo{a.logger.Handler(), LevelCancel})))
}

// parentLost cancels the actor and bounds its teardown. Runner-owned.
func (a *Actor) parentLost() {
	a.cancel(a.id, "parent lost")
	time.AfterFunc(parentLostGrace, func() {
		a.logger.Error("actor: teardown outlived the parent; exiting now", "actor", a.id.String(), "grace", parentLostGrace)
		os.Exit(3)
	})
}
