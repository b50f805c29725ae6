package actor

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/hitchrt/hitch/internal/spawnhook"
)

// infectedFlag is os.Args[2] of a sub-actor started in host-loop mode. It
// is on the command line, not only in the spawn spec, because the child
// must choose how to run its runtime (sc.Run, or as the guest of a host
// loop) before any IPC.
const infectedFlag = "-hitch-infected"

// HostLoop plugs host-loop mode ("infected" mode, tractor's
// infect_asyncio) into the runtime from above: package
// github.com/hitchrt/hitch/infected implements it and installs it with
// SetHostLoop when it is imported. Programs use that package (its Mode
// option) and never implement HostLoop themselves; the runtime does not
// import the host loop or the bridge, so this is how it reaches them.
type HostLoop interface {
	// RunChild runs main, the runtime of a sub-actor started in host-loop
	// mode, as the guest of a host loop it makes and runs on the calling
	// goroutine, and returns main's error once the guest run has ended, or
	// an error saying why the run could not end (its host stopped first).
	// While RunChild runs, the host loop owns the process's stop signals
	// (SIGINT, SIGTERM): the runtime claims none. On a stop signal
	// RunChild calls cancel, which asks the actor to cancel itself (any
	// goroutine; it reports false, doing nothing, while the actor is not
	// running yet or any more), and keeps the loop turning until main has
	// returned.
	RunChild(main func(ctx context.Context) error, cancel func(why string) bool) error

	// CheckRoot returns nil when ctx's task can be the task of a root in
	// host-loop mode (it is a task of a guest run of a host loop), and an
	// error saying why not otherwise. OpenRoot with WithHostLoop calls it.
	CheckRoot(ctx context.Context) error
}

// hostLoop is the installed HostLoop, nil when none is.
var hostLoop atomic.Pointer[HostLoop]

// SetHostLoop installs h as this process's HostLoop and returns the one it
// replaces (nil when none was installed); nil uninstalls it. Package
// infected calls it at init. Any goroutine; a child reads the installed
// HostLoop once, in ChildMain, and OpenRoot and StartActor read it when
// they are given WithHostLoop.
func SetHostLoop(h HostLoop) HostLoop {
	var p *HostLoop
	if h != nil {
		p = &h
	}
	if old := hostLoop.Swap(p); old != nil {
		return *old
	}
	return nil
}

func installedHostLoop() HostLoop {
	if p := hostLoop.Load(); p != nil {
		return *p
	}
	return nil
}

// ErrNoHostLoop is the error of a host-loop mode request in a program that
// has no HostLoop installed: it must import package infected.
var ErrNoHostLoop = errors.New("actor: host-loop mode asked for, but no host loop is installed in this program (import github.com/hitchrt/hitch/infected)")

// WithHostLoop runs an actor in host-loop mode: its runtime is the guest
// of a host loop, and its Vars().Infected is true. It is the mechanism of
// package infected, whose Mode option returns it; use that.
//
// On StartActor it starts the child in host-loop mode: the child's command
// line carries the mode's flag and its spawn spec the Infected variable,
// and the child refuses to boot (an internal error, a non-zero exit, a
// failed StartActor) if the two disagree or if its program has no
// HostLoop installed. A child is in host-loop mode only when asked: the
// mode is not inherited from the parent. StartActor fails with an error
// matching ErrNoHostLoop when this program has none installed and the
// child runs this program's own executable (WithBinary names a program
// that may have its own).
//
// On OpenRoot it says that the root runs as the guest of a host loop (the
// program opened it from a guest run started with bridge.RunGuest), which
// OpenRoot checks through the installed HostLoop; it fails when that is
// not so, or when no HostLoop is installed.
func WithHostLoop() Option {
	return optionFunc(func(c *config) error {
		c.vars.Infected = true
		return nil
	})
}

// checkHostLoop fails a config built for where that asks for host-loop
// mode this program cannot provide.
func (c *config) checkHostLoop() error {
	if !c.vars.Infected || installedHostLoop() != nil || (c.where == forStart && c.binary != "") {
		return nil
	}
	return fmt.Errorf("actor: WithHostLoop on %s: %w", c.where, ErrNoHostLoop)
}

// childArgs returns the command line arguments of a child started with
// cfg: its name, and the host-loop flag when it is in that mode.
func childArgs(name string, cfg *config) []string {
	args := []string{childFlag + "=" + name}
	// The hook exists so that tests can make flag and spec disagree.
	if cfg.vars.Infected != spawnhook.SkewInfected.Load() {
		args = append(args, infectedFlag)
	}
	return args
}

// childInfected reports whether the command line asks for host-loop mode.
func childInfected(args []string) bool {
	return len(args) > 2 && args[2] == infectedFlag
}

// cancelSoon asks the actor to cancel itself, on behalf of itself, for the
// reason why; false when the actor is not running. Any goroutine.
func (a *Actor) cancelSoon(why string) bool {
	if current.Load() != a {
		return false
	}
	return a.tok.RunSyncSoon(func() { a.cancel(a.id, why) }) == nil
}

// bootError is a sub-actor's refusal to boot: it could start, but what it
// was asked to be is inconsistent.
type bootError struct{ err error }

func (e *bootError) Error() string { return e.err.Error() }
func (e *bootError) Unwrap() error { return e.err }

// checkRootHostLoop fails a root asking for host-loop mode whose task is
// not one of a host loop's guest run.
func (c *config) checkRootHostLoop(ctx context.Context) error {
	if !c.vars.Infected {
		return nil
	}
	if err := installedHostLoop().CheckRoot(ctx); err != nil {
		return fmt.Errorf("actor: WithHostLoop on OpenRoot: %w", err)
	}
	return nil
}
