package debug

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/hitchrt/hitch/actor"
	"github.com/hitchrt/hitch/actor/msg"
	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/signals"
)

// The debugger plugs itself into every actor this program runs: importing
// the package is enough.
func init() {
	actor.SetDebugHooks(actor.DebugHooks{
		Start:        startActor,
		Crash:        crashed,
		WaitTerminal: waitTerminal,
	})
	msg.RegisterErrorType(quitTypeName, func(string) error { return ErrQuit })
	msg.RegisterErrorType(refusedTypeName, func(m string) error { return &RefusedError{Message: m} })
}

// treeKey is the actor's debugger state, a value of the actor's runner.
var treeKey = sc.NewKey[*treeState]("debug tree")

// treeState is one actor's part of the tree-wide debugger: the lock
// requests it serves for its children (and, through them, their subtrees)
// and, at the root, the actors refused the terminal. Runner-owned: only
// tasks of the actor's runner touch it.
type treeState struct {
	a    *actor.Actor
	root bool // the actor's lock is the tree's own (a root), not its parent's

	// requests counts, per child uid, the lock requests of that child
	// served here (waiting or holding); idle is set when the count drops
	// back to zero. The kill ladder waits on it.
	requests map[string]*childRequests
	// holder is the child whose request holds the lock here, and its REPL's
	// owner; zero when none.
	holder    actor.ActorID
	holderWho Holder
	// blocked are the actors (by uid) refused the terminal: at the root,
	// those whose REPL ended with quit.
	blocked map[string]bool
}

type childRequests struct {
	n    int
	idle *sc.Event
}

// startActor is the actor runtime's Start hook: the actor's runner is
// attached (its name on the REPL's header), with the tree's lock, which
// is a lock of its own at a root and a request to its parent in a
// sub-actor. In debug mode a sub-actor leaves SIGINT to the root: the
// terminal sends Ctrl-C to every process of the tree, and the root alone
// decides what it means (nothing while a REPL is open).
func startActor(ctx context.Context, a *actor.Actor) (stop func()) {
	t := sc.CurrentTask(ctx)
	ts := &treeState{a: a, root: a.IsRoot(), requests: map[string]*childRequests{}, blocked: map[string]bool{}}
	var lock StdioLock = NewLocalLock()
	if !ts.root {
		lock = &remoteLock{ts: ts}
	}
	id := a.ID()
	tok := t.Runner().Token()
	detach, err := Attach(tok, ActorName(id.Name), WithLock(lock), ActorsCommand(actorTree(tok, ts)),
		attachOption(func(r *runtimeInfo) { r.uid = id.UID }))
	if err != nil {
		a.Logger().Warn("debug: the debugger is not attached to the actor; its pauses use a lock of their own", "actor", id.String(), "err", err)
		detach = func() {}
	}
	treeKey.Set(t.Runner(), ts)
	unshield := func() {}
	if !ts.root && a.Vars().DebugMode {
		unshield = signals.ShieldSIGINT("debug mode: Ctrl-C belongs to the root actor", nil, signals.WithLogger(a.Logger()))
	}
	return func() {
		unshield()
		treeKey.Set(t.Runner(), nil)
		detach()
	}
}

// treeOf returns the debugger state of ctx's actor, nil outside one.
func treeOf(ctx context.Context) *treeState {
	ts, _ := treeKey.Value(ctx)
	return ts
}

// waitTerminal is the kill ladder's hook: it parks while the child has a
// lock request served here. The first wait is logged, so the person at
// the REPL knows why the tree is not ending yet.
func waitTerminal(ctx context.Context, child actor.ActorID) (waited bool) {
	ts := treeOf(ctx)
	if ts == nil {
		return false
	}
	for {
		r := ts.requests[child.UID]
		if r == nil || r.n == 0 {
			return waited
		}
		if !waited {
			ts.a.Logger().Log(ctx, signals.LevelPDB, "debug: sub-actor holds or waits for the terminal; stopping it waits for its REPL to end", "actor", ts.a.ID().String(), "child", child.String())
		}
		waited = true
		if r.idle.Wait(ctx) != nil {
			return waited
		}
	}
}

// crashed is the Crash hook of debug mode: a post-mortem REPL on an error
// leaving an actor, unless it is only a cancellation or a quit from a
// REPL (which was looked at already).
func crashed(ctx context.Context, err error) {
	var noTerminal *lockError
	if !worthPostMortem(err) || errors.As(err, &noTerminal) {
		return
	}
	// No "at" line: the place the hook runs is the runtime's, not the
	// crash's; a panic's own stack is shown.
	cfg := newConfig(callPostMortem, []Option{Shield()})
	if perr := pauseTask(ctx, &cfg, "crashed", nil, err); perr != nil && !errors.Is(perr, ErrQuit) {
		if a, aerr := actor.Current(ctx); aerr == nil {
			a.Logger().Warn("debug: post-mortem REPL failed", "actor", a.ID().String(), "err", perr)
		}
	}
}

// worthPostMortem reports whether err holds a failure other than a
// cancellation or a quit from a REPL.
func worthPostMortem(err error) bool {
	if err == nil {
		return false
	}
	if multi, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range multi.Unwrap() {
			if worthPostMortem(e) {
				return true
			}
		}
		return false
	}
	if _, ok := err.(*serviceError); ok {
		return false
	}
	if isQuit(err) || errors.Is(err, sc.ErrCancelled) || errors.Is(err, msg.ErrContextCancelled) {
		return false
	}
	if next := errors.Unwrap(err); next != nil {
		if _, remote := err.(*msg.RemoteActorError); !remote {
			return worthPostMortem(next)
		}
	}
	return true
}

// isQuit reports a quit from a REPL, here or in the actor an error came
// from (its message says so even when it was wrapped before it left).
func isQuit(err error) bool {
	if errors.Is(err, ErrQuit) {
		return true
	}
	var rae *msg.RemoteActorError
	return errors.As(err, &rae) && containsQuit(rae.Message)
}

// actorTree is the REPL's actors command in an actor: this actor, its
// parent, the child through which the terminal is held, and the requests
// waiting for it here (a root sees every request of the tree). It runs on the REPL's
// goroutine, so it asks the runner.
func actorTree(tok *sc.Token, ts *treeState) func(w io.Writer) error {
	return func(w io.Writer) error {
		var lines []string
		err := tok.RunSync(func() error {
			id := ts.a.ID()
			if p := ts.a.Parent(); p != nil {
				lines = append(lines, fmt.Sprintf("%v (sub-actor of %v)", id, p.Peer()))
			} else {
				lines = append(lines, fmt.Sprintf("%v (root)", id))
			}
			if !ts.holder.IsZero() {
				lines = append(lines, fmt.Sprintf("  terminal held through %v: %s", ts.holder, ts.holderWho))
			}
			return nil
		})
		for _, h := range CurrentStatus().Pending {
			lines = append(lines, fmt.Sprintf("  waiting for the terminal: %s", h))
		}
		for _, l := range lines {
			fmt.Fprintln(w, l)
		}
		return err
	}
}
